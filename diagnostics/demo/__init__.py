"""The demonstration region: writers of the official file formats used to generate it."""
