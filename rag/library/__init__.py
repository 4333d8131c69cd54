"""The whole library at once: one row per report, themes across reports, one indicator across reports."""
