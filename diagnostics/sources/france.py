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
from ..formatting import fr_number
from .care_spending import SPENDING_BANDS, SPENDING_ITEMS
from .errors import RawDataError
from .population import INSEE_SEX
from .tables import (
    FINESS_CATEGORY,
    calendar_years,
    check_allowed,
    check_at_most,
    check_codes,
    check_unique,
    counts,
    first_bad,
    read_delimited,
)


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
    check_complete_years(out, path)
    return out


def check_complete_years(france: pd.DataFrame, path: Path) -> None:
    """Each year of the national reference has its 40 lines (2 sexes × 20 age bands): a year cut short
    would make France's rates of that year wrong."""
    lines = france.groupby("year")["age_band"].count()
    short = lines[lines < 2 * len(AGE_BANDS)]
    if len(short):
        year = int(short.index[0])
        have = set(zip(france.loc[france["year"] == year, "sex"], france.loc[france["year"] == year, "age_band"]))
        missing = [f"{sex} {band}" for sex in ("M", "F") for band in AGE_BANDS if (sex, band) not in have]
        raise RawDataError(
            path,
            f"année {year} incomplète : {int(short.iloc[0])} lignes sur {2 * len(AGE_BANDS)} (sexe × classe "
            f"d'âge) ; manquent {', '.join(missing[:4])}{'…' if len(missing) > 4 else ''}",
            column="annee",
        )


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
        raise RawDataError(
            path,
            f"{fr_number(per_capita.iloc[line - 2], 2)} € remboursés par habitant en {r['year']} pour les "
            f"{r['spending_band']} ans (attendu de {fr_number(PER_CAPITA[0])} à {fr_number(PER_CAPITA[1])} €) : "
            "colonnes montant_rembourse et population inversées, ou montants en milliers ?",
            line=line,
            column="montant_rembourse",
        )
    return out


def read_france_places(path: Path) -> pd.DataFrame:
    """year, category, places — installed places in France by FINESS category."""
    df = read_delimited(path, ["annee", "categorie", "places"])
    check_codes(df, "categorie", FINESS_CATEGORY, "catégorie FINESS", "3 chiffres, ex. 500", path)
    check_unique(df, ["annee", "categorie"], path)
    return pd.DataFrame(
        {"year": calendar_years(df, "annee", path), "category": df["categorie"], "places": counts(df, "places", path)}
    )
