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
from ..formatting import fr_number
from .errors import RawDataError
from .tables import FINESS_CATEGORY, first_bad, calendar_years, check_allowed, check_at_most, check_codes, check_unique, counts, read_delimited


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


PER_CAPITA = (1, 100_000)  # € per person and year, all items: France spends ≈ 700 (0-19) to 5 000 (80+)


def read_france_spending(path: Path) -> pd.DataFrame:
    """year, spending_band, item, amount, population — national reimbursed spending by age band.

    A band whose spending per person is out of :data:`PER_CAPITA` is refused: the amount and the
    population columns have been swapped, or one is in another unit."""
    df = read_delimited(path, ["annee", "classe_age", "poste", "montant_rembourse", "population"])
    check_allowed(df, "classe_age", SPENDING_BANDS, path)
    check_allowed(df, "poste", SPENDING_ITEMS, path)
    check_unique(df, ["annee", "classe_age", "poste"], path)
    out = pd.DataFrame(
        {
            "year": calendar_years(df, "annee", path),
            "spending_band": df["classe_age"],
            "item": df["poste"],
            "amount": counts(df, "montant_rembourse", path, integer=False),
            "population": counts(df, "population", path),
        }
    )
    bands = out.groupby(["year", "spending_band"])
    per_capita = bands["amount"].transform("sum") / bands["population"].transform("max").where(lambda p: p > 0)
    odd = ~per_capita.between(*PER_CAPITA)
    if odd.any():
        line = first_bad(odd)
        r = out.iloc[line - 2]
        raise RawDataError(path, f"{fr_number(per_capita.iloc[line - 2], 2)} € remboursés par habitant en {r['year']} pour les "
                                 f"{r['spending_band']} ans (attendu de {fr_number(PER_CAPITA[0])} à {fr_number(PER_CAPITA[1])} €) : "
                                 "colonnes montant_rembourse et population inversées, ou montants en milliers ?",
                           line=line, column="montant_rembourse")
    return out


def read_france_places(path: Path) -> pd.DataFrame:
    """year, category, places — installed places in France by FINESS category."""
    df = read_delimited(path, ["annee", "categorie", "places"])
    check_codes(df, "categorie", FINESS_CATEGORY, "catégorie FINESS", "3 chiffres, ex. 500", path)
    check_unique(df, ["annee", "categorie"], path)
    return pd.DataFrame(
        {"year": calendar_years(df, "annee", path), "category": df["categorie"], "places": counts(df, "places", path)}
    )
