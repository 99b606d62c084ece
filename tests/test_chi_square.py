"""The chi-square helpers give scipy.stats.chi2's numbers, bit for bit, without importing scipy.stats."""

import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from diagnostics.methods.chi_square import chi2_quantile, chi2_upper_tail


@pytest.mark.parametrize("df", [1, 2, 4, 0.6, 200.0, 2e6])
def test_upper_tail_is_scipy_stats_sf(df):
    x = np.array([np.nan, 0.0, 0.5, 3.0, 9.6, 50.0, 1e3, np.inf])
    assert np.array_equal(chi2_upper_tail(x, df), stats.chi2.sf(x, df), equal_nan=True)


@pytest.mark.parametrize("probability", [0.001, 0.025, 0.5, 0.975, 0.998])
def test_quantile_is_scipy_stats_ppf(probability):
    df = np.array([0.6, 1, 2, 10, 201, 2e6, np.nan])
    assert np.array_equal(chi2_quantile(probability, df), stats.chi2.ppf(probability, df), equal_nan=True)


def test_known_values_and_no_degrees_of_freedom():
    assert chi2_quantile(0.998, 1) == pytest.approx(9.54953570608324, rel=1e-12)  # Fingertips' trend constant
    assert chi2_upper_tail(3.841458820694124, 1) == pytest.approx(0.05, rel=1e-12)
    assert np.isnan(chi2_quantile(0.975, 0)) and np.isnan(chi2_quantile(0.975, -2))


def test_trends_and_funnel_limits_do_not_import_scipy_stats():
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from diagnostics.methods.trends import recent_trend\n"
        "from diagnostics.reporting.overview import funnel_limits\n"
        "d = pd.DataFrame({'g': 'a', 'p': range(5), 'v': [1., 2, 3, 4, 5], 'l': [.5, 1.5, 2.5, 3.5, 4.5],"
        " 'h': [1.5, 2.5, 3.5, 4.5, 5.5]})\n"
        "print(recent_trend(d, ['g'], 'p', 'v', 'l', 'h')['trend'].iloc[0], funnel_limits([40.0], 0.95)[0][0] < 100)\n"
        "print('scipy.stats' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split("\n")
    assert out[0] == "en augmentation True" and out[1] == "False"
