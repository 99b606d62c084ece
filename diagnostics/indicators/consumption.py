"""Consommation de soins: reimbursed spending per inhabitant (dépense remboursée par habitant),
raw, and adjusted for age by indirect standardisation on France's spending per head by age band:
index = observed / expected × 100, age-adjusted spending = index × France's spending per head / 100.
"""
from __future__ import annotations

import pandas as pd

from ..config import FRANCE_CODE
from ..sources.care_spending import spending_band_of
from .common import TOTAL, rows, to_areas


ITEM_LABELS = {"soins_de_ville": "Soins de ville", "medicaments": "Médicaments", "hopital": "Hôpital",
               "autres": "Autres (dispositifs, transports…)", TOTAL: "Total"}


def _with_total(df: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    total = df.groupby(by, as_index=False)[values].sum().assign(item=TOTAL)
    return pd.concat([df, total], ignore_index=True)


def care_spending_indicators(spending, france_spending, population, territories) -> pd.DataFrame:
    year = int(spending["year"].max())
    period = str(year)
    pop = population[population["year"] == year].assign(spending_band=lambda d: d["age_band"].map(spending_band_of))
    pop = pop.groupby(["commune", "spending_band"], as_index=False)["population"].sum()
    local_pop = to_areas(pop, territories, ["spending_band"], ["population"])
    local_amount = to_areas(spending[spending["year"] == year], territories, ["spending_band", "item"], ["amount"])

    fr = france_spending[france_spending["year"] == year]
    fr_pop = fr.drop_duplicates("spending_band")[["spending_band", "population"]]
    fr_head = fr.assign(per_head=fr["amount"] / fr["population"])[["spending_band", "item", "per_head"]]
    fr_head = _with_total(fr_head, ["spending_band"], ["per_head"])

    expected = local_pop.merge(fr_head, on="spending_band")
    expected["expected"] = expected["population"] * expected["per_head"]
    expected = expected.groupby(["territory_code", "item"], as_index=False)["expected"].sum()

    amounts = _with_total(local_amount, ["territory_code", "spending_band"], ["amount"])
    observed = amounts.groupby(["territory_code", "item"], as_index=False)["amount"].sum()
    inhabitants = local_pop.groupby("territory_code")["population"].sum()
    local = observed.merge(expected, on=["territory_code", "item"])
    local["population"] = local["territory_code"].map(inhabitants)

    fr_obs = _with_total(fr[["spending_band", "item", "amount"]], ["spending_band"], ["amount"])
    fr_obs = fr_obs.groupby("item", as_index=False)["amount"].sum()
    fr_obs["expected"] = fr_obs["amount"]
    fr_obs["population"] = fr_pop["population"].sum()
    both = pd.concat([local, fr_obs.assign(territory_code=FRANCE_CODE)], ignore_index=True)
    both = both.rename(columns={"item": "category"})

    fr_per_head = both[both["territory_code"] == FRANCE_CODE].set_index("category")["amount"] / fr_pop["population"].sum()
    per_capita = both.assign(value=both["amount"] / both["population"], numerator=both["amount"], denominator=both["population"])
    index = both.assign(value=both["amount"] / both["expected"] * 100, numerator=both["amount"], denominator=both["expected"])
    adjusted = index.assign(value=index["value"] * index["category"].map(fr_per_head) / 100)
    return pd.concat(
        [
            rows(per_capita, "care_spending_per_capita", "€ par habitant", period=period),
            rows(index, "care_spending_index", "indice (France = 100)", period=period),
            rows(adjusted, "care_spending_age_adjusted", "€ par habitant", period=period),
        ],
        ignore_index=True,
    )
