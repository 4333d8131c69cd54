"""Stage 8: one-page structured summaries of a report (schema, extractive and LLM builders, flags, rendering)."""
