"""Recent trend marker (tendance récente) of a yearly series, as England's Fingertips shows it.

Method (Fingertips technical guidance, "Fingertips trend markers",
https://fingertips.phe.org.uk/static-reports/public-health-technical-guidance/Presentation/Trend_markers.html,
and its implementation ``TrendMarkerCalculator`` in ukhsa-collaboration/fingertips-open, MIT
licence, carried into dhsc-govuk/FingertipsNext ``trend-analysis``):

* the five most recent points of the series, indexed t = 1…5 (equal spacing assumed, as Fingertips;
  the series must have no break: a missing value among them makes the trend « non calculable »);
* proportions, with numerator x and denominator n: chi-squared test for trend (Armitage 1955,
  R's ``prop.trend.test``), χ² = N(NΣxt − XΣnt)² / (X(N − X)(NΣnt² − (Σnt)²)), N = Σn, X = Σx;
  the direction is that of the ordinary least-squares slope of logit(x/n) on t;
* every other type (crude and standardised rates, ratios, life expectancy …), with a value and
  its 95 % limits: weighted least-squares slope of the value on t, weights 1/SE², SE = (U − L)/3.92;
  χ² = (slope / SE(slope))², SE(slope)² = Σw / (ΣwΣwt² − (Σwt)²);
* significant when χ² exceeds the 1-df chi-square quantile at 99.8 % (Fingertips' constant
  9.54953570608324 = 3.0902²) and the slope keeps its sign when any one of the five points is left
  out (Fingertips' outlier check). The p-value reported is P(χ²₁ > χ²).

Fingertips applies the proportion test only to indicators compared by "SPC for proportions" and the
weighted regression to all others; here the test follows the columns given (see ``recent_trend``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from diagnostics.methods.chi_square import chi2_quantile, chi2_upper_tail

POINTS = 5
CONFIDENCE = 0.998
CI95_WIDTH_IN_SE = 3.92  # Fingertips' constant for (U − L) / SE of a 95 % interval

TREND_UP = "en augmentation"
TREND_DOWN = "en diminution"
TREND_FLAT = "pas d'évolution significative"
TREND_NA = "non calculable"

REASON_TOO_FEW = "moins de {points} périodes"
REASON_MISSING = "valeur ou intervalle manquant parmi les {points} dernières périodes"
REASON_DEGENERATE = "proportion de 0 ou 100 % ou intervalle de largeur nulle"


def _last_points(df, group_cols, period_col, cols, points):
    """(G, points) arrays of the last ``points`` periods of each series (NaN-padded at the start)."""
    d = df[df[period_col].notna()].sort_values([*group_cols, period_col], kind="stable")
    if group_cols:
        g = d.groupby(list(group_cols), sort=True, dropna=False, observed=True)
        codes, keys = g.ngroup().to_numpy(), g.size().index.to_frame(index=False)
        from_end = g.cumcount(ascending=False).to_numpy()
    else:
        codes, keys = np.zeros(len(d), dtype=int), pd.DataFrame(index=[0])
        from_end = np.arange(len(d))[::-1]
    n_periods = np.bincount(codes, minlength=len(keys))
    take = from_end < points
    arrays = {}
    for c in cols:
        a = np.full((len(keys), points), np.nan)
        a[codes[take], points - 1 - from_end[take]] = d[c].to_numpy(dtype=float)[take]
        arrays[c] = a
    return keys, n_periods, arrays


def _weighted_slopes(y, w, t):
    """Weighted LS slope and its SE for all points and for each leave-one-out subset: (G, 1 + points)."""
    k = y.shape[1]
    keep = np.vstack([np.ones(k), 1 - np.eye(k)])  # row 0: all points; row j: point j left out
    ww = w[:, None, :] * keep[None, :, :]
    s1, st, stt = ww.sum(2), (ww * t).sum(2), (ww * t**2).sum(2)
    sy, sty = (ww * y[:, None, :]).sum(2), (ww * t * y[:, None, :]).sum(2)
    det = s1 * stt - st**2
    return (s1 * sty - st * sy) / det, np.sqrt(s1 / det)


def _proportion_chi2(x, n, t):
    N, X = n.sum(1), x.sum(1)
    xt, nt, ntt = (x * t).sum(1), (n * t).sum(1), (n * t**2).sum(1)
    return N * (N * xt - X * nt) ** 2 / (X * (N - X) * (N * ntt - nt**2))


def recent_trend(
    df: pd.DataFrame,
    group_cols: Sequence[str],
    period_col: str,
    value_col: str,
    ci_low_col: str | None = None,
    ci_high_col: str | None = None,
    numerator_col: str | None = None,
    denominator_col: str | None = None,
    points: int = POINTS,
    confidence: float = CONFIDENCE,
) -> pd.DataFrame:
    """Recent trend of each series (one per group): direction and significance over the last ``points``.

    With ``numerator_col`` and ``denominator_col`` the value is taken as the proportion x/n and
    tested with the chi-squared test for trend (pass them only for proportions, not for rates);
    otherwise ``ci_low_col``/``ci_high_col`` (95 % limits) give the weights of the regression.
    Returns the group columns, ``trend`` (« en augmentation », « en diminution », « pas
    d'évolution significative », « non calculable »), ``slope`` (per period; on the logit scale
    for proportions), ``chi2``, ``p_value``, ``points`` (periods used) and ``reason``.
    """
    proportion = numerator_col is not None and denominator_col is not None
    cols = [value_col, numerator_col, denominator_col] if proportion else [value_col, ci_low_col, ci_high_col]
    if None in cols:
        raise ValueError("recent_trend needs either numerator_col and denominator_col, or ci_low_col and ci_high_col")
    keys, n_periods, a = _last_points(df, list(group_cols), period_col, cols, points)
    t = np.arange(1, points + 1, dtype=float)
    complete = ~np.isnan(np.stack([a[c] for c in cols])).any(axis=(0, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        if proportion:
            x, n = a[numerator_col], a[denominator_col]
            degenerate = ((x <= 0) | (x >= n)).any(axis=1)
            slopes, _ = _weighted_slopes(np.log(x / (n - x)), np.ones_like(x), t)
            chi2 = _proportion_chi2(x, n, t)
        else:
            se = (a[ci_high_col] - a[ci_low_col]) / CI95_WIDTH_IN_SE
            degenerate = (se <= 0).any(axis=1)
            slopes, slope_se = _weighted_slopes(a[value_col], 1 / se**2, t)
            chi2 = (slopes[:, 0] / slope_se[:, 0]) ** 2
    reason = np.select(
        [n_periods < points, ~complete, degenerate],
        [REASON_TOO_FEW.format(points=points), REASON_MISSING.format(points=points), REASON_DEGENERATE],
        "",
    )
    ok = reason == ""
    slope = np.where(ok, slopes[:, 0], np.nan)
    chi2 = np.where(ok, chi2, np.nan)
    same_sign = np.abs(np.where(slopes < 0, -1, 1).sum(axis=1)) == points + 1
    significant = ok & same_sign & (chi2 > chi2_quantile(confidence, 1))
    out = keys.copy()
    direction = np.where(slope > 0, TREND_UP, TREND_DOWN)
    out["trend"] = np.where(~ok, TREND_NA, np.where(significant, direction, TREND_FLAT))
    out["slope"] = slope
    out["chi2"] = chi2
    out["p_value"] = chi2_upper_tail(chi2, 1)
    out["points"] = np.where(ok, points, np.minimum(n_periods, points))
    out["reason"] = reason
    return out
