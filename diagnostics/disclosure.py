"""Secret statistique: no published count from 1 to threshold − 1, and no figure that gives it back.

A count below the threshold is shown as « < 11 ». A rate, ratio or proportion computed on such a
count is not shown either (its value and interval, multiplied back by a published denominator,
would reveal the count): it is reported as « non calculable (effectif trop faible) ».
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from .config import DISCLOSURE_THRESHOLD
from .formatting import NBSP, fr_number

SMALL_COUNT_LABEL = "non calculable (effectif trop faible)"


def is_small(count, threshold: int = DISCLOSURE_THRESHOLD):
    c = np.asarray(count, dtype=float)
    return (c > 0) & (c < threshold)


def masked_count(count, threshold: int = DISCLOSURE_THRESHOLD, decimals: int = 0) -> str:
    """``7`` → ``< 11``; other counts in French format."""
    if bool(is_small(count, threshold)):
        return f"<{NBSP}{threshold}"
    return fr_number(count, decimals)


def complementary_sex_suppression(small: pd.Series, indicators: pd.DataFrame) -> pd.Series:
    """Secondary suppression: when one sex is masked, the other is masked too (hommes + femmes =
    ensemble would give the masked count back by subtraction)."""
    key = ["territory_code", "indicator", "category", "period"]
    by_sex = indicators["sex"].isin(["hommes", "femmes"])
    masked_groups = indicators.loc[small & by_sex, key].drop_duplicates()
    if masked_groups.empty:
        return small
    hit = pd.MultiIndex.from_frame(indicators[key]).isin(pd.MultiIndex.from_frame(masked_groups))
    return small | (by_sex & hit)


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
            pd.MultiIndex.from_frame(masked))
        out.loc[hit, f"value_{name}"] = np.nan
    return out
