"""The social gradient of mortality on ten communes in five FDep quintiles: observed and expected deaths by
hand, the ICM of each quintile, SII and RII equal to the weighted regression written out, « large enough »
reasons, and the secret statistique of the quintiles (a small part masks them all; a summary is masked when
it would give a masked part back)."""

import numpy as np
import pandas as pd
import pytest

from diagnostics.indicators.common import add_comparators
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.social_gradient import (
    REASON_QUINTILES,
    commune_observed_expected,
    gradient_indicators,
    large_enough,
)
from diagnostics.methods.disclosure import partly_masked_summary_suppression
from diagnostics.territories.areas import area_list

YEARS = [2019, 2020, 2021, 2022, 2023]
BANDS = ["40-44", "70-74"]  # one band before 65, one after
FR_RATE = {("M", "40-44"): 0.002, ("F", "40-44"): 0.001, ("M", "70-74"): 0.03, ("F", "70-74"): 0.02}
# commune → (quintile, population of each sex and band per year, deaths per year of each band)
COMMUNES = {
    "01001": (1, 1000, (1, 12)),
    "01002": (1, 800, (1, 9)),
    "01003": (2, 900, (2, 12)),
    "01004": (2, 700, (1, 10)),
    "01005": (3, 1100, (2, 16)),
    "01006": (3, 600, (1, 9)),
    "01007": (4, 1200, (3, 20)),
    "01008": (4, 500, (1, 8)),
    "01009": (5, 1000, (3, 19)),
    "01010": (5, 900, (3, 17)),
    "01011": (None, 60, (0, 1)),  # no FDep (Filosofi secret)
}


def tables():
    pop, deaths = [], []
    for commune, (_, n, (young, old)) in COMMUNES.items():
        for year in YEARS:
            for sex in ("M", "F"):
                for band, d in zip(BANDS, (young, old)):
                    pop.append((commune, year, sex, band, float(n)))
                    deaths.append((commune, year, sex, band, d))
    population = pd.DataFrame(pop, columns=["commune", "year", "sex", "age_band", "population"])
    deaths = pd.DataFrame(deaths, columns=["commune", "year", "sex", "age_band", "deaths"])
    france = pd.DataFrame(
        [(y, s, b, 1e6, 1e6 * r) for y in YEARS for (s, b), r in FR_RATE.items()],
        columns=["year", "sex", "age_band", "population", "deaths"],
    )
    deprivation = pd.DataFrame(
        {"commune": list(COMMUNES), "quintile": pd.array([q for q, _, _ in COMMUNES.values()], dtype="Int64")}
    )
    territories = pd.DataFrame(
        [("T", c) for c in COMMUNES] + [("S", c) for c in ("01001", "01002", "01003")],
        columns=["territory_code", "commune"],
    )
    return deaths, population, france, deprivation, territories


def by_hand(bands):
    """Observed, expected and person-years of each quintile (and of the commune without FDep)."""
    out = {}
    for _, (q, n, (young, old)) in COMMUNES.items():
        key = "sans_fdep" if q is None else f"q{q}"
        o = e = py = 0.0
        for sex in ("M", "F"):
            for band, d in zip(BANDS, (young, old)):
                if band in bands:
                    o += d * len(YEARS)
                    e += n * FR_RATE[(sex, band)] * len(YEARS)
                    py += n * len(YEARS)
        a = out.setdefault(key, [0.0, 0.0, 0.0])
        a[0], a[1], a[2] = a[0] + o, a[1] + e, a[2] + py
    return out


def test_observed_and_expected_of_a_commune():
    deaths, population, france, *_ = tables()
    com = commune_observed_expected(deaths, population, france, YEARS, None).set_index("commune")
    # 01001: 5 years × 2 sexes × (1 + 12) deaths; expected 5 × 1000 × (0,002 + 0,001 + 0,03 + 0,02)
    assert com.loc["01001", "deaths"] == 5 * 2 * 13
    assert com.loc["01001", "expected"] == pytest.approx(5 * 1000 * 0.053)
    assert com.loc["01001", "population"] == 5 * 4 * 1000
    young = commune_observed_expected(deaths, population, france, YEARS, ["40-44"]).set_index("commune")
    assert young.loc["01001", "deaths"] == 10 and young.loc["01001", "expected"] == pytest.approx(5 * 1000 * 0.003)


def test_icm_by_quintile_and_the_sii_of_the_weighted_regression():
    out = gradient_indicators(*tables(), period_years=5, threshold=5)  # the commune without FDep: 10 deaths
    t = out[(out.territory_code == "T") & (out.indicator == "mortality_icm_by_deprivation")].set_index("category")
    hand = by_hand(BANDS)
    assert sorted(t.index) == ["q1", "q2", "q3", "q4", "q5", "sans_fdep"]
    for category, (o, e, _) in hand.items():
        assert (t.loc[category, "numerator"], t.loc[category, "denominator"]) == pytest.approx((o, e))
        assert t.loc[category, "value"] == pytest.approx(100 * o / e)
        assert t.loc[category, "period"] == "2019-2023"
    # the regression written out: quintiles from the most deprived (Q5), weights = person-years shares
    order = [f"q{k}" for k in (5, 4, 3, 2, 1)]
    y = np.array([100 * hand[q][0] / hand[q][1] for q in order])
    a = np.array([hand[q][2] for q in order]) / sum(hand[q][2] for q in order)
    b = np.cumsum(a) - a / 2
    slope = (a * (b - a @ b) * (y - a @ y)).sum() / (a * (b - a @ b) ** 2).sum()
    most_deprived_end = a @ y - slope * (a @ b)
    sii = out[(out.territory_code == "T") & (out.indicator == "mortality_icm_sii")].iloc[0]
    rii = out[(out.territory_code == "T") & (out.indicator == "mortality_icm_rii")].iloc[0]
    assert sii.value == pytest.approx(-slope) and sii.value > 0  # higher mortality at the deprived end
    assert rii.value == pytest.approx(most_deprived_end / (most_deprived_end + slope))
    assert sii.ci_low < sii.value < sii.ci_high and rii.ci_low < rii.value < rii.ci_high
    assert (sii.unit, rii.unit, sii.category) == ("points d'ICM", "rapport", "total")
    # same draws (fixed seed): the same limits on a second run
    again = gradient_indicators(*tables(), period_years=5, threshold=5)
    assert again.equals(out)


def test_an_area_without_the_five_quintiles_has_no_sii_and_says_why():
    out = gradient_indicators(*tables(), period_years=5, threshold=5)
    assert out[(out.territory_code == "S") & out.indicator.str.endswith(("_sii", "_rii"))].empty
    reasons = large_enough(out[out.indicator == "mortality_icm_by_deprivation"], 5)
    assert reasons["S"] == REASON_QUINTILES and reasons["T"] == ""
    # premature deaths: 20 to 60 per quintile over the five years, below a threshold of 200
    assert large_enough(out[out.indicator == "premature_mortality_icm_by_deprivation"], 200)["T"] == (
        "moins de 200 décès dans au moins un quintile"
    )


def test_a_small_part_leaves_out_every_part_but_not_the_sii():
    deaths, population, france, deprivation, territories = tables()
    out = gradient_indicators(deaths, population, france, deprivation, territories, 5, 11)
    # the commune without FDep: 5 × 2 × 1 = 10 deaths (< 11): the secret would mask every quintile (the total
    # minus the published quintiles gives it back): none of T's parts is produced, its SII is
    mine = out[out.territory_code == "T"]
    assert mine[mine.indicator == "mortality_icm_by_deprivation"].empty
    assert len(mine[mine.indicator.isin(["mortality_icm_sii", "mortality_icm_rii"])]) == 2
    # 0 premature deaths there: nothing to protect, the six parts are produced and published
    meta = indicator_metadata()
    published = add_comparators(
        out,
        area_list(
            territories.assign(territory_name="", kind="", departement_code=None, region_code=None, reported=True)
        ),
        {k: bool(v["tested"]) for k, v in meta.items()},
        11,
        {k for k, v in meta.items() if v["count_based"]},
    )
    premature = published[(published.territory_code == "T") & (published.indicator.str.startswith("premature"))]
    assert len(premature) == 6 + 2 and not premature.small_count.any()
    # S (three communes, Q1 and Q2): its parts are large enough; no SII (two quintiles only)
    assert set(published.loc[published.territory_code == "S", "category"]) == {"q1", "q2"}


def test_a_summary_is_masked_when_some_of_its_parts_are():
    rows = pd.DataFrame(
        {
            "territory_code": ["T"] * 7 + ["U"] * 2,
            "indicator": ["mortality_icm_by_deprivation"] * 5
            + ["mortality_icm_sii", "mortality_icm_rii"]
            + ["mortality_icm_by_deprivation", "mortality_icm_sii"],
            "sex": "ensemble",
            "period": "2019-2023",
        }
    )
    small = pd.Series([True, False, False, False, False, False, False, True, False])
    out = partly_masked_summary_suppression(
        small, rows, "mortality_icm_by_deprivation", ["mortality_icm_sii", "mortality_icm_rii"]
    )
    assert out.tolist() == [True, False, False, False, False, True, True, True, False]  # U: every part masked


def test_life_expectancy_of_a_quintile_is_the_life_table_of_its_communes(demo_tables):
    """The région's Q5 life expectancy equals the one the health family computes for a territory made of
    exactly the région's Q5 communes; its SII is the weighted regression of the five, least − most deprived."""
    from diagnostics.indicators.compute import health_life_table_inputs
    from diagnostics.indicators.life_expectancy import life_expectancy_indicators

    t = demo_tables
    ind = t["indicators"]
    le = ind[(ind.territory_code == "REG-96") & (ind.indicator == "life_expectancy_0_by_deprivation")]
    le = le.set_index("category")
    dep = t["deprivation"]
    region = t["territories"][t["territories"].territory_code == "REG-96"]
    for q in (1, 5):
        members = set(dep.loc[dep.quintile == q, "commune"]) & set(region["commune"])
        own = region[region.commune.isin(members)].assign(territory_code=f"Q{q}")
        inputs = health_life_table_inputs({**t, "territories": own})
        direct = life_expectancy_indicators(inputs[inputs.sex == "ensemble"])
        direct = direct[(direct.indicator == "life_expectancy_0") & (direct.territory_code == f"Q{q}")].iloc[0]
        assert le.loc[f"q{q}", "value"] == pytest.approx(direct.value, abs=1e-9)
        assert (le.loc[f"q{q}", "ci_low"], le.loc[f"q{q}", "ci_high"]) == pytest.approx((direct.ci_low, direct.ci_high))
        assert le.loc[f"q{q}", "numerator"] == direct.numerator
    assert le.loc["q5", "value"] < le.loc["q1", "value"] - 2  # the demo's gradient: about three years
    order = [f"q{k}" for k in (5, 4, 3, 2, 1)]
    y = le.loc[order, "value"].to_numpy()
    a = le.loc[order, "denominator"].to_numpy() / le.loc[order, "denominator"].sum()
    b = np.cumsum(a) - a / 2
    slope = (a * (b - a @ b) * (y - a @ y)).sum() / (a * (b - a @ b) ** 2).sum()
    sii = ind[(ind.territory_code == "REG-96") & (ind.indicator == "life_expectancy_0_sii")].iloc[0]
    assert sii.value == pytest.approx(slope) and sii.ci_low > 0  # positive: shorter lives at the deprived end
    assert sii.unit == "années"
