"""Foundation shared by every stage: dataclasses passed between stages, errors, settings, prompt templates."""
