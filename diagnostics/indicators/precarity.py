"""Précarité: taux de bénéficiaires de la Complémentaire santé solidaire (CSS, ex CMU-C),
beneficiaries / population (all ages) × 100, Wilson interval, every year available.

Commune counts make any territory's rate. When a territory's communes are not all counted for a
year, département counts (if given) provide its département's rate, flagged « valeur départementale »,
rather than a rate on part of its communes. When the file splits the CSS into free and
with-contribution, both shares are given too (categories ``gratuite`` and ``participation``).
"""

from __future__ import annotations

import pandas as pd

from diagnostics.methods import rates

from ..config import FRANCE_CODE
from .common import TOTAL, departements_of_areas, rows

PARTS = {"free": "gratuite", "with_contribution": "participation"}


def _long(css: pd.DataFrame) -> pd.DataFrame:
    """One count per level, code, year and category (total, and the split when given)."""
    frames = [css[["level", "code", "year", "beneficiaries"]].assign(category=TOTAL)]
    for column, category in PARTS.items():
        if column in css and css[column].notna().any():
            frames.append(
                css[["level", "code", "year", column]]
                .rename(columns={column: "beneficiaries"})
                .assign(category=category)
            )
    return pd.concat(frames, ignore_index=True)


def css_rate(
    css: pd.DataFrame, population: pd.DataFrame, france: pd.DataFrame, territories: pd.DataFrame, communes: pd.DataFrame
) -> pd.DataFrame:
    counts = _long(css)
    pop = population.groupby(["commune", "year"], as_index=False)["population"].sum()
    members = territories[["territory_code", "commune"]]

    com = counts[counts["level"] == "COM"].rename(columns={"code": "commune"})
    grid = members.merge(pop, on="commune").merge(pd.DataFrame({"category": counts["category"].unique()}), how="cross")
    local = grid.merge(
        com[["commune", "year", "category", "beneficiaries"]], on=["commune", "year", "category"], how="left"
    )
    sums = (
        local.assign(counted=local["beneficiaries"].notna())
        .groupby(["territory_code", "year", "category"])
        .agg(beneficiaries=("beneficiaries", "sum"), population=("population", "sum"), counted=("counted", "all"))
        .reset_index()
    )
    sums = sums[sums["counted"]].drop(columns="counted").assign(level="")  # every commune counted, else no commune rate

    dep = counts[counts["level"] == "DEP"].drop(columns="level").rename(columns={"code": "departement_code"})
    frames = [sums]
    if not dep.empty:
        dep_of = communes.set_index("commune")["departement_code"]
        dep_pop = (
            pop.assign(departement_code=pop["commune"].map(dep_of))
            .groupby(["departement_code", "year"], as_index=False)["population"]
            .sum()
        )
        by_dep = (
            departements_of_areas(territories, communes)
            .merge(dep, on="departement_code")
            .merge(dep_pop, on=["departement_code", "year"])
        )
        fallback = by_dep.groupby(["territory_code", "year", "category", "level"], as_index=False)[
            ["beneficiaries", "population"]
        ].sum()
        have = sums.set_index(["territory_code", "year", "category"]).index
        frames.append(fallback[~fallback.set_index(["territory_code", "year", "category"]).index.isin(have)])
    fr_pop = france.groupby("year", as_index=False)["population"].sum()
    fr = counts[counts["level"] == "FRANCE"].merge(fr_pop, on="year")[
        ["year", "category", "beneficiaries", "population"]
    ]
    frames.append(fr.assign(territory_code=FRANCE_CODE, level=""))
    both = pd.concat(frames, ignore_index=True)
    both = both[both["population"] > 0].reset_index(drop=True)
    rate = rates.wilson_proportion(both["beneficiaries"], both["population"], multiplier=100)
    out = pd.concat([both[["territory_code", "category", "level"]], rate], axis=1).assign(
        numerator=both["beneficiaries"], denominator=both["population"], period=both["year"].astype(str)
    )
    return rows(out, "css_rate", "%")
