"""Foundation shared by every stage: dataclasses passed between stages, errors, settings, prompt templates,
and the Embedder and Generator protocols (rag.core.protocols)."""
