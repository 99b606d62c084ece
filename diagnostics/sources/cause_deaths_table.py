"""``cause_deaths.parquet``: deaths by cause of the région's areas and of France, from the tidy file
``deces_causes_*.csv`` (preferred: finer areas and ICD-10 codes) or else the CépiDc export."""

from __future__ import annotations

import pandas as pd

from ..config import FRANCE_CODE
from .causes_of_death import OUTPUT_COLUMNS

DTYPES = {
    "level": str,
    "code": str,
    "year": "int64",
    "sex": str,
    "age_band": str,
    "cause": str,
    "deaths": "Int64",
    "suppressed": bool,
}


def empty_cause_deaths() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in DTYPES.items()})[OUTPUT_COLUMNS]


def cause_deaths_table(results: dict, communes: pd.DataFrame) -> pd.DataFrame:
    """The rows of the région (its communes, départements and région) and of France; the tidy file's
    when the folder has one (both files would count a death twice), else the CépiDc export's."""
    source = results.get("cause_deaths")
    source = results.get("cepidc_causes") if source is None else source
    if source is None or source.empty:
        return empty_cause_deaths()
    level, code = source["level"], source["code"]
    keep = (
        ((level == "COM") & code.isin(set(communes["commune"])))
        | ((level == "DEP") & code.isin(set(communes["departement_code"])))
        | ((level == "REG") & code.isin(set(communes["region_code"])))
        | ((level == "FRANCE") & (code == FRANCE_CODE))
    )
    return source[keep].reset_index(drop=True).astype(DTYPES)[OUTPUT_COLUMNS]
