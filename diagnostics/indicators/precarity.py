"""Précarité: taux de bénéficiaires de la Complémentaire santé solidaire (CSS, ex CMU-C),
beneficiaries / population (all ages) × 100, Wilson interval, every year available.
"""
from __future__ import annotations

import pandas as pd

from .. import stats
from ..config import FRANCE_CODE
from .common import rows, to_areas


def css_rate(css: pd.DataFrame, population: pd.DataFrame, france: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    communes = css[css["level"] == "COM"].rename(columns={"code": "commune"})
    pop = population.groupby(["commune", "year"], as_index=False)["population"].sum()
    local = communes.merge(pop, on=["commune", "year"], how="inner")
    areas = to_areas(local, territories, ["year"], ["beneficiaries", "population"])
    fr_pop = france.groupby("year", as_index=False)["population"].sum()
    fr = css[css["level"] == "FRANCE"].merge(fr_pop, on="year")[["year", "beneficiaries", "population"]]
    both = pd.concat([areas, fr.assign(territory_code=FRANCE_CODE)], ignore_index=True)
    rate = stats.wilson_proportion(both["beneficiaries"], both["population"], multiplier=100)
    out = pd.concat([both[["territory_code"]], rate], axis=1).assign(
        numerator=both["beneficiaries"], denominator=both["population"], period=both["year"].astype(str))
    return rows(out, "css_rate", "%")
