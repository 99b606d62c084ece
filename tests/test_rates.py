"""Statistics checked against PHEindicatormethods 2.1.0 reference vectors.

Source: ukhsa-collaboration/PHEindicatormethods, commit 093fd288d8f8949dbcfbed70049dbbf385b6141d,
tests/testthat/testdata_*.xlsx (GPL-3; only numbers copied, as in ../shared/reference/phe_vectors).
Case ids refer to the CSV files of that folder. Relative tolerance 1e-8.
"""

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods import rates

REL = 1e-8

# dsr_inputs.csv (testdata_multiarea): counts of areas big / small / tiny, shared pop and ESP2013.
POP = [636, 558, 609, 543, 384, 594, 669, 843, 660, 576, 606, 522, 426, 273, 300, 288, 153, 123, 207]
ESP2013 = [
    5000,
    5500,
    5500,
    5500,
    6000,
    6000,
    6500,
    7000,
    7000,
    7000,
    7000,
    6500,
    6000,
    5500,
    5000,
    4000,
    2500,
    1500,
    1000,
]
COUNTS = {
    "big": [127, 25, 18, 21, 12, 27, 48, 27, 29, 32, 32, 34, 45, 65, 38, 68, 74, 82, 91],
    "small": [12, 4, 3, 2, 3, 4, 8, 2, 2, 3, 4, 5, 6, 8, 5, 6, 5, 5, 4],
    "tiny": [0, 0, np.nan, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 1, 1, 2, 3],
}
# isr_refdata.csv
REFCOUNT = [
    10303,
    2824,
    0,
    3615,
    3641,
    3490,
    3789,
    3213,
    3031,
    2771,
    3089,
    3490,
    3595,
    4745,
    5514,
    7125,
    5694,
    6210,
    5757,
]
REFPOP = [
    50520,
    57173,
    60213,
    54659,
    44345,
    50128,
    62163,
    67423,
    62899,
    55463,
    60479,
    49974,
    44140,
    40888,
    37239,
    30819,
    18136,
    15325,
    13918,
]


def _dsr_input():
    rows = []
    for area, counts in COUNTS.items():
        for band, (x, n, w) in enumerate(zip(counts, POP, ESP2013)):
            rows.append({"area": area, "band": band, "deaths": x, "population": n, "standard_population": w})
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    "area, total, value, lo, hi",
    [  # dsr_05, dsr_06, dsr_07 (multiplier 100000, 95 %)
        ("big", 895, 10430.247991469423, 9717.709067985681, 11178.94091547925),
        ("small", 91, 1103.212025300104, 877.455767536709, 1367.0882227251795),
        ("tiny", 9, np.nan, np.nan, np.nan),
    ],
)
def test_dsr_matches_phe(area, total, value, lo, hi):
    out = rates.directly_standardised_rate(_dsr_input(), by=["area"]).set_index("area").loc[area]
    assert out["numerator"] == total
    assert out["denominator"] == 8970
    np.testing.assert_allclose([out["value"], out["ci_low"], out["ci_high"]], [value, lo, hi], rtol=REL)


def test_dsr_998_and_per_10000():
    # dsr_01: multiplier 10000 with 99.8 % limits
    out = rates.directly_standardised_rate(_dsr_input(), by=["area"], multiplier=10_000, confidence=0.998)
    big = out.set_index("area").loc["big"]
    np.testing.assert_allclose(
        [big["value"], big["ci_low"], big["ci_high"]],
        [1043.0247991469423, 932.3287880219904, 1162.0595999522059],
        rtol=REL,
    )


def test_dsr_with_deaths_but_no_population_in_a_band_is_not_computable():
    d = _dsr_input()
    d.loc[0, "population"] = 0
    out = rates.directly_standardised_rate(d, by=["area"]).set_index("area")
    area = d.loc[0, "area"]
    assert np.isnan(out.loc[area, "value"]) and "tranche d'âge sans population" in out.loc[area, "method"]
    others = out.drop(index=area)
    assert not others["method"].str.contains("sans population").any()
    assert others.loc[others["numerator"] >= 10, "value"].notna().all()
    d.loc[0, "population"] = -1
    with pytest.raises(ValueError, match="population must be >= 0"):
        rates.directly_standardised_rate(d, by=["area"])


@pytest.mark.parametrize(
    "area, observed, value, lo, hi, method",
    [  # isratio_04 .. isratio_06 (refvalue 100, i.e. the ICM convention)
        ("big", 895, 107.07232939020275, 100.17147712553987, 114.3233287249895, "Byars"),
        ("small", 91, 10.886683770400502, 8.765040101829404, 13.366576328418912, "Byars"),
        ("tiny", 9, 1.0767049882813684, 0.4923380825095776, 2.043921455549973, "Exact"),
    ],
)
def test_icm_matches_phe(area, observed, value, lo, hi, method):
    pop = np.array(POP, float)
    expected = np.sum(pop * np.array(REFCOUNT) / np.array(REFPOP))
    np.testing.assert_allclose(expected, 835.8835612311743, rtol=REL)
    o = np.nansum(COUNTS[area])
    assert o == observed
    out = rates.indirectly_standardised_ratio([o], [expected], refvalue=100).iloc[0]
    np.testing.assert_allclose([out["value"], out["ci_low"], out["ci_high"]], [value, lo, hi], rtol=REL)
    assert out["method"] == method


@pytest.mark.parametrize(
    "x, conf, lo, hi",
    [  # byars_wilson_expected.csv bw_01 .. bw_06
        (65, 0.95, 50.163187710459454, 82.84913854593984),
        (1045, 0.95, 982.5932018073325, 1110.33121298565),
        (1, 0.95, 0.01307213290150435, 5.5637555824752605),
        (65, 0.998, 42.8802614714802, 94.00029084431802),
        (1045, 0.998, 947.9407035610374, 1148.806160988033),
        (10, 0.998, 2.916318374695686, 24.193724927880535),
    ],
)
def test_byars_limits(x, conf, lo, hi):
    got_lo, got_hi = rates.byars_limits([x], conf)
    np.testing.assert_allclose([got_lo[0], got_hi[0]], [lo, hi], rtol=REL)


def test_byars_negative_lower_is_nan():
    # bw_13: x = 1 at 99.8 %, the lower limit goes negative
    lo, hi = rates.byars_limits([1], 0.998)
    assert np.isnan(lo[0])
    np.testing.assert_allclose(hi[0], 9.362180217908362, rtol=REL)


@pytest.mark.parametrize(
    "x, n, conf, lo, hi",
    [  # bw_07, bw_08, bw_10, bw_11, and prop_01..prop_03, prop_07 (multiplier 1)
        (65, 100, 0.95, 0.5525444329688797, 0.7363575175690247),
        (1045, 5000, 0.95, 0.19795549880013297, 0.22049130373189027),
        (65, 100, 0.998, 0.4954946574070431, 0.7783540614089697),
        (1045, 5000, 0.998, 0.19179381799015244, 0.22731562902525818),
        (1, 100, 0.95, 0.0017674320641406511, 0.054486196178705294),
        (5, 100, 0.95, 0.02154367915436798, 0.11175046923191911),
        (20, 100, 0.95, 0.1333669333310325, 0.28882916559315885),
        (222, 3215, 0.95, 0.060791690363636595, 0.07833956681383633),
    ],
)
def test_wilson(x, n, conf, lo, hi):
    out = rates.wilson_proportion([x], [n], multiplier=1, confidence=conf).iloc[0]
    np.testing.assert_allclose([out["ci_low"], out["ci_high"]], [lo, hi], rtol=REL)
    assert out["value"] == pytest.approx(x / n, rel=REL)


@pytest.mark.parametrize(
    "x, n, mult, value, lo, hi, method",
    [  # rate_expected.csv rate_01..rate_04, rate_07, rate_09..rate_11
        (1, 100, 100, 1, 0.025317807984289897, 5.571643390938898, "Exact"),
        (5, 100, 100, 5, 1.62348639011842, 11.668332079322669, "Exact"),
        (20, 100, 100, 20, 12.211428834875937, 30.889880369197066, "Byars"),
        (65, 100, 100, 65, 50.163187710459454, 82.84913854593984, "Byars"),
        (222, 3215, 100, 6.905132192846033, 6.026574877652675, 7.87572937087185, "Byars"),
        (1, 100, 100000, 1000, 25.317807984289896, 5571.643390938898, "Exact"),
        (5, 100, 100000, 5000, 1623.4863901184199, 11668.332079322669, "Exact"),
        (20, 100, 100000, 20000, 12211.428834875936, 30889.880369197064, "Byars"),
    ],
)
def test_crude_rate(x, n, mult, value, lo, hi, method):
    out = rates.crude_rate([x], [n], multiplier=mult).iloc[0]
    np.testing.assert_allclose([out["value"], out["ci_low"], out["ci_high"]], [value, lo, hi], rtol=REL)
    assert out["method"] == method


def test_exact_limits_of_zero():
    lo, hi = rates.exact_poisson_limits([0])
    assert lo[0] == 0
    np.testing.assert_allclose(hi[0], 3.688879454113936, rtol=REL)  # chi2(0.975, 2)/2


def test_significance_convention():
    got = rates.significance(
        [101, 90, 95, np.nan, 101],
        [110, 99, 105, np.nan, 110],
        [100, 100, 100, 100, 100],
        tested=[True, True, True, True, False],
    )
    assert list(got) == [
        "supérieur",
        "inférieur",
        "pas de différence significative",
        "non calculable",
        "non testé",
    ]


def test_confidence_level_validation():
    assert rates.z_value(95) == pytest.approx(1.959963984540054, rel=1e-12)
    with pytest.raises(ValueError):
        rates.z_value(0.5)
