"""Life expectancy (espérance de vie) from an abridged life table (table de mortalité abrégée).

Method of PHEindicatormethods' ``phe_life_expectancy`` (UKHSA, version 2.1.0), itself the method
of PHE's Life Expectancy Calculator and of ONS local life expectancies:

* Chiang's method II for the abridged table (Chiang 1968; Newell 1994): for each band i of width
  nᵢ, Mᵢ = Dᵢ/Pᵢ, qᵢ = nᵢMᵢ / (1 + nᵢMᵢ(1 − aᵢ)) (qᵢ = 1 when nᵢMᵢaᵢ > 1), lᵢ₊₁ = lᵢ(1 − qᵢ),
  Lᵢ = nᵢ(lᵢ₊₁ + aᵢdᵢ); the open last band ω has q = 1 and L = l/M; eᵢ = Tᵢ/lᵢ.
  aᵢ (fraction of the band lived by those who die in it) is 0.1 for age 0 and 0.5 otherwise.
* Variance: Chiang's Σ lᵢ²((1 − aᵢ)nᵢ + eᵢ₊₁)² qᵢ²(1 − qᵢ)/Dᵢ plus Silcocks et al.'s term for the
  open band, (l_ω/2)² · 4/(D_ω M_ω²) (Silcocks, Jenner & Reza 2001, J Epidemiol Community Health
  55:38-43); SE(eᵢ) = √(Σ_{j≥i} …) / lᵢ; normal limits e ± z·SE.
* Not computed (as PHE, in PHE's order of precedence): negative deaths, a band with population
  ≤ 0, incomplete bands, more deaths than population in a band, total population ≤ 5 000
  person-years (PHE's test is ``<= 5000`` although its message says "less than"), no death in
  the open band. Then, per age, when the 95 % interval is wider than 20 years (PHE tests
  1.96·SE > 10 whatever the confidence asked). PHE blanks only the value in that last case and
  keeps the limits; here value and limits are both NaN, with the reason.

Bands are given by their start ages. The reference layout is 0, 1, 5, 10 … 85, 90 (20 bands,
90+ open). A 0–4 first band (0, 5, 10 …) is accepted: a = 0.1 is then applied to a 5-year band.
On PHE's reference population (df1 of the package tests) pooling 0 and 1–4 raises e0 by
0.026 year (80.1696 → 80.1959) and leaves e at 5 and above unchanged: where child deaths are few
(France: about 4 infant deaths per 1 000 births) the 0–4 layout costs a few
hundredths of a year on e0 only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from diagnostics.methods.rates import z_value

AX_AGE0 = 0.1
AX_OTHER = 0.5
MIN_TOTAL_POPULATION = 5_000
MAX_CI_WIDTH = 20.0
RADIX = 100_000.0
_Z95 = 1.959963984540054

REASON_MISSING = "données manquantes"
REASON_NEGATIVE_DEATHS = "nombre de décès négatif"
REASON_ZERO_POPULATION = "population nulle ou négative dans une tranche d'âge"
REASON_INCOMPLETE = "tranches d'âge incomplètes"
REASON_DEATHS_ABOVE_POPULATION = "plus de décès que d'habitants dans une tranche d'âge"
REASON_SMALL_POPULATION = "population inférieure à 5 000 personnes-années"
REASON_NO_DEATH_OPEN_BAND = "aucun décès dans la dernière tranche d'âge"
REASON_WIDE_CI = "intervalle de confiance plus large que 20 ans"


def band_start_ages(labels: Iterable[str]) -> np.ndarray:
    """Start age of each band label: "0", "1-4", "5-9", "90+", "90 +", "00-04", "95+" → 0, 1, 5, 90, 90, 0, 95."""
    ages = []
    for label in labels:
        m = re.match(r"\D*(\d+)", str(label))
        if m is None:
            raise ValueError(f"age band label without a start age: {label!r}")
        ages.append(int(m.group(1)))
    return np.asarray(ages, dtype=int)


def pool_open_band(
    df: pd.DataFrame,
    group_cols: Sequence[str],
    age_col: str = "age_band_start",
    open_age: int = 90,
    sum_cols: Sequence[str] = ("population", "deaths"),
) -> pd.DataFrame:
    """Pool every band starting at ``open_age`` or above into one open band (our 90-94 and 95+ → 90+).

    A missing value in a pooled band makes the pooled value missing (not silently smaller).
    """
    keys = [*group_cols, age_col]
    d = df.assign(**{age_col: np.minimum(df[age_col].to_numpy(), open_age)})
    return d.groupby(keys, as_index=False, sort=True, dropna=False)[list(sum_cols)].sum(skipna=False)


def _group_codes(df: pd.DataFrame, group_cols: Sequence[str]) -> tuple[np.ndarray, pd.DataFrame]:
    if not group_cols:
        return np.zeros(len(df), dtype=int), pd.DataFrame(index=[0])
    g = df.groupby(list(group_cols), sort=True, dropna=False, observed=True)
    return g.ngroup().to_numpy(), g.size().index.to_frame(index=False)


def _first_reason(rules: list[tuple[np.ndarray, str]], shape) -> np.ndarray:
    reason = np.full(shape, "", dtype=object)
    for hit, text in rules:
        reason[(reason == "") & hit] = text
    return reason


def _chiang(P: np.ndarray, D: np.ndarray, widths: np.ndarray, ax: np.ndarray):
    """Life expectancy and its standard error at every band start, one row per group."""
    n, a = widths[None, :], ax[None, :-1]
    M = D / P
    Mc, Dc = M[:, :-1], D[:, :-1]
    q = np.where(Mc * n * a <= 1, Mc * n / (1 + Mc * n * (1 - a)), 1.0)
    q = np.hstack([q, np.ones((len(P), 1))])  # everyone dies in the open band
    survival = np.cumprod(np.hstack([np.ones((len(P), 1)), 1 - q[:, :-1]]), axis=1)
    l = RADIX * survival  # noqa: E741 - l(x), the survivors of the life table
    d = l - np.hstack([l[:, 1:], np.zeros((len(P), 1))])
    L = np.hstack([n * (l[:, 1:] + a * d[:, :-1]), l[:, -1:] / M[:, -1:]])
    T = np.cumsum(L[:, ::-1], axis=1)[:, ::-1]
    e = np.where(l == 0, 0.0, T / l)
    s2 = np.where(d[:, :-1] == 0, 0.0, q[:, :-1] ** 2 * (1 - q[:, :-1]) / Dc)
    w = s2 * l[:, :-1] ** 2 * ((1 - a) * n + e[:, 1:]) ** 2
    w_open = (l[:, -1] / 2) ** 2 * 4 / (D[:, -1] * M[:, -1] ** 2)  # Silcocks et al. 2001
    W = np.hstack([w, w_open[:, None]])
    se = np.sqrt(np.cumsum(W[:, ::-1], axis=1)[:, ::-1] / l**2)
    return e, se


def life_expectancy(
    df: pd.DataFrame,
    group_cols: Sequence[str],
    age_col: str = "age_band_start",
    population_col: str = "population",
    deaths_col: str = "deaths",
    ages: Sequence[int] = (0, 65),
    confidence: float = 0.95,
    ax_age0: float = AX_AGE0,
    ax_other: float = AX_OTHER,
) -> pd.DataFrame:
    """Life expectancy at each start age in ``ages`` for every group (territory × sex × period …).

    ``df`` has one row per group × age band (start age in ``age_col``, person-years in
    ``population_col``, deaths in ``deaths_col``); every group should have the same bands, the
    last one open. Returns one row per group and age: the group columns, ``age``, ``value``,
    ``ci_low``, ``ci_high``, ``population`` and ``deaths`` (totals of the group) and ``reason``
    ("" when computed, else why not, in French, with value and limits NaN).
    """
    z = z_value(confidence)
    bands = np.sort(pd.unique(df[age_col].dropna()).astype(int))
    if len(bands) < 2 or bands[0] != 0:
        raise ValueError(f"life table bands must start at age 0: got {bands.tolist()}")
    missing_ages = sorted(set(ages) - set(bands.tolist()))
    if missing_ages:
        raise ValueError(f"ages {missing_ages} are not band start ages {bands.tolist()}")
    codes, keys = _group_codes(df, group_cols)
    pos = np.searchsorted(bands, df[age_col].to_numpy(dtype=int))
    if pd.Series(codes * len(bands) + pos).duplicated().any():
        raise ValueError("life table: one row per group and age band expected (duplicates found)")
    G, B = len(keys), len(bands)
    P = np.full((G, B), np.nan)
    D = np.full((G, B), np.nan)
    present = np.zeros((G, B), dtype=bool)
    P[codes, pos] = df[population_col].to_numpy(dtype=float)
    D[codes, pos] = df[deaths_col].to_numpy(dtype=float)
    present[codes, pos] = True

    missing_value = present & (np.isnan(P) | np.isnan(D))
    total_pop = np.nansum(P, axis=1)
    with np.errstate(invalid="ignore"):
        group_reason = _first_reason(
            [
                (missing_value.any(axis=1), REASON_MISSING),
                ((D < 0).any(axis=1), REASON_NEGATIVE_DEATHS),
                ((P <= 0).any(axis=1), REASON_ZERO_POPULATION),
                (~present.all(axis=1), REASON_INCOMPLETE),
                ((D > P).any(axis=1), REASON_DEATHS_ABOVE_POPULATION),
                (total_pop <= MIN_TOTAL_POPULATION, REASON_SMALL_POPULATION),
                (D[:, -1] == 0, REASON_NO_DEATH_OPEN_BAND),
            ],
            G,
        )

    ax = np.where(bands == 0, ax_age0, ax_other).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        e, se = _chiang(P, D, np.diff(bands).astype(float), ax)
        col = np.searchsorted(bands, np.asarray(ages, dtype=int))
        e, se = e[:, col], se[:, col]
        wide = _Z95 * se > MAX_CI_WIDTH / 2
    reason = np.where(group_reason[:, None] != "", group_reason[:, None], np.where(wide, REASON_WIDE_CI, "")).astype(
        object
    )
    ok = reason == ""

    e, se = np.where(ok, e, np.nan), np.where(ok, se, np.nan)
    out = keys.loc[np.repeat(np.arange(G), len(ages))].reset_index(drop=True)
    out["age"] = np.tile(np.asarray(ages, dtype=int), G)
    out["value"] = e.ravel()
    out["ci_low"] = (e - z * se).ravel()
    out["ci_high"] = (e + z * se).ravel()
    out["population"] = np.repeat(total_pop, len(ages))
    out["deaths"] = np.repeat(np.nansum(D, axis=1), len(ages))
    out["reason"] = reason.ravel()
    return out
