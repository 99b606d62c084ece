"""Statistical power of an indirectly standardised mortality ratio (ICM = SMR × 100, France = 100).

« Avec combien de décès attendus peut-on voir un écart ? » A territory's ICM is flagged when its
95 % interval excludes 100, the interval being the Poisson limits of the observed count O divided by
the expected count E (exact limits below 10 events, Byar's from 10 on:
:func:`diagnostics.methods.rates.poisson_limits`).
So the test is a rule on the integer O alone:

* excess (« surmortalité significative »): lower limit(O) > E, i.e. O ≥ o_high, the smallest such count;
* deficit (« sous-mortalité significative »): upper limit(O) < E, i.e. O ≤ o_low, the largest such count.

If the true ICM is R, O ~ Poisson(μ = E·R/100) and the power is P(O ≥ o_high) or P(O ≤ o_low). Both are
closed forms in the regularised incomplete gamma function (P(Poisson(μ) ≥ o) = P(o, μ), the Gamma(o, 1)
distribution function at μ), so the μ reaching a given power is an exact inverse (``gammaincinv``) —
no root finding, vectorised over E.

Because O is an integer the minimum detectable ICM is a saw-tooth in E: it falls while o_high stays put
and jumps up by about 100/E points when o_high steps up. The trend (≈ 100·(1 + (z₁₋α/₂ + z_power)/√E)
for large E) decreases with E; adjacent values of E need not.
"""

from __future__ import annotations

import numpy as np

from diagnostics.methods.rates import poisson_limits

SIDE_EXCESS = "excess"
SIDE_DEFICIT = "deficit"
_SIDES = (SIDE_EXCESS, SIDE_DEFICIT)


def _check_side(side: str) -> None:
    if side not in _SIDES:
        raise ValueError(f"side doit valoir « {SIDE_EXCESS} » ou « {SIDE_DEFICIT} » : reçu {side!r}")


def _count_limits_table(max_expected: float, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper count limits of O = 0 … n, n well above any critical count for E ≤ max_expected.

    Both limits increase with O (checked across the exact/Byar's switch at 10), so critical counts are
    found by binary search in these arrays.
    """
    n = int(np.ceil(max_expected + 10 * np.sqrt(max_expected) + 30))
    lower, upper, _ = poisson_limits(np.arange(n + 1), confidence)
    return np.nan_to_num(lower, nan=0.0), upper


def critical_counts(expected, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """(o_high, o_low): the smallest count shown as a significant excess and the largest shown as a
    significant deficit, for each expected count E.

    o_low is -1 where no count can show a deficit (E at most the upper limit of 0 events, ≈ 3.7 at 95 %).
    Both are -1 where E is missing or not positive.
    """
    e = np.atleast_1d(np.asarray(expected, dtype=float))
    valid = np.isfinite(e) & (e > 0)
    lower, upper = _count_limits_table(float(np.max(e[valid], initial=1.0)), confidence)
    safe = np.where(valid, e, 1.0)
    o_high = np.searchsorted(lower, safe, side="right")  # first O with lower(O) > E
    o_low = np.searchsorted(upper, safe, side="left") - 1  # last O with upper(O) < E
    shape = np.shape(expected)
    return (np.where(valid, o_high, -1).reshape(shape), np.where(valid, o_low, -1).reshape(shape))


def detection_power(expected, icm, confidence: float = 0.95, side: str = SIDE_EXCESS) -> np.ndarray:
    """Probability that a territory with E expected deaths and true ICM ``icm`` is shown as a significant
    excess (``side="excess"``) or deficit (``side="deficit"``). NaN where E is missing or not positive."""
    _check_side(side)
    e, r = np.broadcast_arrays(np.asarray(expected, dtype=float), np.asarray(icm, dtype=float))
    from scipy import special  # here: the reports read the power computed with the indicators (icm_power)

    o_high, o_low = critical_counts(e, confidence)
    mu = e * r / 100
    with np.errstate(invalid="ignore"):
        if side == SIDE_EXCESS:
            power = special.gammainc(np.maximum(o_high, 1), mu)
        else:  # P(O ≤ o_low) = Q(o_low + 1, μ); no detectable deficit when o_low < 0
            power = np.where(o_low >= 0, special.gammaincc(np.maximum(o_low, 0) + 1, mu), 0.0)
    return np.where(o_high >= 0, power, np.nan)


def minimum_detectable_icm(
    expected, power: float = 0.8, confidence: float = 0.95, side: str = SIDE_EXCESS
) -> np.ndarray:
    """Smallest excess (ICM above 100) or deficit (ICM below 100) shown as significant with probability
    at least ``power``, for each expected count E of the pooled period (« ICM minimal détectable »).

    Excess: the smallest R with P(O ≥ o_high | μ = E·R/100) ≥ power. Deficit: the largest R with
    P(O ≤ o_low | μ) ≥ power — any true ICM at or below it is detected with that power. NaN where E is
    missing or not positive, and for a deficit where no count can be significant (E ≲ 3.7 at 95 %).
    """
    _check_side(side)
    if not 0 < power < 1:
        raise ValueError(f"power doit être strictement entre 0 et 1 : reçu {power}")
    from scipy import special

    e = np.asarray(expected, dtype=float)
    o_high, o_low = critical_counts(e, confidence)
    with np.errstate(invalid="ignore", divide="ignore"):
        if side == SIDE_EXCESS:
            mu = special.gammaincinv(np.maximum(o_high, 1), power)
            ok = o_high >= 0
        else:
            mu = special.gammainccinv(np.maximum(o_low, 0) + 1, power)
            ok = o_low >= 0
        return np.where(ok, 100 * mu / np.where(e > 0, e, np.nan), np.nan)


def years_needed(
    expected_per_year,
    effect: float = 0.10,
    power: float = 0.8,
    confidence: float = 0.95,
    side: str = SIDE_EXCESS,
    max_years: int = 50,
) -> np.ndarray:
    """Number of pooled years from which a true ICM of 100·(1 ± effect) is detected with ``power``
    (« nombre d'années à cumuler »), assuming the same expected deaths every year.

    Because of the saw-tooth (module docstring), the answer is the first n such that every pooled period
    of n to ``max_years`` years reaches the power, not merely the first n that does. NaN when even
    ``max_years`` years are not enough, or E per year is missing or not positive.
    """
    _check_side(side)
    if not 0 < effect < 1:
        raise ValueError(f"effect doit être strictement entre 0 et 1 (0,10 pour ±10 %) : reçu {effect}")
    e = np.atleast_1d(np.asarray(expected_per_year, dtype=float))
    years = np.arange(1, max_years + 1)
    detectable = minimum_detectable_icm(np.outer(e, years), power, confidence, side)
    target = 100 * (1 + effect) if side == SIDE_EXCESS else 100 * (1 - effect)
    with np.errstate(invalid="ignore"):
        ok = detectable <= target if side == SIDE_EXCESS else detectable >= target
    # last failing year + 1; if the last year itself fails, none is enough
    last_fail = np.where(~ok.all(axis=1), max_years - np.argmax(~ok[:, ::-1], axis=1), 0)
    out = np.where(ok[:, -1], last_fail + 1, np.nan).astype(float)
    return out.reshape(np.shape(expected_per_year))
