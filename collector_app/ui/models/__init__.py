"""Qt item models over frozen rows from the store."""
