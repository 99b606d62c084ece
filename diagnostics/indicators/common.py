"""What every indicator family shares: aggregation to areas, the output layout, comparators."""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods import rates
from diagnostics.methods.disclosure import secondary_suppression

from ..config import DISCLOSURE_THRESHOLD, FRANCE_CODE, TOTAL  # noqa: F401 - TOTAL re-exported to the families

ENSEMBLE = "ensemble"
SEX_LABEL = {"M": "hommes", "F": "femmes"}
LEVEL_DEPARTEMENT = "département"  # the value is the département's (« valeur départementale »)

COLUMNS = [
    "territory_code",
    "indicator",
    "sex",
    "category",
    "period",
    "value",
    "ci_low",
    "ci_high",
    "numerator",
    "denominator",
    "unit",
    "method",
    "level",
    "small_count",
]
COMPARATORS = {"departement": "departement_code", "region": "region_code", "france": None}


def to_areas(df: pd.DataFrame, territories: pd.DataFrame, by: list[str], values: list[str]) -> pd.DataFrame:
    """Sum commune-level ``values`` over the communes of every area, by ``by``.

    A sparse membership matrix (areas × communes) times the commune × group matrix of each value:
    a commune counted in its département, région, EPCI and other territories is not copied once
    per area, so France at commune level (≈ 35 000 communes × 400 year-sex-age groups) takes seconds
    and little memory. Only the (area, group) pairs that some commune row feeds are returned, as a
    merge-and-group-by would.
    """
    from scipy import sparse

    members = territories[["territory_code", "commune"]].drop_duplicates()
    communes = pd.Index(members["commune"].unique())
    area_i, areas = pd.factorize(members["territory_code"])
    membership = sparse.csr_matrix(
        (np.ones(len(members)), (area_i, communes.get_indexer(members["commune"]))), shape=(len(areas), len(communes))
    )
    rows = communes.get_indexer(df["commune"])
    keep = rows >= 0
    sub = df.loc[keep, by + values] if by else df.loc[keep, values]
    group_i, groups = _groups(sub, by)
    n_groups = int(group_i.max()) + 1 if len(group_i) else 0
    shape = (len(communes), n_groups)

    def summed(weights):
        return (membership @ sparse.csr_matrix((weights, (rows[keep], group_i)), shape=shape)).tocoo()

    present = summed(np.ones(len(group_i)))
    out = pd.DataFrame({"territory_code": np.asarray(areas)[present.row]})
    for name, labels in groups.items():
        out[name] = labels[present.col]
    for value in values:
        totals = summed(sub[value].to_numpy(dtype=float)).tocsr()
        out[value] = np.asarray(totals[present.row, present.col]).ravel()
    return out.sort_values(["territory_code"] + by, kind="stable", ignore_index=True)


def _groups(df: pd.DataFrame, by: list[str]) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Group number of every row, and each ``by`` column's value per group (columns factorised one
    by one: much faster than a MultiIndex on millions of rows)."""
    if not by:
        return np.zeros(len(df), dtype=np.int64), {}
    codes, uniques = zip(*(pd.factorize(df[c], sort=False) for c in by))
    flat = np.ravel_multi_index(codes, [max(len(u), 1) for u in uniques]) if len(df) else np.zeros(0, dtype=np.int64)
    combos, group_i = np.unique(flat, return_inverse=True)
    parts = np.unravel_index(combos, [max(len(u), 1) for u in uniques])
    return group_i, {c: np.asarray(u)[p] for c, u, p in zip(by, uniques, parts)}


def departements_of_areas(territories: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """territory_code, departement_code, level: the départements whose figures make up each area.

    An area made of whole départements (a département, the région, a union of départements) sums
    them; any other area takes the département holding most of its population (level « département »).
    """
    dep_of = communes.set_index("commune")["departement_code"]
    members = territories[["territory_code", "commune"]].assign(dep=territories["commune"].map(dep_of))
    sizes = communes.groupby("departement_code").size()
    per = members.groupby(["territory_code", "dep"]).size().rename("n").reset_index()
    whole = (per["n"] == per["dep"].map(sizes)).groupby(per["territory_code"]).all()
    whole_rows = per[per["territory_code"].map(whole)].assign(level="")
    majority = territories.drop_duplicates("territory_code").set_index("territory_code")["departement_code"]
    part = majority[~majority.index.map(whole).astype(bool)].dropna()
    part_rows = pd.DataFrame(
        {"territory_code": part.index, "dep": part.str.removeprefix("DEP-").to_numpy(), "level": LEVEL_DEPARTEMENT}
    )
    return pd.concat([whole_rows[["territory_code", "dep", "level"]], part_rows], ignore_index=True).rename(
        columns={"dep": "departement_code"}
    )


def rows(df: pd.DataFrame, indicator: str, unit: str, **constants) -> pd.DataFrame:
    """Give a family's result the common layout (missing columns filled with defaults)."""
    out = df.copy()
    out["indicator"] = indicator
    out["unit"] = unit
    for column, value in constants.items():
        out[column] = value
    defaults = {
        "sex": ENSEMBLE,
        "category": TOTAL,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "method": "",
        "numerator": np.nan,
        "denominator": np.nan,
        "level": "",
    }
    for column, value in defaults.items():
        if column not in out:
            out[column] = value
    out["small_count"] = False
    return out[[c for c in COLUMNS if c != "small_count"] + ["small_count"]]


def add_comparators(
    indicators: pd.DataFrame,
    areas: pd.DataFrame,
    tested: dict[str, bool],
    threshold: int = DISCLOSURE_THRESHOLD,
    count_based: set[str] | None = None,
) -> pd.DataFrame:
    """Add each area's comparator codes and values, and the significance of the difference.

    ``tested[indicator]`` says whether a confidence-interval test applies (counts of events) or
    not (exhaustive figures such as installed places or spending: « non testé »).
    """
    out = indicators.merge(
        areas[["territory_code", "departement_code", "region_code"]], on="territory_code", how="left"
    )
    out["france_code"] = np.where(out["territory_code"] == FRANCE_CODE, None, FRANCE_CODE)
    key = ["indicator", "sex", "category", "period"]
    values = indicators[["territory_code"] + key + ["value"]]
    for name, column in COMPARATORS.items():
        column = column or "france_code"
        ref = values.rename(columns={"territory_code": column, "value": f"value_{name}"})
        out = out.merge(ref, on=[column] + key, how="left")
        is_tested = out["indicator"].map(tested).fillna(False).astype(bool).to_numpy()
        sig = rates.significance(out["ci_low"], out["ci_high"], out[f"value_{name}"], tested=is_tested)
        sig = np.where(out[column].isna(), "", sig)
        out[f"sig_{name}"] = sig
    out = out.drop(columns="france_code")
    count_based = count_based or set()
    numerator = out["numerator"].fillna(0)
    small = out["indicator"].isin(count_based) & (numerator > 0) & (numerator < threshold)
    out["small_count"] = secondary_suppression(small, out, threshold)
    return out
