"""Stage 2: report understanding. Headings, sections and their roles, problem/plan items, metadata, problem themes."""
