"""Consommation de soins: reimbursed spending per inhabitant (dépense remboursée par habitant),
raw, and adjusted for age by indirect standardisation on France's spending per head by age band:
index = observed / expected × 100, age-adjusted spending = index × France's spending per head / 100.

Two sources: commune-level amounts (SNDS extraction, any territory), or the Cnam monthly R files by
département of affiliation with the RNIAM protected population as denominator. With the latter a
territory that is not a union of whole départements gets its département's value, flagged
``level = "département"`` (« valeur départementale » in the report and CSV).
"""

from __future__ import annotations

import pandas as pd

from ..config import FRANCE_CODE
from ..sources.care_spending import spending_band_of
from .common import TOTAL, departements_of_areas, rows, to_areas

ITEM_LABELS = {
    "soins_de_ville": "Soins de ville",
    "medicaments": "Médicaments",
    "hopital": "Hôpital",
    "autres": "Autres (dispositifs, transports…)",
    TOTAL: "Total",
}


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

    return _spending_rows(both, period)


def _spending_rows(both: pd.DataFrame, period: str, method: str = "", not_computable: str = "") -> pd.DataFrame:
    """The three indicators from ``both`` (territory_code, category, amount, expected, population;
    France included): per head, index = observed / expected × 100, and the index × France's per head."""
    france = both[both["territory_code"] == FRANCE_CODE]
    fr_per_head = france.set_index("category")["amount"] / france["population"].iloc[0]
    per_capita = both.assign(
        value=both["amount"] / both["population"], numerator=both["amount"], denominator=both["population"]
    )
    index = both.assign(
        value=both["amount"] / both["expected"] * 100, numerator=both["amount"], denominator=both["expected"]
    )
    adjusted = index.assign(value=index["value"] * index["category"].map(fr_per_head) / 100)
    return pd.concat(
        [
            rows(per_capita, "care_spending_per_capita", "€ par habitant", period=period, method=method),
            rows(index, "care_spending_index", "indice (France = 100)", period=period, method=method + not_computable),
            rows(
                adjusted, "care_spending_age_adjusted", "€ par habitant", period=period, method=method + not_computable
            ),
        ],
        ignore_index=True,
    )


def _nearest_year(available, year: int) -> int:
    before = [y for y in available if y <= year]
    return max(before) if before else min(available)


def departemental_care_spending_indicators(
    dep_spending, insured, france_spending, territories, communes
) -> pd.DataFrame:
    """The same three indicators from département figures (Cnam R files ÷ RNIAM protected population).

    France is the sum of every département of the R files (published for all of France). The age
    adjustment uses the shape of France's spending per head by age band (``france_spending``, e.g.
    Open DAMIR), rescaled so that France's expected amount equals its observed amount in the R files;
    without it the index and the age-adjusted spending are not computable.
    """
    year = int(dep_spending["year"].max())
    pop_year = _nearest_year(sorted(insured["year"].unique()), year)
    spend = dep_spending[dep_spending["year"] == year]
    spend = _with_total(spend, ["year", "departement_code"], ["amount"])
    pop = insured[insured["year"] == pop_year].assign(spending_band=lambda d: d["age_band"].map(spending_band_of))
    pop = pop.groupby(["departement_code", "spending_band"], as_index=False)["insured"].sum()
    covered = set(spend["departement_code"]) & set(pop["departement_code"])
    spend, pop = spend[spend["departement_code"].isin(covered)], pop[pop["departement_code"].isin(covered)]

    areas = departements_of_areas(territories, communes)
    areas = pd.concat(
        [areas, pd.DataFrame({"territory_code": FRANCE_CODE, "departement_code": sorted(covered), "level": ""})]
    )
    amount = (
        areas.merge(spend, on="departement_code")
        .groupby(["territory_code", "level", "item"], as_index=False)["amount"]
        .sum()
    )
    people = (
        areas.merge(pop, on="departement_code")
        .groupby(["territory_code", "spending_band"], as_index=False)["insured"]
        .sum()
    )
    both = amount.merge(people.groupby("territory_code", as_index=False)["insured"].sum(), on="territory_code")
    both = both.rename(columns={"item": "category", "insured": "population"})
    method = f"Fichiers R de la Cnam {year} (régime général, hors hôpital) ; population protégée RNIAM {pop_year}"

    expected = _expected_from_profile(people, france_spending, both, year)
    both = both.merge(expected, on=["territory_code", "category"], how="left")
    no_profile = (
        "" if both["expected"].notna().any() else " ; non calculable : profil national des dépenses par âge absent"
    )
    return _spending_rows(both, str(year), method, no_profile)


def _expected_from_profile(people, france_spending, both, year) -> pd.DataFrame:
    """Expected amounts: insured by band × France's spending per head by band, rescaled on France's total."""
    if france_spending is None or france_spending.empty:
        return pd.DataFrame(columns=["territory_code", "category", "expected"])
    fr = france_spending[france_spending["year"] == _nearest_year(sorted(france_spending["year"].unique()), year)]
    fr = fr[fr["item"].isin(both["category"])]  # the profile of the items the R files cover (no hospital)
    profile = fr.assign(per_head=fr["amount"] / fr["population"])[["spending_band", "item", "per_head"]]
    profile = _with_total(profile, ["spending_band"], ["per_head"]).rename(columns={"item": "category"})
    raw = people.merge(profile, on="spending_band").assign(expected=lambda d: d["insured"] * d["per_head"])
    raw = raw.groupby(["territory_code", "category"], as_index=False)["expected"].sum()
    observed_fr = both[both["territory_code"] == FRANCE_CODE].set_index("category")["amount"]
    scale = observed_fr / raw[raw["territory_code"] == FRANCE_CODE].set_index("category")["expected"]
    return raw.assign(expected=raw["expected"] * raw["category"].map(scale))
