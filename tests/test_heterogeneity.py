"""Chi-square test of homogeneity of SMRs between the member units of a perimeter."""

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods.heterogeneity import group_small_units, icm_heterogeneity, icm_heterogeneity_by


def test_statistic_on_three_units_by_hand():
    """O = 10, 20, 30; E = 15, 15, 20. Ô/Ê = 60/50 = 1.2, fitted E·1.2 = 18, 18, 24.
    X² = (10 − 18)²/18 + (20 − 18)²/18 + (30 − 24)²/24 = 64/18 + 4/18 + 36/24
       = 3.5556 + 0.2222 + 1.5 = 5.2778,
    df = 2, and with 2 df the chi-square tail is exp(−X²/2) = exp(−2.6389) = 0.07144."""
    statistic, df, p = icm_heterogeneity([10, 20, 30], [15, 15, 20])
    assert statistic == pytest.approx(5.277778, rel=1e-6)
    assert df == 2
    assert p == pytest.approx(np.exp(-5.277778 / 2), rel=1e-6)
    assert p == pytest.approx(0.07144, abs=1e-5)


def test_homogeneous_units_are_not_significant():
    """30 units, SMR 1 everywhere (also 1.1 everywhere: a common level is not heterogeneity), Poisson noise."""
    rng = np.random.default_rng(20240611)
    expected = rng.uniform(8, 80, 30)
    for smr in (1.0, 1.1):
        statistic, df, p = icm_heterogeneity(rng.poisson(expected * smr), expected)
        assert df == 29
        assert p > 0.05
        assert statistic < 42.56  # χ²(0.95; 29)


def test_one_deviant_unit_on_large_expected_count_is_significant():
    rng = np.random.default_rng(7)
    expected = np.r_[rng.uniform(8, 80, 20), 400.0]
    observed = rng.poisson(expected * np.r_[np.ones(20), 1.5])
    statistic, df, p = icm_heterogeneity(observed, expected)
    assert df == 20
    assert p < 1e-6


def test_units_without_expected_deaths_are_left_out_and_deaths_there_are_an_error():
    assert icm_heterogeneity([10, 20, 30, 0], [15, 15, 20, 0])[:2] == icm_heterogeneity([10, 20, 30], [15, 15, 20])[:2]
    with pytest.raises(ValueError, match="regrouper"):
        icm_heterogeneity([10, 1], [15, 0])
    statistic, df, p = icm_heterogeneity([0, 0], [3, 4])  # no death: nothing to compare
    assert np.isnan(statistic) and np.isnan(p)


def test_many_perimeters_in_one_pass_match_one_by_one():
    rng = np.random.default_rng(3)
    units = pd.DataFrame(
        {"territory_code": np.repeat(["200000172", "75056", "ZZ"], [12, 8, 1]), "expected": rng.uniform(5, 60, 21)}
    )
    units["observed"] = rng.poisson(units["expected"])
    out = icm_heterogeneity_by(units).set_index("territory_code")
    for code, part in units.groupby("territory_code"):
        statistic, df, p = icm_heterogeneity(part["observed"], part["expected"])
        assert out.loc[code, "df"] == df
        if df:
            assert out.loc[code, "statistic"] == pytest.approx(statistic)
            assert out.loc[code, "p_value"] == pytest.approx(p)
    assert np.isnan(out.loc["ZZ", "statistic"])  # a single unit


def test_small_units_are_merged_in_the_given_order():
    """E = 1.5, 2, 2.5 | 12 | 1, 3, 0.5: the first three reach 6 ≥ 5 and form group 0; unit 3 stays alone;
    the last three only reach 4.5 and join the last group of small units (group 0)."""
    group, o, e = group_small_units([1, 0, 2, 9, 1, 3, 0], [1.5, 2, 2.5, 12, 1, 3, 0.5])
    assert group.tolist() == [0, 0, 0, 1, 0, 0, 0]
    assert o.tolist() == [7, 9]
    assert e.tolist() == [10.5, 12]


def test_small_units_reaching_the_threshold_twice():
    group, o, e = group_small_units([1, 2, 3, 4, 5], [3, 2, 4, 1, 20])
    assert group.tolist() == [0, 0, 1, 1, 2]
    assert e.tolist() == [5, 5, 20]
    assert (e >= 5).all()


def test_small_remainder_without_other_small_group_joins_smallest_large_unit():
    group, o, e = group_small_units([1, 9, 2, 3], [1.5, 30, 2, 6])
    assert group.tolist() == [0, 1, 0, 0]  # units 0 and 2 (E 3.5) join unit 3 (E 6), smaller than unit 1
    assert e.tolist() == [9.5, 30]


def test_grouping_then_testing():
    """Many tiny communes around a town: grouped, every group has E ≥ 5 and the test runs on fewer units."""
    rng = np.random.default_rng(11)
    expected = np.r_[rng.uniform(0.2, 3, 60), 150.0]
    observed = rng.poisson(expected)
    group, o, e = group_small_units(observed, expected)
    assert (e >= 5).all()
    assert o.sum() == observed.sum() and e.sum() == pytest.approx(expected.sum())
    statistic, df, p = icm_heterogeneity(o, e)
    assert df == len(e) - 1 < 30
    assert p > 0.001
