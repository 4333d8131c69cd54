"""Chinese-language knowledge, in one place: sentences, numerals and figures, 文号, years, place names, issuers, tokenising, 繁→简 shadows."""
