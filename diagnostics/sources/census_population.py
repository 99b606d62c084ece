"""INSEE recensement: population by commune, sex and single year of age (tableau POP1B).

Two publications are accepted:

* ``BTT_TD_POP1B_AAAA.csv`` (long, ``;``): ``NIVGEO;CODGEO;LIBGEO;SEXE;AGED100;NB``, one row per
  commune × sex (1 men, 2 women) × age (0 … 100, 100 meaning 100 or more);
* ``BTX_TD_POP1B_AAAA.xlsx`` (wide): title rows, then a header ``CODGEO``, ``LIBGEO``,
  ``SEXE1_AGED100000`` … ``SEXE1_AGED100100``, ``SEXE2_AGED100000`` … (men then women, age on the
  last three digits).

Counts are not integers (census weights). Codes are those of the census's COG; rows of
arrondissements municipaux (``NIVGEO`` ``ARM``) are dropped (the file gives their commune's row too).
The year (``AAAA``) is the census millésime, taken from the file name.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AGE_BANDS
from .errors import RawDataError
from .population import year_from_name
from .tables import (
    check_allowed,
    check_commune_codes,
    check_unique,
    counts,
    first_bad,
    read_delimited,
    restore_leading_zeros,
)
from .workbooks import DAMAGED, damaged, open_workbook, sheet_table

LONG_COLUMNS = ["CODGEO", "SEXE", "AGED100", "NB"]
WIDE_COLUMN = re.compile(r"^SEXE([12])_AGED100(\d{3})$")
SEX = {"1": "M", "2": "F"}
LEVELS = ["COM", "ARM"]  # NIVGEO: communes, and the arrondissements municipaux of Paris, Lyon, Marseille (not read)


def five_year_band(age: np.ndarray) -> np.ndarray:
    """Single years of age → ``00-04`` … ``95+``."""
    return np.asarray(AGE_BANDS)[np.minimum(np.asarray(age, dtype=int) // 5, len(AGE_BANDS) - 1)]


def _long(path: Path) -> pd.DataFrame:
    df = read_delimited(path, LONG_COLUMNS, optional=["NIVGEO"])
    check_commune_codes(df, "CODGEO", path)
    check_allowed(df, "SEXE", SEX, path)
    check_unique(df, ["CODGEO", "SEXE", "AGED100"], path)
    age = counts(df, "AGED100", path)
    if (age > 120).any():
        line = first_bad(age > 120)
        raise RawDataError(
            path, f"âge « {df['AGED100'].iloc[line - 2]} » : 0 à 100 attendu", line=line, column="AGED100"
        )
    out = pd.DataFrame(
        {
            "commune": df["CODGEO"],
            "sex": df["SEXE"].map(SEX),
            "age_band": five_year_band(age),
            "population": counts(df, "NB", path, integer=False),
        }
    )
    if "NIVGEO" not in df:
        return out
    check_allowed(df, "NIVGEO", LEVELS, path)
    arm = df["NIVGEO"] == "ARM"
    out = out[~arm.to_numpy()].reset_index(drop=True)
    if arm.any():
        out.attrs["details"] = [
            f"{path.name} : {int(arm.sum())} ligne(s) d'arrondissements municipaux (NIVGEO ARM) écartées, "
            "leur commune étant donnée"
        ]
    return out


def _wide(path: Path) -> pd.DataFrame:
    wb = open_workbook(path)
    try:
        df = sheet_table(path, wb, wb.sheetnames[0], ["CODGEO"])
    except DAMAGED as exc:
        raise damaged(path, exc) from None
    finally:
        wb.close()
    age_columns = [c for c in df.columns if WIDE_COLUMN.match(c)]
    if not age_columns:
        raise RawDataError(path, "aucune colonne SEXE1_AGED100000 … : est-ce bien le tableau POP1B du recensement ?")
    if age_columns != sorted(age_columns):  # read by name: two swapped headers would swap two ages without a word
        late = next(b for a, b in zip(age_columns, age_columns[1:]) if b < a)
        raise RawDataError(
            path,
            f"colonne « {late} » avant la précédente : les colonnes SEXE1_AGED100000 … SEXE2_AGED100100 "
            "sont attendues dans l'ordre",
            column=late,
        )
    unnamed = (df["CODGEO"] == "") & (df[age_columns] != "").any(axis=1)
    if unnamed.any():  # figures without their commune would be dropped unseen
        raise RawDataError(
            path, "effectifs sans code commune", line=int(df.index[unnamed.to_numpy()][0]), column="CODGEO"
        )
    df = df[df["CODGEO"] != ""]
    codes = restore_leading_zeros(df["CODGEO"], 5)
    check_commune_codes(pd.DataFrame({"CODGEO": codes.to_numpy()}), "CODGEO", path)
    if codes.duplicated().any():  # the rows of a commune would be summed
        row = int(codes.index[codes.duplicated().to_numpy()][0])
        raise RawDataError(path, f"commune « {codes.loc[row]} » présente deux fois", line=row, column="CODGEO")
    long = df.assign(CODGEO=codes).melt(id_vars="CODGEO", value_vars=age_columns, var_name="column", value_name="NB")
    long["NB"] = long["NB"].replace("", "0")
    parts = long["column"].str.extract(WIDE_COLUMN)
    values = pd.to_numeric(long["NB"].str.replace(",", "."), errors="coerce")
    if values.isna().any() or (values < 0).any():
        i = int(np.flatnonzero((values.isna() | (values < 0)).to_numpy())[0])
        raise RawDataError(
            path, f"effectif « {long['NB'].iloc[i]} » : nombre positif ou nul attendu", column=long["column"].iloc[i]
        )
    return pd.DataFrame(
        {
            "commune": long["CODGEO"],
            "sex": parts[0].map(SEX),
            "age_band": five_year_band(parts[1].astype(int)),
            "population": values,
        }
    )


def read_census_population(path: Path) -> pd.DataFrame:
    """commune, census_year, sex, age_band, population — summed to five-year bands."""
    df = _wide(path) if path.suffix.lower() in (".xlsx", ".xls") else _long(path)
    out = df.groupby(["commune", "sex", "age_band"], as_index=False)["population"].sum()
    out.insert(1, "census_year", year_from_name(path))
    out.attrs = df.attrs
    return out
