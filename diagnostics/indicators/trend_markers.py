"""Recent trend (tendance récente) of every indicator series with at least five comparable periods,
and the flag « pire que la France et en aggravation », as columns of ``indicators.parquet``:

* ``trend``: on the latest row of each series (territory × indicator × sex × category) with five
  periods or more, the Fingertips marker of :func:`diagnostics.methods.trends.recent_trend` over the
  last five (« en augmentation », « en diminution », « pas d'évolution significative », « non
  calculable »); "" on the other rows. Proportions (unit « % » with numerator and denominator) take
  the chi-squared test for trend, every other indicator the weighted regression on its 95 % limits.
  A point under the secret statistique (``small_count``) or without interval makes the trend
  « non calculable »: it is not derived from a masked figure.
* ``trend_p_value``: P(χ²₁ > χ²) of that test (NaN without trend).
* ``trend_worsening``: the latest value is significantly worse than France's (polarity of
  metadata.yaml) and the significant trend goes the worse way.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods.trends import POINTS, TREND_DOWN, TREND_UP, recent_trend

SERIES = ["territory_code", "indicator", "sex", "category"]
TREND_COLUMNS = ["trend", "trend_p_value", "trend_worsening"]
WORSENING_LABEL = "pire que la France et en aggravation"


def _trends(d: pd.DataFrame, proportion: bool) -> pd.DataFrame:
    if proportion:
        return recent_trend(d, SERIES, "period", "value", numerator_col="numerator", denominator_col="denominator")
    return recent_trend(d, SERIES, "period", "value", ci_low_col="ci_low", ci_high_col="ci_high")


def add_trends(indicators: pd.DataFrame, meta: dict) -> pd.DataFrame:
    """``indicators`` with the columns ``trend``, ``trend_p_value`` and ``trend_worsening``."""
    out = indicators.assign(trend="", trend_p_value=np.nan, trend_worsening=False)
    periods = out.groupby(SERIES, sort=False)["period"].transform("nunique")
    series = out[periods >= POINTS]
    if series.empty:
        return out
    shown = series.assign(**{c: series[c].where(~series["small_count"]) for c in ("value", "numerator", "ci_low")})
    proportion = shown["indicator"].map(lambda i: meta[i]["unit"] == "%").astype(bool) & shown["numerator"].notna()
    marks = pd.concat([_trends(shown[proportion], True), _trends(shown[~proportion], False)], ignore_index=True)
    latest = series.sort_values("period").groupby(SERIES, sort=False).tail(1)
    marks = latest[SERIES + ["period"]].reset_index().merge(marks, on=SERIES).set_index("index")
    out.loc[marks.index, "trend"] = marks["trend"]
    out.loc[marks.index, "trend_p_value"] = marks["p_value"]
    higher_is = out["indicator"].map(lambda i: meta[i]["higher_is"])
    worse_now = ((higher_is == "worse") & (out["sig_france"] == "supérieur")) | (
        (higher_is == "better") & (out["sig_france"] == "inférieur")
    )
    worse_way = ((higher_is == "worse") & (out["trend"] == TREND_UP)) | (
        (higher_is == "better") & (out["trend"] == TREND_DOWN)
    )
    out["trend_worsening"] = (worse_now & worse_way & ~out["small_count"]).to_numpy(bool)
    return out
