"""Heterogeneity of ICMs (SMR × 100) between the member units of a perimeter (« Pour quel périmètre ? »).

Does one ICM describe the perimeter, or do its communes (or groups of communes) differ more than
Poisson noise allows? Under homogeneity every unit i shares the perimeter's SMR Ô/Ê, so its expected
count is E_i·Ô/Ê and the classical Pearson statistic (Breslow & Day 1987, vol. II, § 3.4: test of
homogeneity of SMRs)

    X² = Σ_i (O_i − E_i·Ô/Ê)² / (E_i·Ô/Ê),   Ô = Σ O_i, Ê = Σ E_i,

follows approximately a chi-square on k − 1 degrees of freedom (one SMR estimated). The approximation
needs units that are not tiny: with expected counts under about 5 (Cochran's rule) the statistic is
inflated by the many zeros and ones, so merge small units first with :func:`group_small_units`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.methods.chi_square import chi2_upper_tail


def _by_group_statistic(o: np.ndarray, e: np.ndarray, group: np.ndarray, n_groups: int):
    """X², df and p-value per group of units, from units already validated (E > 0)."""
    o_tot = np.bincount(group, weights=o, minlength=n_groups)
    e_tot = np.bincount(group, weights=e, minlength=n_groups)
    k = np.bincount(group, minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        fitted = e * (o_tot / e_tot)[group]
        statistic = np.bincount(group, weights=(o - fitted) ** 2 / fitted, minlength=n_groups)
    df = k - 1
    # No event at all, or a single unit: nothing to compare.
    statistic = np.where((o_tot > 0) & (df > 0), statistic, np.nan)
    return statistic, df, chi2_upper_tail(statistic, np.maximum(df, 1))


def _validated(observed, expected) -> tuple[np.ndarray, np.ndarray]:
    o = np.asarray(observed, dtype=float).ravel()
    e = np.asarray(expected, dtype=float).ravel()
    if o.shape != e.shape:
        raise ValueError(f"observés et attendus de longueurs différentes : {o.size} et {e.size}")
    if np.isnan(o).any() or np.isnan(e).any() or (o < 0).any() or (e < 0).any():
        raise ValueError("hétérogénéité des ICM : décès observés et attendus doivent être renseignés et positifs")
    if ((e == 0) & (o > 0)).any():
        raise ValueError(
            "hétérogénéité des ICM : des décès observés dans une unité sans décès attendus ; "
            "regrouper les petites unités (group_small_units) avant le test"
        )
    return o, e


def icm_heterogeneity(observed, expected) -> tuple[float, int, float]:
    """(statistic, df, p_value) of the chi-square test of homogeneity of the units' SMRs.

    Units with no expected and no observed death carry no information and are left out (they do not
    count in k). NaN statistic and p-value when fewer than two units remain or no death was observed.
    """
    o, e = _validated(observed, expected)
    keep = e > 0
    statistic, df, p = _by_group_statistic(o[keep], e[keep], np.zeros(int(keep.sum()), dtype=np.int64), 1)
    return float(statistic[0]), int(max(df[0], 0)), float(p[0])


def icm_heterogeneity_by(
    units: pd.DataFrame, by: str = "territory_code", observed: str = "observed", expected: str = "expected"
) -> pd.DataFrame:
    """The same test for many perimeters at once: one row per value of ``by`` with statistic, df and
    p_value (one pass over all units, no loop over perimeters). ``units`` has one row per member unit."""
    o, e = _validated(units[observed], units[expected])
    codes, perimeters = pd.factorize(units[by], sort=True)
    keep = (e > 0) & (codes >= 0)
    statistic, df, p = _by_group_statistic(o[keep], e[keep], codes[keep], len(perimeters))
    return pd.DataFrame({by: perimeters, "statistic": statistic, "df": np.maximum(df, 0), "p_value": p})


def group_small_units(observed, expected, min_expected: float = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Merge units with fewer than ``min_expected`` expected deaths into groups reaching it.

    Returns (group, observed_by_group, expected_by_group): ``group`` gives each unit's group number
    (0, 1, …). Units with E ≥ min_expected keep a group of their own. The small ones are taken in the
    order given — sort them beforehand (by commune code, or along a geographic order) to merge
    neighbours — and accumulated until the running E reaches ``min_expected``; a remainder that falls
    short joins the last group of small units, or, if there is none, the smallest large unit. Groups
    are numbered in the order of their first unit, so the result depends only on the input order.
    """
    o = np.asarray(observed, dtype=float).ravel()
    e = np.asarray(expected, dtype=float).ravel()
    n = e.size
    label = np.full(n, -1, dtype=np.int64)  # provisional: large units get -(index + 2), small ones 0, 1, …
    small = np.flatnonzero(e < min_expected)
    large = np.flatnonzero(e >= min_expected)
    label[large] = -(large + 2)
    current, running, closed = 0, 0.0, -1  # greedy fill: sequential by nature, one pass over small units
    for i in small:
        label[i] = current
        running += e[i]
        if running >= min_expected:
            closed, current, running = current, current + 1, 0.0
    remainder = label == current
    if remainder.any() and running < min_expected:
        if closed >= 0:
            label[remainder] = closed
        elif large.size:
            label[remainder] = label[large[np.argmin(e[large])]]
    _, first = np.unique(label, return_index=True)
    order = np.argsort(first)  # renumber groups by first appearance
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    group = rank[np.unique(label, return_inverse=True)[1]]
    n_groups = order.size
    return (group, np.bincount(group, weights=o, minlength=n_groups), np.bincount(group, weights=e, minlength=n_groups))
