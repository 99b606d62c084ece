"""Secret statistique: no published count from 1 to threshold − 1, and no figure that gives it back.

A count below the threshold (11 by default, the SNDS rule; set per build) is shown as « < 11 ». A rate,
ratio or proportion computed on such a count is not shown either (its value and interval, multiplied
back by a published denominator, would reveal the count): it is reported as « non calculable (effectif
trop faible) ».
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.config import DISCLOSURE_THRESHOLD, TOTAL
from diagnostics.formatting import NBSP, fr_number

SMALL_COUNT_LABEL = "non calculable (effectif trop faible)"


def masked_label(threshold: int) -> str:
    """What a masked count reads: ``< 11`` (the threshold of the build, never a constant)."""
    return f"<{NBSP}{threshold}"


def shown_count(count, small: bool, threshold: int, decimals: int = 0) -> str:
    """A published count in French format, or ``< threshold`` when the disclosure step flagged it
    (``small``): rendering trusts the flag and never tests the count against a number itself."""
    return masked_label(threshold) if small else fr_number(count, decimals)


def rule_text(threshold: int) -> str:
    """The rule in words, for headers, methods and messages: « aucun effectif de 1 à 10 n'est publié »."""
    if threshold <= 1:
        return "aucun effectif n'est masqué (seuil du secret statistique désactivé)"
    masked = "1" if threshold == 2 else f"1 à {fr_number(threshold - 1)}"
    return f"aucun effectif de {masked} n'est publié"


THRESHOLD_COLUMN = "disclosure_threshold"  # of the ``sources`` table: the threshold a build used


def build_threshold(tables: dict) -> int:
    """The threshold the processed tables were built with (stored by the build, so that every output
    of that build — reports, CSV, index, overview, the notebook in JupyterLab — uses it, and only it)."""
    sources = tables["sources"]
    if THRESHOLD_COLUMN not in sources:
        raise KeyError(
            "les tables produites ne disent pas leur seuil du secret statistique (version antérieure) : "
            "relancez « python run_all.py »"
        )
    return int(sources[THRESHOLD_COLUMN].iloc[0])


def complementary_sex_suppression(small: pd.Series, indicators: pd.DataFrame) -> pd.Series:
    """Secondary suppression: when one sex is masked, the other is masked too (hommes + femmes =
    ensemble would give the masked count back by subtraction)."""
    return _mask_groups(
        small,
        indicators,
        indicators["sex"].isin(["hommes", "femmes"]),
        ["territory_code", "indicator", "category", "period"],
    )


def complementary_category_suppression(small: pd.Series, indicators: pd.DataFrame) -> pd.Series:
    """When one part of a total is masked (a category other than « total »: CSS with or without
    contribution…), the other parts are masked too: total − published parts would give it back."""
    return _mask_groups(
        small, indicators, indicators["category"] != TOTAL, ["territory_code", "indicator", "sex", "period"]
    )


def _mask_groups(small: pd.Series, indicators: pd.DataFrame, members: pd.Series, key: list[str]) -> pd.Series:
    masked_groups = indicators.loc[small & members, key].drop_duplicates()
    if masked_groups.empty:
        return small
    hit = pd.MultiIndex.from_frame(indicators[key]).isin(pd.MultiIndex.from_frame(masked_groups))
    return small | (members & hit)


def nested_count_suppression(
    small: pd.Series, indicators: pd.DataFrame, part: str, whole: str, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.Series:
    """``part`` counts a subset of ``whole`` (deaths before 65 among all deaths): when their difference
    (deaths at 65 and over) is a small count, publishing both would give it; the part is masked."""
    key = ["territory_code", "sex", "category", "period"]
    numerators = indicators.loc[~small, key + ["indicator", "numerator"]]
    wholes = numerators[numerators["indicator"] == whole].drop(columns="indicator")
    parts = numerators[numerators["indicator"] == part].drop(columns="indicator")
    both = parts.merge(wholes, on=key, suffixes=("_part", "_whole"))
    gap = both["numerator_whole"] - both["numerator_part"]
    exposed = both.loc[(gap > 0) & (gap < threshold), key].drop_duplicates()
    if exposed.empty:
        return small
    same = pd.MultiIndex.from_frame(indicators[key]).isin(pd.MultiIndex.from_frame(exposed))
    return small | (same & indicators["indicator"].str.startswith(part.rsplit("_", 1)[0] + "_"))


def period_years(label: str) -> list[int]:
    """``2019-2023`` → [2019 … 2023]; ``2023`` → [2023]."""
    first, _, last = str(label).partition("-")
    return list(range(int(first), int(last or first) + 1))


def overlapping_periods_suppression(
    small: pd.Series, indicators: pd.DataFrame, pooled: list[str], threshold: int = DISCLOSURE_THRESHOLD
) -> pd.Series:
    """Counts pooled over overlapping periods (three-year rolling windows, the five-year period)
    give single years back by subtraction: 2018 = (2018–2020) + (2021–2023) − (2019–2023). Where a
    single year that can be solved from the published periods is a small count, every period of
    ``pooled[1:]`` (the windows) of that territory and sex is masked; ``pooled[0]`` (the main period) stays."""
    rows = indicators[indicators["indicator"].isin(pooled) & ~small & indicators["numerator"].notna()]
    table = rows.pivot_table(index=["territory_code", "sex"], columns="period", values="numerator", aggfunc="first")
    exposed = []
    # the same periods are published for almost every area: one small linear system per pattern
    for pattern, group in table.groupby(table.notna().apply(tuple, axis=1)):
        periods = [p for p, present in zip(table.columns, pattern) if present]
        if len(periods) < 2:
            continue
        spans = [period_years(p) for p in periods]
        years = list(range(min(s[0] for s in spans), max(s[-1] for s in spans) + 1))
        a = np.array([[y in s for y in years] for s in spans], dtype=float)
        rank = np.linalg.matrix_rank(a)
        # year i can be solved from the periods when its column is not a combination of the others
        solvable = [i for i in range(len(years)) if np.linalg.matrix_rank(np.delete(a, i, axis=1)) < rank]
        if not solvable:
            continue
        yearly = group[periods].to_numpy(dtype=float) @ np.linalg.pinv(a).T
        small_year = ((yearly[:, solvable] >= 0.5) & (yearly[:, solvable] < threshold - 0.5)).any(axis=1)
        exposed += list(group.index[small_year])
    if not exposed:
        return small
    key = pd.MultiIndex.from_frame(indicators[["territory_code", "sex"]])
    return small | (key.isin(exposed) & indicators["indicator"].isin(pooled[1:]))


def partly_masked_summary_suppression(
    small: pd.Series, indicators: pd.DataFrame, parts: str, summaries: list[str]
) -> pd.Series:
    """``summaries`` (the SII and RII of an area, a regression on its quintiles ``parts``) are masked when
    some of the area's parts are masked and others published: the summary and the published parts would
    give the masked one back. (When every part is masked, the summary alone gives none of them.)"""
    key = ["territory_code", "sex", "period"]
    rows = indicators["indicator"] == parts
    state = small[rows].groupby([indicators.loc[rows, k] for k in key]).agg(["any", "all"])
    partly = state[state["any"] & ~state["all"]].index
    if partly.empty:
        return small
    hit = pd.MultiIndex.from_frame(indicators[key]).isin(partly) & indicators["indicator"].isin(summaries)
    return small | hit


def secondary_suppression(
    small: pd.Series, indicators: pd.DataFrame, threshold: int = DISCLOSURE_THRESHOLD
) -> pd.Series:
    """Every rule above, until none masks anything more (one masking may expose another cell)."""
    while True:
        before = small
        small = nested_count_suppression(small, indicators, "premature_mortality_icm", "mortality_icm", threshold)
        small = overlapping_periods_suppression(small, indicators, ["mortality_icm", "mortality_icm_trend"], threshold)
        small = complementary_category_suppression(small, indicators)
        small = complementary_sex_suppression(small, indicators)
        # social gradient (issue 19): deaths at 65 or more of a quintile, quintiles against their summaries
        small = nested_count_suppression(
            small, indicators, "premature_mortality_icm_by_deprivation", "mortality_icm_by_deprivation", threshold
        )
        for base in ("mortality_icm", "premature_mortality_icm", "life_expectancy_0"):
            small = partly_masked_summary_suppression(
                small, indicators, f"{base}_by_deprivation", [f"{base}_sii", f"{base}_rii"]
            )
        if small.equals(before):
            return small


def publishable_indicators(indicators: pd.DataFrame) -> pd.DataFrame:
    """Indicator rows safe to publish: rows flagged ``small_count`` lose their numerator, value,
    interval and every figure derived from them (denominator kept: populations are public)."""
    out = indicators.copy()
    small = out["small_count"].astype(bool)
    for column in ("numerator", "value", "ci_low", "ci_high"):
        out.loc[small, column] = np.nan
    for sig in [c for c in out.columns if c.startswith("sig_")]:
        out.loc[small, sig] = "non calculable"
    # a masked area must not reappear as another row's comparator value
    key = ["indicator", "sex", "category", "period"]
    masked = out.loc[small, ["territory_code"] + key]
    for name, column in (("departement", "departement_code"), ("region", "region_code"), ("france", None)):
        if f"value_{name}" not in out or masked.empty:
            continue
        codes = out[column] if column else pd.Series("FRANCE", index=out.index)
        hit = pd.MultiIndex.from_frame(pd.concat([codes.rename("territory_code"), out[key]], axis=1)).isin(
            pd.MultiIndex.from_frame(masked)
        )
        out.loc[hit, f"value_{name}"] = np.nan
    return out
