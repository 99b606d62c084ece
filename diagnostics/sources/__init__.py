"""Readers of the raw files, one module per official format; ``catalog`` recognises them,
``assemble`` turns what was read into the project's tidy tables.

Importing the package is light (the command line starts without loading pandas): readers are
imported where they are used."""

from __future__ import annotations

from pathlib import Path

from .errors import RawDataError


def read_raw_tables(raw_dir: Path, options: dict | None = None) -> dict:
    """Read and validate every raw file: the tidy tables of ``data/processed`` (before indicators)."""
    from .assemble import assemble, read_all

    results, _, _, manifest = read_all(Path(raw_dir), options)
    return assemble(results, manifest.options)


__all__ = ["RawDataError", "read_raw_tables"]
