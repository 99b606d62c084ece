"""Deaths by commune of residence × year × sex × age band (CépiDc-style tidy CSV).

Layout: ``commune;annee;sexe;classe_age;deces``; absent combinations mean zero deaths.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import AGE_BANDS
from .population import INSEE_SEX
from .tables import (
    calendar_years,
    check_allowed,
    check_commune_codes,
    check_consecutive_years,
    check_unique,
    counts,
    read_delimited,
)

COLUMNS = ["commune", "annee", "sexe", "classe_age", "deces"]


def read_residence_deaths(path: Path) -> pd.DataFrame:
    """``deaths.parquet``: commune, year, sex, age_band, deaths."""
    df = read_delimited(path, COLUMNS)
    check_commune_codes(df, "commune", path)
    check_allowed(df, "sexe", INSEE_SEX, path)
    check_allowed(df, "classe_age", AGE_BANDS, path)
    check_unique(df, ["commune", "annee", "sexe", "classe_age"], path)
    out = pd.DataFrame(
        {
            "commune": df["commune"],
            "year": calendar_years(df, "annee", path),
            "sex": df["sexe"].map(INSEE_SEX),
            "age_band": df["classe_age"],
            "deaths": counts(df, "deces", path),
        }
    )
    check_consecutive_years(out["year"], path, "annee")
    return out
