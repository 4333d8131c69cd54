"""Stage 7: answers from retrieved passages: prompts, the extractive answerer, verification, the streaming answer."""
