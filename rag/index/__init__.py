"""Stage 3: chunks, embedders, the FAISS dense index, the BM25 sparse index and the stores that hold them."""
