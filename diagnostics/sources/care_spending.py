"""Reimbursed care spending (dépenses remboursées) by commune of residence × age band × item.

Layout (SNDS/CPAM extraction as ARS receive it): ``annee;commune;classe_age;poste;montant_rembourse``,
age bands of Open DAMIR (``0-19``, ``20-29`` … ``70-79``, ``80+``), amounts in euros.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .tables import calendar_years, check_allowed, check_commune_codes, check_unique, counts, read_delimited

SPENDING_BANDS = ["0-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
COLUMNS = ["annee", "commune", "classe_age", "poste", "montant_rembourse"]
SPENDING_ITEMS = ["soins_de_ville", "medicaments", "hopital", "autres"]  # postes (labels in indicators.consumption)


def read_commune_spending(path: Path) -> pd.DataFrame:
    """year, commune, spending_band, item, amount."""
    df = read_delimited(path, COLUMNS)
    check_commune_codes(df, "commune", path)
    check_allowed(df, "classe_age", SPENDING_BANDS, path)
    check_allowed(df, "poste", SPENDING_ITEMS, path)
    check_unique(df, ["annee", "commune", "classe_age", "poste"], path)
    return pd.DataFrame(
        {
            "year": calendar_years(df, "annee", path),
            "commune": df["commune"],
            "spending_band": df["classe_age"],
            "item": df["poste"],
            "amount": counts(df, "montant_rembourse", path, integer=False),
        }
    )


def spending_band_of(age_band: str) -> str:
    """Map a five-year band (``00-04`` … ``95+``) to the spending bands above."""
    lo = int(age_band[:2])
    if lo < 20:
        return "0-19"
    if lo >= 80:
        return "80+"
    return f"{lo // 10 * 10}-{lo // 10 * 10 + 9}"
