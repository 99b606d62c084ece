"""Raw files of the declared indicators (see ``diagnostics/indicators/declared.py``): a delimited
file with a commune, a year and a count column, named in the declaration; a ``FRANCE`` line may
give the national count."""

from __future__ import annotations

import fnmatch
from pathlib import Path

import pandas as pd

from ..config import FRANCE_CODE
from .errors import RawDataError
from .tables import COMMUNE_CODE, calendar_years, check_unique, counts, first_bad, read_delimited

COUNTS_COLUMNS = ["indicator", "commune", "year", "count"]


def declared_files(raw_dir: Path, pattern: str) -> list[Path]:
    """The files of ``raw_dir`` (any depth) whose name matches ``pattern``; the latest is used."""
    return sorted(
        p for p in Path(raw_dir).rglob("*") if p.is_file() and fnmatch.fnmatch(p.name.lower(), pattern.lower())
    )


def read_declared_file(path: Path, indicator: str, columns: dict[str, str], integer: bool) -> pd.DataFrame:
    """indicator, commune, year, count — checked like every raw file (codes, years, counts)."""
    df = read_delimited(path, [columns["commune"], columns["year"], columns["count"]])
    commune, year, count = columns["commune"], columns["year"], columns["count"]
    bad = ~(df[commune].str.match(COMMUNE_CODE) | (df[commune].str.upper() == FRANCE_CODE))
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path,
            f"code commune INSEE invalide « {df[commune].iloc[line - 2]} » (attendu 5 caractères, "
            f"ex. 01004, 2A004, ou {FRANCE_CODE} pour la France entière)",
            line=line,
            column=commune,
        )
    check_unique(df, [commune, year], path)
    return pd.DataFrame(
        {
            "indicator": indicator,
            "commune": df[commune].where(df[commune].str.upper() != FRANCE_CODE, FRANCE_CODE),
            "year": calendar_years(df, year, path),
            "count": counts(df, count, path, integer=integer),
        }
    )


def read_declared_counts(raw_dir: Path, declarations) -> pd.DataFrame:
    """The counts of every declared indicator whose raw file is in ``raw_dir`` (others are not computed)."""
    frames = [
        read_declared_file(files[-1], d.id, d.columns, bool(d.meta["count_based"]))
        for d in declarations
        if (files := declared_files(raw_dir, d.raw_file))
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COUNTS_COLUMNS)
