"""National reference figures: France is the comparator of every indicator.

* ``france_population_deces.csv``: ``annee;sexe;classe_age;population;deces`` (INSEE estimates and
  CépiDc deaths for France entière) — the reference of every ICM;
* ``depenses_remboursees_france_AAAA.csv``: ``annee;classe_age;poste;montant_rembourse;population``;
* ``places_medico_sociales_france_AAAA.csv``: ``annee;categorie;places`` (DREES, FINESS).
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import AGE_BANDS
from .care_spending import SPENDING_BANDS, SPENDING_ITEMS
from .population import INSEE_SEX
from .tables import calendar_years, check_allowed, check_at_most, check_unique, counts, read_delimited


def read_france_reference(path: Path) -> pd.DataFrame:
    """``france_reference.parquet``: year, sex, age_band, population, deaths."""
    df = read_delimited(path, ["annee", "sexe", "classe_age", "population", "deces"])
    check_allowed(df, "sexe", INSEE_SEX, path)
    check_allowed(df, "classe_age", AGE_BANDS, path)
    check_unique(df, ["annee", "sexe", "classe_age"], path)
    out = pd.DataFrame(
        {
            "year": calendar_years(df, "annee", path),
            "sex": df["sexe"].map(INSEE_SEX),
            "age_band": df["classe_age"],
            "population": counts(df, "population", path),
            "deaths": counts(df, "deces", path),
        }
    )
    check_at_most(out["deaths"], out["population"], df, "deces", path, "décès")
    return out


def read_france_spending(path: Path) -> pd.DataFrame:
    """year, spending_band, item, amount, population — national reimbursed spending by age band."""
    df = read_delimited(path, ["annee", "classe_age", "poste", "montant_rembourse", "population"])
    check_allowed(df, "classe_age", SPENDING_BANDS, path)
    check_allowed(df, "poste", SPENDING_ITEMS, path)
    check_unique(df, ["annee", "classe_age", "poste"], path)
    return pd.DataFrame(
        {
            "year": calendar_years(df, "annee", path),
            "spending_band": df["classe_age"],
            "item": df["poste"],
            "amount": counts(df, "montant_rembourse", path, integer=False),
            "population": counts(df, "population", path),
        }
    )


def read_france_places(path: Path) -> pd.DataFrame:
    """year, category, places — installed places in France by FINESS category."""
    df = read_delimited(path, ["annee", "categorie", "places"])
    check_unique(df, ["annee", "categorie"], path)
    return pd.DataFrame(
        {"year": calendar_years(df, "annee", path), "category": df["categorie"], "places": counts(df, "places", path)}
    )
