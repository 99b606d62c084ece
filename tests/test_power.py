"""Power of an ICM test: critical counts, minimum detectable ICM, pooled years needed."""

import numpy as np
import pytest
from scipy import stats as sps

from diagnostics.methods import power


def test_critical_count_of_20_expected_deaths_by_hand():
    """E = 20. Byar's lower limit of O (z = 1.959964): O·(1 − 1/(9·O) − z/(3·√O))³.

    O = 29: 29·(1 − 0.003831 − 1.959964/(3·5.385165))³ = 29·(0.874850)³ = 29·0.669577 = 19.4177 ≤ 20,
    O = 30: 30·(1 − 0.003704 − 1.959964/(3·5.477226))³ = 30·(0.877017)³ = 30·0.674565 = 20.2369 > 20,
    so 30 deaths is the smallest count whose ICM interval lies above 100.
    Byar's upper limit (O + 1)·(1 − 1/(9·(O + 1)) + z/(3·√(O + 1)))³:
    O = 11: 12·(1 − 0.009259 + 0.188598)³ = 12·(1.179338)³ = 12·1.640270 = 19.683 < 20,
    O = 12: 13·(1 − 0.008547 + 0.181199)³ = 13·(1.172652)³ = 13·1.612528 = 20.963 ≥ 20,
    so 11 deaths is the largest count shown as a deficit.
    """
    o_high, o_low = power.critical_counts(20.0)
    assert int(o_high) == 30
    assert int(o_low) == 11


def test_minimum_detectable_excess_at_20_expected_deaths():
    """With 30 as critical count, power(R) = P(Poisson(20·R/100) ≥ 30). Normal approximation with continuity
    correction: (29.5 − μ)/√μ = −0.8416 → √μ = (0.8416 + √(0.8416² + 4·29.5))/2 = 5.869,
    μ ≈ 34.44, ICM ≈ 172.
    The exact answer must give P = 0.80 exactly, and a 0.5 point smaller ICM less than 0.80."""
    icm = float(power.minimum_detectable_icm(20.0))
    assert icm == pytest.approx(172, abs=1)
    assert sps.poisson.sf(29, 20 * icm / 100) == pytest.approx(0.80, abs=1e-9)
    assert sps.poisson.sf(29, 20 * (icm - 0.5) / 100) < 0.80


def test_minimum_detectable_deficit_at_20_expected_deaths():
    """Deficit: P(Poisson(20·R/100) ≤ 11) ≥ 0.80, the largest such R. Normal approximation:
    (11.5 − μ)/√μ = 0.8416 → √μ = (−0.8416 + √(0.8416² + 46))/2 = 2.987, μ ≈ 8.92, ICM ≈ 45."""
    icm = float(power.minimum_detectable_icm(20.0, side="deficit"))
    assert icm == pytest.approx(45, abs=1)
    assert sps.poisson.cdf(11, 20 * icm / 100) == pytest.approx(0.80, abs=1e-9)
    assert sps.poisson.cdf(11, 20 * (icm + 0.5) / 100) < 0.80


def test_power_of_the_decision_rule_matches_poisson_tail():
    e = np.array([5.0, 20.0, 100.0])
    icm = np.array([200.0, 150.0, 120.0])
    o_high, _ = power.critical_counts(e)
    assert np.allclose(power.detection_power(e, icm), sps.poisson.sf(o_high - 1, e * icm / 100), rtol=1e-10)


def test_more_expected_deaths_detect_smaller_gaps():
    """The trend falls; the saw-tooth (module docstring) only shows between close values of E."""
    e = np.array([5, 10, 20, 50, 100, 200, 500, 1000, 5000])
    excess = power.minimum_detectable_icm(e)
    deficit = power.minimum_detectable_icm(e, side="deficit")
    assert np.all(np.diff(excess) < 0)
    assert np.all(np.diff(deficit) > 0)
    assert np.all(excess > 100) and np.all(deficit < 100)


def test_large_expected_count_agrees_with_normal_approximation():
    """E = 1000: 100·(1 + (1.96 + 0.84)/√1000) = 108.85 (excess), 91.15 (deficit)."""
    assert float(power.minimum_detectable_icm(1000.0)) == pytest.approx(108.85, abs=0.4)
    assert float(power.minimum_detectable_icm(1000.0, side="deficit")) == pytest.approx(91.15, abs=0.4)


def test_no_deficit_can_be_shown_below_the_upper_limit_of_zero_events():
    """The exact upper limit of 0 events is χ²(0.975; 2)/2 = 3.689: with E = 3 even O = 0 is not significant."""
    assert np.isnan(power.minimum_detectable_icm(3.0, side="deficit"))
    assert not np.isnan(power.minimum_detectable_icm(3.0))
    assert np.isnan(power.minimum_detectable_icm(np.array([0.0, np.nan]))).all()


def test_years_needed_to_detect_ten_percent():
    """E per year 100: pooled E of 800 detects +10 % at about 100·(1 + 2.8/√800) = 109.9, so 8 years are
    close to the answer; every pooled period from the returned number on must reach the target."""
    years = power.years_needed(np.array([100.0, 1000.0, 2.0]))
    assert years[0] in (8, 9)
    assert years[1] == 1
    assert np.isnan(years[2])  # 2 expected deaths a year: 50 years are not enough
    for n in range(int(years[0]), 51):
        assert power.minimum_detectable_icm(100.0 * n) <= 110
    assert power.minimum_detectable_icm(100.0 * (years[0] - 1)) > 110


def test_arguments_are_checked():
    with pytest.raises(ValueError):
        power.minimum_detectable_icm(10, side="both")
    with pytest.raises(ValueError):
        power.minimum_detectable_icm(10, power=1.0)
