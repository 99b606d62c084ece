"""Slope / relative index of inequality against PHEindicatormethods' phe_sii test data.

tests/fixtures/phe_sii_testdata.csv: rows of tests/testthat/testdata_SII.xlsx (sheet testdata_SII)
of ukhsa-collaboration/PHEindicatormethods 2.1.0 (GPL-3; numbers only, no code), as saved in
shared/reference/phe_vectors/sii_testdata.csv; the calls mirror tests/testthat/testSII.R.

Point estimates are exact (1e-6). The limits are simulated by both sides with different random
numbers, so they are compared within 5 combined Monte-Carlo standard errors: the error of the
p-quantile of R draws is √(p(1 − p)/R) / φ(z_p) standard deviations of the simulated statistic,
that deviation taken as (upper − lower)/(2 z) of the reference interval; for the first area at 95 %
and R = 100 000 on both sides this is about 0.12 on an SII of 6.93 [3.13 ; 10.76].
"""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from diagnostics.methods.inequality import (
    REASON_MISSING_QUANTILE,
    REASON_MISSING_VALUE,
    REASON_POPULATION,
    slope_index_of_inequality,
)

DATA = pd.read_csv(Path(__file__).parent / "fixtures" / "phe_sii_testdata.csv")
VALUE_TYPES = {0: "normal", 1: "rate", 2: "proportion"}
CLS = dict(ci_low_col="LowerCL", ci_high_col="UpperCL")
SE = dict(se_col="StandardError")

# (first RecordNo, arguments as in testSII.R, columns of the expected limits)
CASES = [
    (1, SE, 1),
    (1, CLS, 1),
    (21, dict(SE, confidence=0.99), 1),
    (41, dict(SE, repetitions=10_000), 1),
    (71, SE, 1),
    (71, CLS, 1),
    (91, SE, 1),
    (91, CLS, 1),
    (111, dict(SE, multiplier=100), 1),
    (131, dict(SE, multiplier=-100), 1),
    (226, dict(SE, confidence=0.99), 2),
    (246, CLS, 1),
    (266, CLS, 1),
    (286, dict(CLS, value_type="rate"), 1),  # proportions run as rates, as upstream
    (306, dict(CLS, transform=True), 1),
    (326, dict(CLS, transform=True), 1),
    (346, dict(CLS, transform=True, multiplier=-1), 1),
    (366, dict(CLS, transform=True, confidence=0.98), 2),
    (386, dict(CLS, transform=True, multiplier=-1), 1),
    (406, dict(CLS, transform=True, confidence=0.98), 1),
    (426, dict(CLS, transform=True, rii=False), 1),
    (446, dict(CLS, transform=True, rii=False), 1),
    (466, dict(CLS, transform=True, confidence=0.98), 1),
    (486, dict(CLS, transform=True, confidence=0.98), 2),
]


def rows(first, n=20):
    return DATA[(DATA["RecordNo"] >= first) & (DATA["RecordNo"] < first + n)]


def run(d, **kwargs):
    kwargs.setdefault("value_type", VALUE_TYPES[int(d["ValueType"].iloc[0])])
    kwargs.setdefault("repetitions", int(d["Repetitions"].iloc[0]))
    return slope_index_of_inequality(d, ["Area"], "Quantile", "Population", "Value", **kwargs)


def mc_tolerance(lo, hi, confidence, repetitions, k=5.0):
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    sd = np.abs(hi - lo) / (2 * z)
    p = (1 - confidence) / 2
    return k * np.sqrt(p * (1 - p) * 2 / repetitions) / stats.norm.pdf(z) * sd


def test_first_area_default_parameters():
    r = run(rows(1, 10), **SE).iloc[0]
    assert r["sii"] == pytest.approx(6.934616474, abs=1e-6)
    assert r["rii"] == pytest.approx(1.088818080, abs=1e-6)
    tol = mc_tolerance(3.127594617650817, 10.7586873680794, 0.95, 100_000)
    assert tol == pytest.approx(0.117, abs=0.005)
    assert r["sii_ci_low"] == pytest.approx(3.127594617650817, abs=tol)
    assert r["sii_ci_high"] == pytest.approx(10.7586873680794, abs=tol)
    assert r["reason"] == ""


@pytest.mark.parametrize("first, kwargs, level", CASES, ids=[f"{c[0]}-{sorted(c[1].items())}" for c in CASES])
def test_phe_sii_test_cases(first, kwargs, level):
    d = rows(first)
    expected = d.dropna(subset=["sii"]).set_index("Area")
    r = run(d, **kwargs).set_index("Area").loc[expected.index]
    assert (r["reason"] == "").all()
    np.testing.assert_allclose(r["sii"], expected["sii"], rtol=1e-9, atol=1e-9)
    with_rii = kwargs.get("rii", True)
    if with_rii:
        np.testing.assert_allclose(r["rii"], expected["rii"], rtol=1e-9, atol=1e-9)
    else:
        assert "rii" not in r
    if expected["Intercept"].notna().all():
        np.testing.assert_allclose(r["intercept"], expected["Intercept"], rtol=1e-9)
    confidence = kwargs.get("confidence", 0.95)
    for stat in ["sii", "rii"] if with_rii else ["sii"]:
        lo, hi = expected[f"{stat}_lowercl_{level}"], expected[f"{stat}_uppercl_{level}"]
        tol = mc_tolerance(lo, hi, confidence, int(d["Repetitions"].iloc[0]))
        assert (np.abs(r[f"{stat}_ci_low"] - lo) < tol).all(), (stat, r[f"{stat}_ci_low"].tolist(), lo.tolist())
        assert (np.abs(r[f"{stat}_ci_high"] - hi) < tol).all(), (stat, r[f"{stat}_ci_high"].tolist(), hi.tolist())


def test_quintiles_point_estimates():
    d = rows(61, 10)
    r = run(d, **SE).set_index("Area")
    np.testing.assert_allclose(r["sii"], [7.919334, 3.621556], atol=1e-6)


def test_se_from_limits_equals_se_given_up_to_rounding_of_the_inputs():
    a, b = run(rows(1), **SE), run(rows(1), **CLS)
    np.testing.assert_allclose(a["sii"], b["sii"])
    np.testing.assert_allclose(a["sii_ci_low"], b["sii_ci_low"], atol=0.01)


def test_areas_in_one_call_equal_areas_alone_and_seed_is_reproducible():
    d = rows(1)
    together = run(d, **SE)
    alone = pd.concat([run(d[d["Area"] == a], **SE) for a in ["area1", "area2"]], ignore_index=True)
    pd.testing.assert_frame_equal(together, alone)
    pd.testing.assert_frame_equal(run(d, **SE), together)
    other_seed = run(d, **SE, seed=2)
    np.testing.assert_allclose(other_seed["sii"], together["sii"])
    assert not np.allclose(other_seed["sii_ci_low"], together["sii_ci_low"], rtol=0, atol=1e-9)


def test_most_deprived_last_reverses_the_labels():
    d = rows(1)
    flipped = d.assign(Quantile=11 - d["Quantile"])
    pd.testing.assert_frame_equal(run(flipped, **SE, most_deprived_first=False), run(d, **SE))
    assert (run(flipped, **SE)["sii"] < 0).all()  # read the other way round the gradient reverses


@pytest.mark.parametrize("first", [1, 71])  # linear (normal) and non-linear (rate) simulations
def test_results_do_not_depend_on_memory_blocks(monkeypatch, first):
    import diagnostics.methods.inequality as inequality

    d = rows(first)
    full = run(d, **SE)
    monkeypatch.setattr(inequality, "_BLOCK_DRAWS", 1)  # one area per block
    monkeypatch.setattr(inequality, "_CHUNK_DRAWS", 1)
    pd.testing.assert_frame_equal(run(d, **SE), full)


@pytest.mark.parametrize(
    "first, reason",
    [
        (151, REASON_POPULATION),  # negative population
        (161, REASON_MISSING_VALUE),  # negative standard error
        (181, REASON_MISSING_VALUE),  # missing values
        (201, REASON_POPULATION),  # a missing population (and a missing value)
    ],
)
def test_invalid_areas_get_a_reason_and_nan(first, reason):
    d = pd.concat([rows(first, 10).assign(Area="bad"), rows(1, 10)])
    r = run(d, **SE, value_type="normal").set_index("Area")
    assert r.loc["bad", "reason"] == reason
    assert r.loc["bad", ["sii", "sii_ci_low", "rii"]].isna().all()
    assert r.loc["area1", "sii"] == pytest.approx(6.934616474, abs=1e-6)


def test_missing_quantile_and_quantile_count():
    d = rows(1)
    r = run(d[~((d["Area"] == "area2") & (d["Quantile"] == 4))], **SE).set_index("Area")
    assert r.loc["area2", "reason"] == REASON_MISSING_QUANTILE and np.isnan(r.loc["area2", "sii"])
    assert r.loc["area1", "reason"] == ""
    fifteen = run(rows(211, 15), **SE)  # PHE warns above 10 quantiles but computes
    assert np.isfinite(fifteen["sii"]).all()
    with pytest.raises(ValueError, match="5 to 100 quantiles"):
        run(rows(1, 4), **SE)
