"""Stage 4: one analysis of each question (reports named, parts asked for, type, figures), shared by retrieval and answering."""
