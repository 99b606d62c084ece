"""INSEE population by commune × sex × five-year age band, one file per year.

Layout (census-like long format, as BTT_TD_POP1B aggregated to five-year bands):
``NIVGEO;CODGEO;LIBGEO;SEXE;AGE5;NB`` with SEXE ``M``/``F`` (or INSEE's ``1``/``2``), AGE5 one of
``00-04`` … ``95+``, NB the population on 1 January of the year in the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..config import AGE_BANDS
from .errors import RawDataError
from .tables import check_allowed, check_commune_codes, check_unique, counts, read_delimited

COLUMNS = ["CODGEO", "SEXE", "AGE5", "NB"]
INSEE_SEX = {"1": "M", "2": "F", "M": "M", "F": "F"}


def year_from_name(path: Path) -> int:
    m = re.search(r"(19|20)\d{2}(?=\D*$)", path.stem)
    if not m:
        raise RawDataError(path, "année introuvable dans le nom du fichier (attendu …_AAAA.csv)")
    return int(m.group(0))


def read_population_file(path: Path) -> pd.DataFrame:
    df = read_delimited(path, COLUMNS)
    check_commune_codes(df, "CODGEO", path)
    check_allowed(df, "SEXE", INSEE_SEX, path)
    check_allowed(df, "AGE5", AGE_BANDS, path)
    check_unique(df, ["CODGEO", "SEXE", "AGE5"], path)
    return pd.DataFrame(
        {
            "commune": df["CODGEO"],
            "year": year_from_name(path),
            "sex": df["SEXE"].map(INSEE_SEX),
            "age_band": df["AGE5"],
            "population": counts(df, "NB", path, integer=False),
        }
    )


def read_commune_population(paths: list[Path]) -> pd.DataFrame:
    """``population.parquet``: commune, year, sex, age_band, population."""
    return pd.concat([read_population_file(p) for p in sorted(paths)], ignore_index=True)
