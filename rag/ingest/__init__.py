"""Stage 1: files to text. Readers (txt/md/html/docx/pdf) and cleaning that keeps a map back to source offsets."""
