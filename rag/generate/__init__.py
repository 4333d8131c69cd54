"""Stage 6: text generators (llama.cpp in process, OpenAI-compatible servers, fakes) and the model registry."""
