"""Slope and relative index of inequality (indice de pente et indice relatif d'inégalité, SII / RII).

Method of PHEindicatormethods' ``phe_sii`` (UKHSA, version 2.1.0; Low & Low 2004, J Public Health
26:388-395), as used for Fingertips' "slope index of inequality in life expectancy":

* quantiles (quintiles, déciles of a deprivation index) are ranked from the most deprived to the
  least deprived; quantile i holds the share aᵢ of the area's population and gets the relative
  rank bᵢ, the mid-point of its band of the cumulative population (b₁ = a₁/2, b₂ = a₁ + a₂/2 …);
* the values yᵢ are regressed on bᵢ by least squares weighted by aᵢ (PHE fits √a·y on √a and √a·b
  without intercept, the same fit); SII = fitted(1) − fitted(0) = the slope (least deprived minus
  most deprived), RII = fitted(1) / fitted(0); a negative ``multiplier`` reverses the polarity
  (SII × multiplier, RII inverted);
* limits by simulation: each value is drawn ``repetitions`` times from a normal law with its
  standard error (on the log scale for rates, the logit scale for proportions, as PHE), the
  regression is refitted on every draw and the limits are PHE's order statistics (positions
  round(R·α/2) and round(R·(1 − α/2)) of the sorted draws). Standard errors not given are
  derived from 95 % limits: (g(U) − g(L)) / (2·1.96), g the scale above.
* ``transform=True`` (rates, proportions) fits on the log / logit scale and returns to the
  original units as PHE does, the limits of the slope being placed around the fitted mid-point.

The same standard normal draws (one matrix for a given seed) serve every area, so an area's
limits do not depend on the other areas of the call; the Monte-Carlo error of a limit is about
√(α/2 · (1 − α/2) / R) / φ(z) standard errors of the SII, i.e. 0.0085 SE for 95 % and R = 100 000.
Differences from PHE: areas with missing or invalid data get NaN and a French ``reason`` instead of
an error; for log-transformed rates PHE swaps the limits when the multiplier is below 1 (a slip for
below 0), here below 0 as for proportions.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from diagnostics.methods.rates import z_value

REPETITIONS = 100_000
MIN_QUANTILES, MAX_QUANTILES = 5, 100
_BLOCK_DRAWS = 10_000_000  # areas × repetitions simulated at once (80 MB per array)
_CHUNK_DRAWS = 4_000_000  # areas × repetitions × quantiles drawn at once for the non-linear cases

VALUE_TYPES = ("normal", "rate", "proportion")


def _logit(v):
    from scipy.special import logit  # here: the reports import the gradient's constants, not the simulation

    return logit(v)


def _expit(v):
    from scipy.special import expit

    return expit(v)


_TO_SCALE = {"normal": lambda v: v, "rate": np.log, "proportion": _logit}
_FROM_SCALE = {"normal": lambda v: v, "rate": np.exp, "proportion": _expit}

REASON_MISSING_QUANTILE = "quantile manquant"
REASON_POPULATION = "population nulle, négative ou manquante"
REASON_MISSING_VALUE = "valeur ou erreur type manquante ou invalide"
REASON_PROPORTION = "proportion hors de l'intervalle ]0 ; 1["


def _wide(df, group_cols, quantile_col, cols, most_deprived_first):
    """(G, K) arrays by group and quantile rank (rank 0 = most deprived), with presence."""
    quantiles = np.sort(pd.unique(df[quantile_col].dropna()))
    if not most_deprived_first:
        quantiles = quantiles[::-1]
    if not MIN_QUANTILES <= len(quantiles) <= MAX_QUANTILES:
        raise ValueError(f"slope index of inequality needs 5 to 100 quantiles: got {len(quantiles)}")
    if group_cols:
        g = df.groupby(list(group_cols), sort=True, dropna=False, observed=True)
        codes, keys = g.ngroup().to_numpy(), g.size().index.to_frame(index=False)
    else:
        codes, keys = np.zeros(len(df), dtype=int), pd.DataFrame(index=[0])
    rank = pd.Series(np.arange(len(quantiles)), index=quantiles).reindex(df[quantile_col]).to_numpy()
    ok = ~np.isnan(rank)
    codes, rank = codes[ok], rank[ok].astype(int)
    if pd.Series(codes * len(quantiles) + rank).duplicated().any():
        raise ValueError("slope index of inequality: one row per area and quantile expected")
    shape = (len(keys), len(quantiles))
    present = np.zeros(shape, dtype=bool)
    present[codes, rank] = True
    arrays = {}
    for c in cols:
        arrays[c] = np.full(shape, np.nan)
        arrays[c][codes, rank] = df[c].to_numpy(dtype=float)[ok]
    return keys, present, arrays


def _regression_weights(pop):
    """Row vectors c_slope, c_intercept with slope = c_slope·y, intercept = c_intercept·y."""
    a = pop / pop.sum(axis=1, keepdims=True)
    b = np.cumsum(a, axis=1) - a / 2
    b_mean = (a * b).sum(axis=1, keepdims=True)
    c_slope = a * (b - b_mean) / (a * (b - b_mean) ** 2).sum(axis=1, keepdims=True)
    return c_slope, a - b_mean * c_slope


def _order_stats(draws, confidence, repetitions):
    """PHE's limits: the round(R·α/2)-th and round(R·(1 − α/2))-th smallest draws of each row."""
    upper_p = confidence + (1 - confidence) / 2
    positions = [int(round(repetitions * (1 - upper_p))) - 1, int(round(repetitions * upper_p)) - 1]
    part = np.partition(draws, positions, axis=1)
    return part[:, positions[0]], part[:, positions[1]]


def _simulate(y_scale, se, c_slope, c_int, eps, back):
    """Simulated slopes and intercepts, (G, R) each; ``back`` maps draws back before the fit."""
    if back is None:  # linear in the draws: one matrix product per coefficient
        return (
            (y_scale * c_slope).sum(1, keepdims=True) + (se * c_slope) @ eps.T,
            (y_scale * c_int).sum(1, keepdims=True) + (se * c_int) @ eps.T,
        )
    G, (R, K) = len(se), eps.shape
    slopes, ints = np.empty((G, R)), np.empty((G, R))
    step = max(1, _CHUNK_DRAWS // (R * K))
    for s in range(0, G, step):
        part = slice(s, s + step)
        y = back(y_scale[part, None, :] + eps[None, :, :] * se[part, None, :])
        slopes[part] = np.einsum("grk,gk->gr", y, c_slope[part])
        ints[part] = np.einsum("grk,gk->gr", y, c_int[part])
    return slopes, ints


def slope_index_of_inequality(
    df: pd.DataFrame,
    group_cols: Sequence[str],
    quantile_col: str,
    population_col: str,
    value_col: str,
    se_col: str | None = None,
    ci_low_col: str | None = None,
    ci_high_col: str | None = None,
    confidence: float = 0.95,
    repetitions: int = REPETITIONS,
    seed: int = 1,
    rii: bool = True,
    value_type: str = "normal",
    transform: bool = False,
    multiplier: float = 1.0,
    most_deprived_first: bool = True,
) -> pd.DataFrame:
    """SII and RII with simulated limits for every area (group), from its quantiles.

    One row per area × quantile: population, value and either its standard error (``se_col``, on
    the simulation scale: log for rates, logit for proportions) or its 95 % limits. Quantiles are
    ordered by their labels, the smallest the most deprived (``most_deprived_first=False`` for a
    deprivation index whose highest quantile is the most deprived, e.g. FDep quintile 5).
    ``value_type`` is "normal" (e.g. life expectancy), "rate" or "proportion" (scale 0–1).
    Returns the group columns, ``sii``, ``sii_ci_low``, ``sii_ci_high``, (``rii``, ``rii_ci_low``,
    ``rii_ci_high``), ``intercept`` (fitted value of the most deprived end) and ``reason``.
    """
    if value_type not in VALUE_TYPES:
        raise ValueError(f"value_type must be one of {VALUE_TYPES}: got {value_type!r}")
    if transform and value_type == "normal":
        raise ValueError("transform needs value_type 'rate' or 'proportion'")
    if se_col is None and (ci_low_col is None or ci_high_col is None) or transform and se_col is not None:
        raise ValueError("give se_col, or ci_low_col and ci_high_col (limits only when transform=True)")
    if repetitions < 1000:
        raise ValueError("repetitions must be at least 1000")
    z_value(confidence)  # validates the level before any work
    cols = [population_col, value_col] + ([se_col] if se_col else [ci_low_col, ci_high_col])
    keys, present, a = _wide(df, group_cols, quantile_col, cols, most_deprived_first)
    pop, value = a[population_col], a[value_col]
    to_scale = _TO_SCALE[value_type]
    with np.errstate(divide="ignore", invalid="ignore"):
        y_scale = to_scale(value)
        se = a[se_col] if se_col else (to_scale(a[ci_high_col]) - to_scale(a[ci_low_col])) / (2 * z_value(0.95))
        out_of_range = ((value <= 0) | (value >= 1)) if value_type == "proportion" else np.zeros_like(present)
        reason = np.select(
            [
                ~present.all(axis=1),
                ~(pop > 0).all(axis=1),
                out_of_range.any(axis=1),
                ~(np.isfinite(y_scale) & np.isfinite(se) & (se >= 0)).all(axis=1),
            ],
            [REASON_MISSING_QUANTILE, REASON_POPULATION, REASON_PROPORTION, REASON_MISSING_VALUE],
            "",
        )
    ok = reason == ""
    # invalid areas run on harmless dummies and are blanked at the end
    pop, y_scale, se = (np.where(ok[:, None], v, fill) for v, fill in ((pop, 1.0), (y_scale, 0.0), (se, 0.0)))
    c_slope, c_int = _regression_weights(pop)

    eps = np.random.default_rng(seed).standard_normal((repetitions, pop.shape[1]))
    step = max(1, _BLOCK_DRAWS // repetitions)  # areas per block: bounds the (areas, R) arrays
    blocks = []
    with np.errstate(divide="ignore", invalid="ignore"):
        for s in range(0, len(keys), step):
            part = slice(s, s + step)
            blocks.append(
                _estimates(
                    y_scale[part],
                    se[part],
                    c_slope[part],
                    c_int[part],
                    eps,
                    transform,
                    value_type,
                    multiplier,
                    confidence,
                    repetitions,
                )
            )
    results = {name: np.concatenate([b[name] for b in blocks]) for name in blocks[0]}
    out = keys.copy()
    if not rii:
        results = {k: v for k, v in results.items() if not k.startswith("rii")}
    for name, v in results.items():
        out[name] = np.where(ok, v, np.nan)
    out["reason"] = reason
    return out


def _estimates(y_scale, se, c_slope, c_int, eps, transform, value_type, multiplier, confidence, repetitions):
    """sii, limits, rii, limits and intercept for every area (see the module docstring)."""
    from_scale = _FROM_SCALE[value_type]
    back = None if transform or value_type == "normal" else from_scale
    sim_slope, sim_int = _simulate(y_scale, se, c_slope, c_int, eps, back)
    y_fit = y_scale if transform else from_scale(y_scale)
    slope, intercept = (c_slope * y_fit).sum(1), (c_int * y_fit).sum(1)
    flip = multiplier < 0
    if transform:
        sii, rii_v, intercept_out = _back_transformed(intercept, slope, from_scale, multiplier)
        lo, hi = _order_stats(sim_slope, confidence, repetitions)
        mid = intercept + slope / 2
        sii_lo, rii_lo, _ = _back_transformed(mid - lo / 2, lo, from_scale, multiplier)
        sii_hi, rii_hi, _ = _back_transformed(mid - hi / 2, hi, from_scale, multiplier)
        if flip:
            sii_lo, sii_hi, rii_lo, rii_hi = sii_hi, sii_lo, rii_hi, rii_lo
    else:
        sii, rii_v, intercept_out = multiplier * slope, (intercept + slope) / intercept, intercept
        sii_lo, sii_hi = _order_stats(multiplier * sim_slope, confidence, repetitions)
        sim_rii = (sim_int + sim_slope) / sim_int
        rii_lo, rii_hi = _order_stats(1 / sim_rii if flip else sim_rii, confidence, repetitions)
        rii_v = 1 / rii_v if flip else rii_v

    return {
        "sii": sii,
        "sii_ci_low": sii_lo,
        "sii_ci_high": sii_hi,
        "rii": rii_v,
        "rii_ci_low": rii_lo,
        "rii_ci_high": rii_hi,
        "intercept": intercept_out,
    }


def _back_transformed(intercept, slope, from_scale, multiplier):
    """SII, RII and intercept in original units from a fit on the log / logit scale."""
    y0, y1 = from_scale(intercept), from_scale(intercept + slope)
    rii = y1 / y0
    return (y1 - y0) * multiplier, 1 / rii if multiplier < 0 else rii, y0 * abs(multiplier)
