"""Fingertips recent trend marker: Fingertips' own test series and constructed ones.

Series "Set1"/"Set2" and their expected chi-squared values come from ukhsa-collaboration/fingertips-open
(MIT), PholioVisualisationWS/AnalysisTest/TrendMarkerCalculatorTest.cs; the diabetes prevalence
series from dhsc-govuk/FingertipsNext (MIT), trend-analysis unit tests (England, Fingertips shows
"Increasing").
"""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diagnostics.methods.trends import TREND_DOWN, TREND_FLAT, TREND_NA, TREND_UP, recent_trend

SET1 = pd.DataFrame(
    {
        "year": [2018, 2017, 2016, 2015, 2014],
        "count": [1367, 1332, 1199, 1023, 994],
        "denominator": [44701, 44064, 42811, 41527, 40299],
        "value": [30.6, 30.2, 28, 24.6, 24.67],
        "lo": [28.98, 28.63, 26.44, 23.15, 23.16],
        "hi": [32.25, 31.9, 29.64, 26.19, 26.25],
    }
)
SET2 = pd.DataFrame(
    {
        "year": [2014, 2015, 2016, 2017, 2018],
        "count": [209, 213, 213, 239, 210],
        "denominator": [1017, 1087, 1119, 1117, 1139],
        "value": [20.5506, 19.5952, 19.0349, 21.3966, 18.4372],
        "lo": [18.1803, 17.3444, 16.8421, 19.0918, 16.2925],
        "hi": [23.1427, 22.0602, 21.4394, 23.8975, 20.7941],
    }
)
DIABETES = pd.DataFrame(
    {
        "year": [2024, 2023, 2022, 2021, 2020],
        "value": [7.6554, 7.4528, 7.2571, 7.1085, 7.0826],
        "lo": [7.6481, 7.4456, 7.2499, 7.1013, 7.0754],
        "hi": [7.6669, 7.4643, 7.2684, 7.1199, 7.094],
    }
)


def regression(d, groups=()):
    return recent_trend(d, list(groups), "year", "value", "lo", "hi")


def proportion(d, groups=()):
    return recent_trend(d, list(groups), "year", "value", numerator_col="count", denominator_col="denominator")


def series(values, half_width, years=None, **groups):
    years = list(range(2015, 2015 + len(values))) if years is None else years
    v = np.asarray(values, dtype=float)
    return pd.DataFrame({**groups, "year": years, "value": v, "lo": v - half_width, "hi": v + half_width})


def test_fingertips_set1_weighted_regression_is_significant_increase():
    r = regression(SET1).iloc[0]
    assert round(r["chi2"], 2) == 46.77
    assert r["trend"] == TREND_UP and r["slope"] > 0 and r["points"] == 5 and r["reason"] == ""
    assert r["p_value"] == pytest.approx(stats.chi2.sf(r["chi2"], 1))


def test_fingertips_set1_chi_squared_test_for_trend_in_proportions():
    r = proportion(SET1).iloc[0]
    assert round(r["chi2"], 2) == 47.90
    assert r["trend"] == TREND_UP


def test_fingertips_set2_is_not_significant():
    r = regression(SET2).iloc[0]
    assert r["trend"] == TREND_FLAT
    assert r["chi2"] < stats.chi2.ppf(0.998, 1)


def test_fingertips_next_diabetes_prevalence_is_increasing():
    assert regression(DIABETES)["trend"].item() == TREND_UP


def test_hand_computed_chi_squared_for_trend():
    # x = 10, 15, 20, 25, 30 of n = 100 each, t = 1..5: N = 500, X = 100, Σxt = 350, Σnt = 1500,
    # Σnt² = 5500; χ² = 500·(500·350 − 100·1500)² / (100·400·(500·5500 − 1500²)) = 15.625.
    d = pd.DataFrame(
        {
            "year": range(2019, 2024),
            "count": [10, 15, 20, 25, 30],
            "denominator": 100,
            "value": [0.10, 0.15, 0.20, 0.25, 0.30],
        }
    )
    r = proportion(d).iloc[0]
    assert r["chi2"] == pytest.approx(15.625, rel=1e-12)
    assert r["p_value"] == pytest.approx(7.727e-05, rel=1e-3)
    assert r["trend"] == TREND_UP  # 15.6 > 9.55, the 99.8 % critical value


def test_constructed_series():
    rising = series([50, 53, 56, 59, 62], 1.0, area="up")
    falling = series([62, 59, 56, 53, 50], 1.0, area="down")
    noisy = series([50, 52, 49, 51, 50.5], 3.0, area="flat")
    short = series([50, 55, 60, 65], 1.0, area="short")
    r = regression(pd.concat([rising, falling, noisy, short]), ["area"]).set_index("area")
    assert r.loc["up", "trend"] == TREND_UP and r.loc["up", "slope"] == pytest.approx(3.0)
    assert r.loc["down", "trend"] == TREND_DOWN and r.loc["down", "slope"] == pytest.approx(-3.0)
    assert r.loc["flat", "trend"] == TREND_FLAT and r.loc["flat", "p_value"] > 0.05
    assert r.loc["short", "trend"] == TREND_NA and r.loc["short", "points"] == 4
    assert np.isnan(r.loc["short", "chi2"]) and r.loc["short", "reason"] == "moins de 5 périodes"


def test_only_the_last_five_periods_count_and_a_gap_among_them_blocks():
    long = series([90, 10, 50, 53, 56, 59, 62], 1.0)  # the two oldest would reverse the slope
    assert regression(long)["slope"].item() == pytest.approx(3.0)
    older_gap = long.assign(value=lambda d: d["value"].where(d["year"] != 2015))
    assert regression(older_gap)["trend"].item() == TREND_UP
    recent_gap = long.assign(value=lambda d: d["value"].where(d["year"] != 2019))
    r = regression(recent_gap).iloc[0]
    assert r["trend"] == TREND_NA and "manquant" in r["reason"]


def test_one_point_driving_the_slope_is_not_a_trend():
    # Huge χ² from the last point, but leaving it out turns the slope negative (Fingertips' check).
    r = regression(series([12, 10, 10, 9.9, 30], 0.2)).iloc[0]
    assert r["chi2"] > 100 and r["slope"] > 0
    assert r["trend"] == TREND_FLAT


def test_series_in_one_call_equal_series_alone():
    a, b = SET1.assign(dep="01"), SET2.assign(dep="02")
    together = regression(pd.concat([a, b]), ["dep"])
    alone = pd.concat([regression(SET1), regression(SET2)], ignore_index=True)
    pd.testing.assert_frame_equal(together.drop(columns="dep"), alone)
    assert together["dep"].tolist() == ["01", "02"]


def test_zero_count_or_full_proportion_cannot_be_computed():
    d = SET1.assign(count=lambda x: x["count"].where(x["year"] != 2016, 0))
    assert proportion(d)["trend"].item() == TREND_NA


def test_missing_inputs_are_an_error():
    with pytest.raises(ValueError):
        recent_trend(SET1, [], "year", "value")


def test_threshold_is_99_8_percent_not_95():
    # slope 0.5 per period, SE of each value 1.265/1.96: χ² = 2.5 / SE² ≈ 6.0, between 3.84 and 9.55
    d = series([50, 50.5, 51, 51.5, 52], 1.265)
    r = regression(d).iloc[0]
    assert 3.84 < r["chi2"] < 9.55 and r["p_value"] < 0.05
    assert r["trend"] == TREND_FLAT
    assert recent_trend(d, [], "year", "value", "lo", "hi", confidence=0.95)["trend"].item() == TREND_UP
