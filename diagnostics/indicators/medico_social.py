"""Équipement médico-social: taux d'équipement, installed places (FINESS) per 1 000 inhabitants of
the target population (DREES STATISS definitions):
personnes âgées per 1 000 aged 75+, enfance handicapée per 1 000 aged < 20,
adultes handicapés per 1 000 aged 20–59.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..config import AGE_BANDS, FRANCE_CODE
from .common import TOTAL, rows, to_areas

FAMILIES = {
    "equipment_elderly_rate": ("personnes âgées", AGE_BANDS[15:]),
    "equipment_disabled_children_rate": ("enfance handicapée", AGE_BANDS[:4]),
    "equipment_disabled_adults_rate": ("adultes handicapés", AGE_BANDS[4:12]),
}
CATEGORY_TABLE = Path(__file__).with_name("finess_categories.csv")


def finess_categories() -> dict[str, dict[str, str]]:
    """indicator → {FINESS category code: label}, from the documented table ``finess_categories.csv``."""
    table = pd.read_csv(CATEGORY_TABLE, sep=";", dtype=str, comment="#")
    unknown = set(table["indicateur"]) - set(FAMILIES)
    if unknown:
        raise ValueError(
            f"{CATEGORY_TABLE} : indicateur(s) inconnu(s) {', '.join(sorted(unknown))} ; "
            f"attendus : {', '.join(FAMILIES)}"
        )
    if table["categorie"].duplicated().any():
        twice = table.loc[table["categorie"].duplicated(), "categorie"].iloc[0]
        raise ValueError(f"{CATEGORY_TABLE} : catégorie « {twice} » en double")
    return {ind: dict(zip(part["categorie"], part["libelle"])) for ind, part in table.groupby("indicateur", sort=False)}


# FINESS catégories d'établissement counted in each family.
CATEGORIES = finess_categories()
CATEGORY_FAMILY = {cat: fam for fam, cats in CATEGORIES.items() for cat in cats}
CATEGORY_LABEL = {cat: label for cats in CATEGORIES.values() for cat, label in cats.items()}


def finess_places_by_category(places: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """territory_code, indicator, category, places — installed places per family and category."""
    p = places[places["category"].isin(CATEGORY_FAMILY)].assign(
        indicator=lambda d: d["category"].map(CATEGORY_FAMILY), category=lambda d: d["category"].map(CATEGORY_LABEL)
    )
    return to_areas(p, territories, ["indicator", "category"], ["places"])


def equipment_indicators(places, france_places, population, france, territories) -> pd.DataFrame:
    year = int(population["year"].max())
    period = str(year)
    by_cat = finess_places_by_category(places, territories)
    fr = france_places[
        (france_places["year"] == france_places["year"].max()) & france_places["category"].isin(CATEGORY_FAMILY)
    ]
    fr = fr.assign(
        territory_code=FRANCE_CODE,
        indicator=fr["category"].map(CATEGORY_FAMILY),
        category=fr["category"].map(CATEGORY_LABEL),
    )[["territory_code", "indicator", "category", "places"]]
    by_cat = pd.concat([by_cat, fr], ignore_index=True)
    totals = by_cat.groupby(["territory_code", "indicator"], as_index=False)["places"].sum().assign(category=TOTAL)

    pop = population[population["year"] == year]
    fr_pop = france[france["year"] == year]
    areas = territories["territory_code"].unique()
    frames = []
    for indicator, (_, bands) in FAMILIES.items():
        target = to_areas(pop[pop["age_band"].isin(bands)], territories, [], ["population"]).set_index(
            "territory_code"
        )["population"]
        target[FRANCE_CODE] = fr_pop[fr_pop["age_band"].isin(bands)]["population"].sum()
        target = target.reindex(list(areas) + [FRANCE_CODE])
        family_cats = [TOTAL] + list(dict.fromkeys(CATEGORY_LABEL[c] for c in CATEGORIES[indicator]))
        grid = pd.MultiIndex.from_product([target.index, family_cats], names=["territory_code", "category"]).to_frame(
            index=False
        )
        counts = pd.concat([by_cat, totals])
        counts = counts[counts["indicator"] == indicator][["territory_code", "category", "places"]]
        g = grid.merge(counts, on=["territory_code", "category"], how="left").fillna({"places": 0})
        # only list categories that exist somewhere, to keep tables short
        present = g.groupby("category")["places"].sum()
        g = g[(g["category"] == TOTAL) | (g["category"].map(present) > 0)].copy()
        g["denominator"] = g["territory_code"].map(target).astype(float)
        g["numerator"] = g["places"]
        g["value"] = g["places"] / g["denominator"] * 1000
        frames.append(rows(g, indicator, "places pour 1 000", period=period))
    return pd.concat(frames, ignore_index=True)
