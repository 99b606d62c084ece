"""Rates, standardisation, confidence intervals and significance.

Every function follows the conventions of PHEindicatormethods (the R package behind
England's Fingertips profiles), so that its reference vectors can check ours:

* Poisson count limits: exact (chi-square) below 10 events, Byar's approximation from 10 on;
* crude rates (taux brut): count limits divided by the population;
* directly standardised rates (taux standardisé, méthode directe): Dobson et al. (1991);
* indirectly standardised ratios (ICM, indice comparatif de mortalité = SMR × 100);
* proportions: Wilson score interval.

Functions are vectorised: they take numpy arrays or pandas Series and return arrays.
"""

from __future__ import annotations

from statistics import NormalDist

import numpy as np
import pandas as pd

EXACT_BELOW = 10  # PHE switches from exact to Byar's limits at 10 events.

METHOD_EXACT = "Exact"
METHOD_BYARS = "Byars"
METHOD_DOBSON = "Dobson"
METHOD_WILSON = "Wilson"


def z_value(confidence: float = 0.95) -> float:
    """Two-sided normal quantile for a confidence level given as 0.95 or 95."""
    if confidence >= 90:
        confidence = confidence / 100
    if not 0.9 <= confidence < 1:
        raise ValueError(f"confidence level must be in [0.90, 1): got {confidence}")
    return NormalDist().inv_cdf(confidence + (1 - confidence) / 2)


def _alpha(confidence: float) -> float:
    return 1 - (confidence / 100 if confidence >= 90 else confidence)


def byars_limits(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Byar's approximation of the Poisson limits of a count (Breslow & Day 1987).

    The lower limit is NaN where the approximation goes negative, as in PHEindicatormethods.
    """
    o = np.asarray(count, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = o * (1 - 1 / (9 * o) - z / (3 * np.sqrt(o))) ** 3
        upper = (o + 1) * (1 - 1 / (9 * (o + 1)) + z / (3 * np.sqrt(o + 1))) ** 3
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def exact_poisson_limits(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Exact (chi-square) Poisson limits of a count; the lower limit of 0 events is 0."""
    o = np.asarray(count, dtype=float)
    a = _alpha(confidence)
    with np.errstate(invalid="ignore"):
        # chi-square quantiles from the upper tail, as scipy.stats.chi2.isf computes them;
        # scipy imported here: a report, which only reads computed rows, never loads it (≈ 1 s)
        from scipy import special as _special

        lower = np.where(o > 0, _special.chdtri(2 * o, 1 - a / 2) / 2, 0.0)
        upper = _special.chdtri(2 * o + 2, a / 2) / 2
    return np.where(np.isnan(o), np.nan, lower), upper


def poisson_limits(count, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Count limits with PHE's rule: exact below 10 events, Byar's from 10 on.

    Returns (lower, upper, method) where method holds "Exact" or "Byars" per element.
    """
    o = np.asarray(count, dtype=float)
    small = o < EXACT_BELOW
    # the chi-square quantiles only where they are used: they cost 100× Byar's closed form
    el, eu = exact_poisson_limits(np.where(small, o, np.nan), confidence)
    bl, bu = byars_limits(np.where(o >= EXACT_BELOW, o, np.nan), confidence)
    method = np.where(small, METHOD_EXACT, METHOD_BYARS)
    return np.where(small, el, bl), np.where(small, eu, bu), method


def crude_rate(count, population, multiplier: float = 100_000, confidence: float = 0.95):
    """Crude rate (taux brut) with exact/Byar's Poisson limits.

    Returns a DataFrame with value, ci_low, ci_high and method.
    """
    x = np.asarray(count, dtype=float)
    n = np.asarray(population, dtype=float)
    lo, hi, method = poisson_limits(x, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        return pd.DataFrame(
            {
                "value": x / n * multiplier,
                "ci_low": lo / n * multiplier,
                "ci_high": hi / n * multiplier,
                "method": method,
            }
        )


def wilson_proportion(count, total, multiplier: float = 100, confidence: float = 0.95):
    """Proportion with the Wilson score interval (e.g. taux de bénéficiaires de la CSS)."""
    x = np.asarray(count, dtype=float)
    n = np.asarray(total, dtype=float)
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        root = z * np.sqrt(z**2 + 4 * x * (1 - x / n))
        denom = 2 * (n + z**2)
        return pd.DataFrame(
            {
                "value": x / n * multiplier,
                "ci_low": (2 * x + z**2 - root) / denom * multiplier,
                "ci_high": (2 * x + z**2 + root) / denom * multiplier,
                "method": METHOD_WILSON,
            }
        )


def directly_standardised_rate(
    data: pd.DataFrame,
    by: list[str],
    count: str = "deaths",
    population: str = "population",
    weight: str = "standard_population",
    multiplier: float = 100_000,
    confidence: float = 0.95,
    min_count: int = EXACT_BELOW,
) -> pd.DataFrame:
    """Directly age-standardised rate (taux standardisé) with Dobson's interval.

    ``data`` has one row per group × age band. The limits of the weighted sum are scaled from
    Byar's limits of the total count (Dobson et al. 1991), as PHEindicatormethods does. Groups
    with fewer than ``min_count`` events get NaN value and limits (PHE: "dsr NA for total
    count < 10"). Age-band counts that are NaN count as 0. A group with events in an age band
    without population (deaths counted where they happened, a population estimated from an older
    census) gets NaN too, with the method saying why; a missing or negative population is an error.
    """
    d = data[by + [count, population, weight]].copy()
    d[count] = d[count].fillna(0)
    # An empty age band (no one, no event: a small area with nobody aged 95+) adds nothing;
    # events without population are an error, as in PHEindicatormethods.
    bad = d[population].isna() | (d[population] < 0)
    if bad.any():
        raise ValueError(f"directly standardised rate: population must be >= 0 in every age band:\n{d[bad].head(3)}")
    d["_orphan"] = (d[population] == 0) & (d[count] > 0)
    inv = np.where(d[population] > 0, 1 / d[population].where(d[population] > 0, 1), 0.0)
    d["_w_rate"] = d[count] * d[weight] * inv
    d["_w_var"] = d[count] * (d[weight] * inv) ** 2
    g = d.groupby(by, sort=False, observed=True).agg(
        numerator=(count, "sum"),
        denominator=(population, "sum"),
        _w_rate=("_w_rate", "sum"),
        _w_var=("_w_var", "sum"),
        _w=(weight, "sum"),
        _orphan=("_orphan", "any"),
    )
    o = g["numerator"].to_numpy(float)
    value = g["_w_rate"].to_numpy() / g["_w"].to_numpy()
    var = g["_w_var"].to_numpy() / g["_w"].to_numpy() ** 2
    lo, hi = byars_limits(o, confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.sqrt(var / o)
        ci_low = (value + scale * (lo - o)) * multiplier
        ci_high = (value + scale * (hi - o)) * multiplier
    value = value * multiplier
    orphan = g["_orphan"].to_numpy()
    too_few = (o < min_count) | orphan
    out = g[["numerator", "denominator"]].reset_index()
    out["value"] = np.where(too_few, np.nan, value)
    out["ci_low"] = np.where(too_few, np.nan, ci_low)
    out["ci_high"] = np.where(too_few, np.nan, ci_high)
    out["method"] = np.where(
        orphan, METHOD_DOBSON + " ; non calculable : décès dans une tranche d'âge sans population", METHOD_DOBSON
    )
    return out


def indirectly_standardised_ratio(observed, expected, refvalue: float = 100, confidence: float = 0.95):
    """Indirectly standardised ratio: SMR × refvalue, i.e. the ICM when refvalue = 100.

    Limits are the count limits (exact below 10 events, Byar's from 10 on) divided by E.
    """
    # O/E × refvalue with the limits of O: a crude rate whose "population" is the expected count.
    return crude_rate(observed, expected, multiplier=refvalue, confidence=confidence)


SIG_HIGHER = "supérieur"
SIG_LOWER = "inférieur"
SIG_SIMILAR = "pas de différence significative"
SIG_NOT_TESTED = "non testé"
SIG_NOT_COMPUTABLE = "non calculable"


def significance(ci_low, ci_high, comparator_value, tested=True) -> np.ndarray:
    """Profile convention: interval entirely above the comparator → "supérieur", entirely below →
    "inférieur", else "pas de différence significative". Rows without an interval are
    "non calculable"; rows of indicators that are not tested are "non testé".
    """
    lo = np.asarray(ci_low, dtype=float)
    hi = np.asarray(ci_high, dtype=float)
    ref = np.asarray(comparator_value, dtype=float)
    tested = np.broadcast_to(np.asarray(tested, dtype=bool), lo.shape)
    out = np.full(lo.shape, SIG_SIMILAR, dtype=object)
    out[lo > ref] = SIG_HIGHER
    out[hi < ref] = SIG_LOWER
    out[np.isnan(lo) | np.isnan(hi) | np.isnan(ref)] = SIG_NOT_COMPUTABLE
    out[~tested] = SIG_NOT_TESTED
    return out
