"""INSEE table d'appartenance géographique des communes (commune → département, région, EPCI)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .tables import check_commune_codes, check_unique, read_delimited

COLUMNS = ["CODGEO", "LIBGEO", "DEP", "LIBDEP", "REG", "LIBREG", "EPCI", "LIBEPCI"]


def read_communes(path: Path) -> pd.DataFrame:
    """One row per commune: commune, commune_name, departement_code/_name, region_code/_name, epci_code/_name."""
    df = read_delimited(path, COLUMNS)
    check_commune_codes(df, "CODGEO", path)
    check_unique(df, ["CODGEO"], path)
    return df.rename(
        columns={
            "CODGEO": "commune", "LIBGEO": "commune_name", "DEP": "departement_code", "LIBDEP": "departement_name",
            "REG": "region_code", "LIBREG": "region_name", "EPCI": "epci_code", "LIBEPCI": "epci_name",
        }
    )
