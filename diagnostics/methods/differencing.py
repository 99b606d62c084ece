"""Disclosure by difference: an ad hoc perimeter nested in (or containing) a published territory.

If a perimeter P and a published territory T are nested (P ⊂ T or T ⊂ P) and differ by a few communes, the
count of the difference is |count(T) − count(P)|: publishing both counts publishes the difference. When that
difference is from 1 to threshold − 1 it is a masked count given back by subtraction, so the perimeter's count
is masked (``small_count``), as the secondary suppression does for sexes and categories.
"""

from __future__ import annotations

import pandas as pd

KEY = ["indicator", "sex", "category", "period"]


def nested_territories(members: set[str], published: dict[str, set[str]]) -> dict[str, set[str]]:
    """The published territories nested with the perimeter and different from it: code → the communes of
    the difference (never empty)."""
    out = {}
    for code, communes in published.items():
        if communes != members and (communes <= members or members <= communes):
            out[code] = members ^ communes
    return out


def differencing_suppression(
    rows: pd.DataFrame, published_rows: pd.DataFrame, threshold: int, count_based: set[str] | None = None
) -> pd.Series:
    """Which of the perimeter's ``rows`` to mask: those whose numerator differs from the numerator of the
    same indicator, sex, category and period of a nested published territory (``published_rows``, its rows
    for one or several territories) by more than 0 and less than the threshold. Only the indicators of
    ``count_based`` are concerned (all when None). A boolean Series aligned on ``rows``; a row already
    ``small_count`` stays so."""
    small = rows["small_count"].astype(bool).copy()
    if published_rows.empty or threshold <= 1:
        return small
    if count_based is not None:
        published_rows = published_rows[published_rows["indicator"].isin(count_based)]
    other = published_rows[KEY + ["numerator"]].rename(columns={"numerator": "other"})
    joined = rows[KEY + ["numerator"]].reset_index().merge(other, on=KEY, how="inner")
    gap = (joined["numerator"] - joined["other"]).abs().round(6)
    risky = joined.loc[(gap > 0) & (gap < threshold), "index"].unique()
    small.loc[risky] = True
    return small
