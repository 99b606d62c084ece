"""Chi-square distribution: upper tail and quantile, computed as ``scipy.stats.chi2`` computes them.

The same special functions that ``scipy.stats.chi2`` calls (``chdtrc`` for the upper tail, the inverse
regularised incomplete gamma for the quantile), reached through ``scipy.special`` only when called:
``scipy.stats`` costs about 0,8 s to import, which an ad hoc perimeter's report or the regional overview
would otherwise pay for two numbers. Results are bit-identical to ``scipy.stats.chi2.sf`` / ``.ppf`` for
degrees of freedom > 0 (tested).
"""

from __future__ import annotations

import numpy as np


def chi2_upper_tail(statistic, df) -> np.ndarray:
    """P(χ²_df > statistic) (``scipy.stats.chi2.sf``); NaN for a NaN statistic."""
    from scipy import special

    return special.chdtrc(np.asarray(df, dtype=float), np.asarray(statistic, dtype=float))


def chi2_quantile(probability, df) -> np.ndarray:
    """The ``probability`` quantile of χ²_df (``scipy.stats.chi2.ppf``); NaN where df is not positive."""
    from scipy import special

    df = np.asarray(df, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.where(df > 0, 2 * special.gammaincinv(df / 2, np.asarray(probability, dtype=float)), np.nan)
