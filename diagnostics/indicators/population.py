"""Population context: population on 1 January and share aged 75 or more (part des 75 ans et plus)."""

from __future__ import annotations

import pandas as pd

from diagnostics.methods import rates

from .common import rows, to_areas

OLD_BANDS = ["75-79", "80-84", "85-89", "90-94", "95+"]


def population_indicators(population: pd.DataFrame, france: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    year = int(population["year"].max())
    local = to_areas(population[population["year"] == year], territories, ["age_band"], ["population"])
    fr = france[france["year"] == year].groupby("age_band", as_index=False)["population"].sum()
    both = pd.concat([local, fr.assign(territory_code="FRANCE")], ignore_index=True)
    both["old"] = both["age_band"].isin(OLD_BANDS) * both["population"]
    g = both.groupby("territory_code", as_index=False)[["population", "old"]].sum()
    total = rows(
        g.assign(value=g["population"], denominator=g["population"]), "population", "habitants", period=str(year)
    )
    share = rates.wilson_proportion(g["old"], g["population"], multiplier=100)
    share75 = rows(
        pd.concat([g[["territory_code"]], share], axis=1).assign(numerator=g["old"], denominator=g["population"]),
        "share_75_plus",
        "%",
        period=str(year),
    )
    return pd.concat([total, share75], ignore_index=True)
