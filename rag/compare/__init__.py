"""Stage 9: comparing the problems sections of two reports theme by theme, and rendering the comparison."""
