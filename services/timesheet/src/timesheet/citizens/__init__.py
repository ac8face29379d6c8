"""One person, one citizen id: applies placement's merges of citizens stored twice (issue 6, item 7)."""
