"""Helpers every stage shares: JSON lines, file modes, the name registry, repeated-hash sets,
text normalisation and prompt rendering. They import nothing above `values` and `errors`."""
