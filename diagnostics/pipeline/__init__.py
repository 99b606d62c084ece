"""The flow: raw files → processed tables → indicators → one report per territory → index; the command line."""
