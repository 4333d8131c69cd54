"""Stage 5: hybrid retrieval (dense + BM25, fused) with report and section awareness."""
