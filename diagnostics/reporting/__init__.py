"""What a reader sees: a territory's report data, tables, figures, key messages, the index and the overview."""
