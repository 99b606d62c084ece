"""Statistical methods: pure, vectorised functions on arrays and DataFrames (no file, no French text
beyond the reasons a figure is not computed). Each follows a published reference implementation and
is tested against its vectors."""
