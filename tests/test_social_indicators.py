"""Social context indicators on a handful of communes, every figure recomputed by hand: census shares with
their Wilson interval (France only from a national file), Filosofi's own-level values, whole EPCI combined,
communes combined with their coverage, secret cells never filled in; FDep quintile shares and mean."""

import math

import numpy as np
import pandas as pd
import pytest

from diagnostics.indicators.social import (
    LEVEL_ESTIMATE,
    census_indicators,
    deprivation_indicators,
    filosofi_indicators,
    filosofi_ways,
)

# three EPCI: E1 (01001, 01002) and E2 (01003, 01004, 01005) in département 01, E3 (02001) in département 02
COMMUNES = pd.DataFrame(
    {
        "commune": ["01001", "01002", "01003", "01004", "01005", "02001"],
        "epci_code": ["200000001", "200000001", "200000002", "200000002", "200000002", "200000003"],
        "departement_code": ["01"] * 5 + ["02"],
        "region_code": ["84"] * 6,
    }
)


def territories(areas: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(code, c) for code, members in areas.items() for c in members], columns=["territory_code", "commune"]
    )


AREAS = territories(
    {
        "COM-A": ["01001"],
        "EPCI-2": ["01003", "01004", "01005"],
        "DEP-01": ["01001", "01002", "01003", "01004", "01005"],
        "TS": ["01001", "01002", "02001"],  # E1 and E3: whole EPCI, no unit of its own
        "CLS": ["01002", "01004", "01005"],
        "CLS-PETIT": ["01002", "01005"],
    }
)


def row(df, code, indicator, period=None):
    d = df[(df.territory_code == code) & (df.indicator == indicator)]
    if period is not None:
        d = d[d.period == period]
    assert len(d) == 1, (code, indicator, len(d))
    return d.iloc[0]


def test_census_shares_are_sums_of_the_communes_with_wilson_limits():
    census = pd.DataFrame(
        {
            "commune": ["01003", "01004", "01005"],
            "year": 2021,
            "unemployment_rate_numerator": [120.5, 30.25, 9.25],
            "unemployment_rate_denominator": [1000.0, 250.0, 50.0],
        }
    )
    out = census_indicators(census, AREAS[AREAS.territory_code.isin(["EPCI-2", "CLS", "DEP-01"])])
    r = row(out, "EPCI-2", "unemployment_rate")
    x, n, z = 160.0, 1300.0, 1.959963984540054
    centre, half = 2 * x + z**2, z * math.sqrt(z**2 + 4 * x * (1 - x / n))
    assert (r.numerator, r.denominator, r.period, r.unit) == (160.0, 1300.0, "2021", "%")
    assert r.value == pytest.approx(100 * 160 / 1300)  # 12,3 %
    assert r.ci_low == pytest.approx(100 * (centre - half) / (2 * (n + z**2)))
    assert r.ci_high == pytest.approx(100 * (centre + half) / (2 * (n + z**2)))
    assert (round(r.ci_low, 2), round(r.ci_high, 2)) == (10.63, 14.21)
    # DEP-01 and CLS miss communes of the file (01001, 01002): no value rather than that of some of their communes
    assert out[out.territory_code.isin(["DEP-01", "CLS"])].empty
    assert "FRANCE" not in set(out.territory_code)  # a regional file does not give France


def test_a_national_census_file_gives_france_as_the_sum_of_its_communes():
    prefixes = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B"]  # the 96 départements of mainland France
    census = pd.DataFrame(
        {
            "commune": [p + "001" for p in prefixes],
            "year": 2021,
            "share_80_plus_alone_numerator": 40.0,
            "share_80_plus_alone_denominator": 100.0,
        }
    )
    census.loc[0, "share_80_plus_alone_numerator"] = 4.0
    out = census_indicators(census, AREAS[AREAS.territory_code == "COM-A"])
    france = row(out, "FRANCE", "share_80_plus_alone")
    assert (france.numerator, france.denominator) == (40.0 * 95 + 4.0, 9600.0)
    assert row(out, "COM-A", "share_80_plus_alone").value == pytest.approx(4.0)


FILOSOFI = pd.DataFrame(
    [
        # level, code, households, persons, median, poverty rate (%)
        ("COM", "01001", 2000, 4500, 21000, 18.0),
        ("COM", "01002", 40, 90, np.nan, np.nan),  # whole row « s »
        ("COM", "01003", 3000, 6900, 23000, 12.0),
        ("COM", "01004", 600, 1400, 25000, np.nan),  # poverty rate « s »
        ("COM", "01005", 300, 700, 24000, np.nan),
        ("COM", "02001", 1800, 4000, 19000, 24.0),
        ("EPCI", "200000001", 2040, 4600, 20900, 18.2),
        ("EPCI", "200000002", 3900, 9000, 23600, 11.1),
        ("EPCI", "200000003", 1800, 4000, 19000, 24.0),
        ("DEP", "01", 5940, 13600, 22400, 13.5),
        ("METRO", "METRO", 29e6, 64e6, 22400, 14.5),
    ],
    columns=["level", "code", "households", "population", "median_income", "poverty_rate"],
).assign(year=2021, consumption_units=np.nan)
POPULATION = pd.DataFrame(
    {"commune": COMMUNES.commune, "year": 2021, "population": [4600.0, 100.0, 7000.0, 1450.0, 720.0, 4100.0]}
)


def test_each_area_gets_its_own_level_else_whole_epci_else_its_communes():
    ways = filosofi_ways(AREAS, COMMUNES)
    own = ways[ways.way == "own"].set_index("territory_code")
    assert own.loc["COM-A", ["level", "code"]].tolist() == ["COM", "01001"]
    assert own.loc["EPCI-2", ["level", "code"]].tolist() == ["EPCI", "200000002"]
    assert own.loc["DEP-01", ["level", "code"]].tolist() == ["DEP", "01"]
    assert "TS" not in own.index and "CLS" not in own.index
    epci = ways[ways.way == "EPCI"]
    assert sorted(epci[epci.territory_code == "TS"].code) == ["200000001", "200000003"]
    assert "CLS" not in set(epci.territory_code)  # 01004 and 01005 without 01003: not a whole EPCI


def test_filosofi_values_own_combined_or_from_communes_never_filling_a_secret_cell():
    out = filosofi_indicators(FILOSOFI, AREAS, COMMUNES, POPULATION)
    # own level: published values, not estimates
    r = row(out, "EPCI-2", "median_income")
    assert (r.value, r.level, r.method) == (23600, "", "Filosofi 2021, valeur publiée (EPCI)")
    assert row(out, "DEP-01", "poverty_rate").value == 13.5
    assert row(out, "FRANCE", "median_income").method == "Filosofi 2021, valeur publiée (France métropolitaine)"
    # TS, union of E1 and E3: poverty exact (poor persons / persons), median a weighted mean flagged
    r = row(out, "TS", "poverty_rate")
    assert r.value == pytest.approx((18.2 * 4600 + 24.0 * 4000) / 8600) and r.level == ""
    assert r.method == "Filosofi 2021, taux de pauvreté de 2 EPCI agrégé (personnes pauvres / personnes)"
    r = row(out, "TS", "median_income")
    assert r.value == pytest.approx((20900 * 4600 + 19000 * 4000) / 8600) and r.level == LEVEL_ESTIMATE
    # CLS (01002 secret, 01004, 01005): median from the two published communes, 2 170 of 2 270 inhabitants
    r = row(out, "CLS", "median_income")
    assert r.value == pytest.approx((25000 * 1400 + 24000 * 700) / 2100) and r.level == LEVEL_ESTIMATE
    assert r.method.endswith("1 commune(s) au secret statistique, 96\u00a0% de la population couverte")
    # its poverty rate is published for none of its communes: no value at all
    assert out[(out.territory_code == "CLS") & (out.indicator == "poverty_rate")].empty
    # CLS-PETIT: 01005 (720 inhabitants) of 820: 88 % ≥ 80 %; the secret 01002 is left out, not filled in
    r = row(out, "CLS-PETIT", "median_income")
    assert (r.value, r.level) == (24000, LEVEL_ESTIMATE)


def test_filosofi_coverage_below_80_percent_gives_no_value():
    pop = POPULATION.assign(
        population=[4600.0, 500.0, 7000.0, 1450.0, 720.0, 4100.0]
    )  # 01002 larger: 720 / 1 220 = 59 %
    out = filosofi_indicators(FILOSOFI, AREAS, COMMUNES, pop)
    assert out[(out.territory_code == "CLS-PETIT") & (out.indicator == "median_income")].empty


def test_deprivation_shares_and_mean_by_hand():
    deprivation = pd.DataFrame(
        {
            "commune": COMMUNES.commune,
            "year": 2021,
            "population": [4500.0, np.nan, 6900.0, 1400.0, 700.0, 4000.0],
            "fdep": [1.5, np.nan, -0.5, -1.0, 0.2, 2.0],
            "quintile": pd.array([5, pd.NA, 2, 1, 3, 5], dtype="Int64"),
        }
    )
    out = deprivation_indicators(deprivation, POPULATION, AREAS)
    cls = {i: row(out, "CLS", i).value for i in out.indicator.unique()}
    total = 100 + 1450 + 720
    assert cls["share_population_fdep_q1"] == pytest.approx(100 * 1450 / total)
    assert cls["share_population_fdep_q3"] == pytest.approx(100 * 720 / total)
    assert cls["share_population_fdep_q5"] == 0.0 and cls["share_population_fdep_q2"] == 0.0
    assert cls["deprivation_fdep"] == pytest.approx((-1.0 * 1450 + 0.2 * 720) / (1450 + 720))  # 01002: no FDep
    assert row(out, "CLS", "share_population_fdep_q1").period == "2021"
    assert "FRANCE" not in set(out.territory_code)  # the index of these communes is not France's


def test_a_national_index_gives_france_its_shares_and_mean_from_the_index_weights():
    deprivation = pd.DataFrame(
        {
            "commune": ["01001", "01003", "75056", "13055"],
            "year": 2021,
            "population": [4500.0, 6900.0, 2_100_000.0, np.nan],  # Marseille's median secret: no weight, no FDep
            "fdep": [1.5, -0.5, -1.2, np.nan],
            "quintile": pd.array([5, 2, 1, pd.NA], dtype="Int64"),
        }
    )
    out = deprivation_indicators(deprivation, POPULATION, AREAS, national=True)
    total = 4500 + 6900 + 2_100_000
    assert row(out, "FRANCE", "share_population_fdep_q1").value == pytest.approx(100 * 2_100_000 / total)
    assert row(out, "FRANCE", "share_population_fdep_q5").value == pytest.approx(100 * 4500 / total)
    assert row(out, "FRANCE", "deprivation_fdep").value == pytest.approx(
        (1.5 * 4500 - 0.5 * 6900 - 1.2 * 2.1e6) / total
    )
