"""Bénéficiaires de la Complémentaire santé solidaire (CSS, ex CMU-C until November 2019).

No open territorial file exists: the tidy layout recommended to users is
``territoire_type;territoire_code;annee;nb_beneficiaires_css`` with territoire_type ``COM``
(commune code) or ``FRANCE`` (national total), counts on 31 December.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import COMMUNE_CODE, check_allowed, check_unique, counts, first_bad, read_delimited

COLUMNS = ["territoire_type", "territoire_code", "annee", "nb_beneficiaires_css"]


def read_css_beneficiaries(path: Path) -> pd.DataFrame:
    """level ("COM"/"FRANCE"), code, year, beneficiaries."""
    df = read_delimited(path, COLUMNS)
    check_allowed(df, "territoire_type", ["COM", "FRANCE"], path)
    bad = (df["territoire_type"] == "COM") & ~df["territoire_code"].str.match(COMMUNE_CODE)
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(path, f"code commune INSEE invalide « {df['territoire_code'].iloc[line - 2]} »",
                           line=line, column="territoire_code")
    check_unique(df, ["territoire_type", "territoire_code", "annee"], path)
    return pd.DataFrame(
        {
            "level": df["territoire_type"],
            "code": df["territoire_code"],
            "year": counts(df, "annee", path),
            "beneficiaries": counts(df, "nb_beneficiaires_css", path),
        }
    )
