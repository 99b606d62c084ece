"""Life expectancy (Chiang II + Silcocks) against PHEindicatormethods' published vectors.

Reference numbers (not code) from ukhsa-collaboration/PHEindicatormethods 2.1.0, GPL-3,
tests/testthat/testLifeExpectancy.R: df1 with answer1, and df_widecis_plus with answer_widecis.
"""

import numpy as np
import pandas as pd
import pytest

from diagnostics.methods.life_table import (
    REASON_DEATHS_ABOVE_POPULATION,
    REASON_INCOMPLETE,
    REASON_MISSING,
    REASON_NEGATIVE_DEATHS,
    REASON_NO_DEATH_OPEN_BAND,
    REASON_SMALL_POPULATION,
    REASON_WIDE_CI,
    REASON_ZERO_POPULATION,
    band_start_ages,
    life_expectancy,
    pool_open_band,
)

AGES = [0, 1] + list(range(5, 95, 5))
DF1_LABELS = ["0", "1-4"] + [f"{a}-{a + 4}" for a in range(5, 90, 5)] + ["90+"]
DF1_POP = [
    7060,
    35059,
    46974,
    48489,
    43219,
    38561,
    46009,
    57208,
    61435,
    55601,
    50209,
    56416,
    46411,
    39820,
    37978,
    37039,
    33288,
    23306,
    11936,
    11936,
]
DF1_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 71, 100, 163, 263, 304, 536, 872, 1390, 1605, 1936, 1937]
# answer1: e and its 95 % limits at each start age
DF1_E = [
    80.16960813,
    79.36245674,
    75.44193645,
    70.47299936,
    65.52909542,
    60.67510088,
    55.78835987,
    50.92752727,
    46.06740425,
    41.24505636,
    36.49322717,
    31.83343842,
    27.26027992,
    22.9719144,
    18.76856852,
    14.95858336,
    11.51684445,
    8.618849241,
    6.163942934,
    6.16210635,
]
DF1_LOW = [
    79.88268548,
    79.0898816,
    75.17407307,
    70.20675732,
    65.26548673,
    60.41876577,
    55.53801579,
    50.68279939,
    45.82666794,
    41.00842831,
    36.26223216,
    31.60996318,
    27.04337271,
    22.76653134,
    18.57570352,
    14.77985004,
    11.34831778,
    8.451134045,
    5.978358351,
    5.887683386,
]
DF1_HIGH = [
    80.45653078,
    79.63503188,
    75.70979983,
    70.7392414,
    65.79270412,
    60.931436,
    56.03870395,
    51.17225516,
    46.30814055,
    41.48168441,
    36.72422219,
    32.05691365,
    27.47718713,
    23.17729746,
    18.96143352,
    15.13731667,
    11.68537112,
    8.786564437,
    6.349527517,
    6.436529314,
]

# df_widecis_plus, "Area 2" (valid, but small): LE suppressed from age 40 on (CI > 20 years)
WIDE_POP = [270, 235, 246, 248, 243, 238, 246, 257, 261, 355, 350, 356, 346, 339, 337, 337, 333, 323, 311, 311]
WIDE_DEATHS = [17, 9, 4, 8, 20, 15, 24, 33, 50, 51, 10, 16, 26, 30, 36, 22, 13, 5, 6, 1]
WIDE_E = [
    19.22914685,
    19.44120610,
    18.33467808,
    14.67659995,
    11.81284556,
    11.63815414,
    10.05641628,
    9.93152356,
    11.95846561,
]
WIDE_LOW = [
    16.43900644,
    16.53437505,
    15.62922550,
    12.08108630,
    9.21823373,
    8.68414661,
    6.54020385,
    4.71570153,
    2.37762283,
]
WIDE_HIGH = [
    22.01928726,
    22.34803716,
    21.04013066,
    17.27211361,
    14.40745738,
    14.59216167,
    13.57262872,
    15.14734559,
    21.53930839,
]


def table(pop=DF1_POP, deaths=DF1_DEATHS, ages=AGES, **groups):
    return pd.DataFrame({**groups, "age_band_start": ages, "population": pop, "deaths": deaths})


def df1_all_ages():
    return life_expectancy(table(), [], ages=AGES)


def test_df1_life_expectancy_at_every_age_matches_phe():
    r = df1_all_ages()
    assert (r["reason"] == "").all()
    np.testing.assert_allclose(r["value"], DF1_E, rtol=0, atol=1e-6)
    np.testing.assert_allclose(r["ci_low"], DF1_LOW, rtol=0, atol=1e-5)
    np.testing.assert_allclose(r["ci_high"], DF1_HIGH, rtol=0, atol=1e-5)
    assert r.loc[0, "value"] == pytest.approx(80.16960813, abs=1e-6)
    assert r.loc[19, "value"] == pytest.approx(6.16210635, abs=1e-6)


def test_df1_standard_errors_are_exact_the_reference_limits_used_z_1_96():
    # answer1's limits were made with z = 1.96 (Excel); with it our limits agree to 1e-7.
    r = df1_all_ages()
    se = (r["ci_high"] - r["ci_low"]) / (2 * 1.959963984540054)
    np.testing.assert_allclose(r["value"] - 1.96 * se, DF1_LOW, rtol=0, atol=1e-7)
    np.testing.assert_allclose(r["value"] + 1.96 * se, DF1_HIGH, rtol=0, atol=1e-7)


def test_default_ages_give_e0_and_e65_with_totals():
    r = life_expectancy(table(), [])
    assert r["age"].tolist() == [0, 65]
    assert r.loc[1, "value"] == pytest.approx(18.76856852, abs=1e-6)
    assert r.loc[1, "ci_low"] == pytest.approx(18.57570352, abs=1e-5)
    assert r.loc[1, "ci_high"] == pytest.approx(18.96143352, abs=1e-5)
    assert r["population"].tolist() == [787954, 787954]  # df1_cum pops_used at age 0
    assert r["deaths"].tolist() == [9357, 9357]


def test_labels_and_row_order_do_not_matter():
    d = table(ages=band_start_ages(DF1_LABELS)).sample(frac=1, random_state=3)
    r = life_expectancy(d, [], ages=[0, 90])
    np.testing.assert_allclose(r["value"], [DF1_E[0], DF1_E[-1]], atol=1e-6)


def test_wide_ci_suppresses_from_age_40_and_deaths_above_population_the_whole_group():
    deaths_area1 = WIDE_DEATHS[:-1] + [312]  # 312 deaths for 311 aged 90+
    d = pd.concat([table(WIDE_POP, deaths_area1, area="Area 1"), table(WIDE_POP, WIDE_DEATHS, area="Area 2")])
    r = life_expectancy(d, ["area"], ages=AGES)
    a1, a2 = r[r["area"] == "Area 1"], r[r["area"] == "Area 2"].reset_index(drop=True)
    assert (a1["reason"] == REASON_DEATHS_ABOVE_POPULATION).all() and a1["value"].isna().all()
    early = a2.iloc[:9]
    assert (early["reason"] == "").all()
    np.testing.assert_allclose(early["value"], WIDE_E, atol=1e-6)
    np.testing.assert_allclose(early["ci_low"], WIDE_LOW, atol=1e-6)
    np.testing.assert_allclose(early["ci_high"], WIDE_HIGH, atol=1e-6)
    late = a2.iloc[9:]
    assert (late["reason"] == REASON_WIDE_CI).all()
    assert late[["value", "ci_low", "ci_high"]].isna().all().all()


def test_wide_ci_rule_uses_the_95_percent_interval_whatever_the_confidence():
    r90 = life_expectancy(table(WIDE_POP, WIDE_DEATHS), [], ages=[35, 40], confidence=0.90)
    assert r90["reason"].tolist() == ["", REASON_WIDE_CI]
    width90 = r90.loc[0, "ci_high"] - r90.loc[0, "ci_low"]
    assert width90 == pytest.approx((WIDE_HIGH[8] - WIDE_LOW[8]) * 1.6448536269514722 / 1.959963984540054, rel=1e-8)


def changed(band, **cols):
    d = table()
    for col, v in cols.items():
        d.loc[d["age_band_start"] == band, col] = v
    return d


@pytest.mark.parametrize(
    "data, reason",
    [
        (changed(10, deaths=-5), REASON_NEGATIVE_DEATHS),
        (changed(20, population=0), REASON_ZERO_POPULATION),
        (table().query("age_band_start != 90").assign(g=1), REASON_INCOMPLETE),
        (changed(85, population=119), REASON_DEATHS_ABOVE_POPULATION),
        (changed(90, deaths=0), REASON_NO_DEATH_OPEN_BAND),
        (changed(50, deaths=np.nan), REASON_MISSING),
    ],
)
def test_each_rule_gives_its_reason_and_nan(data, reason):
    full = pd.concat([data.assign(g=1), table(g=2)])  # an incomplete group needs a complete one beside it
    r = life_expectancy(full, ["g"])
    bad, good = r[r["g"] == 1], r[r["g"] == 2]
    assert (bad["reason"] == reason).all()
    assert bad[["value", "ci_low", "ci_high"]].isna().all().all()
    assert (good["reason"] == "").all() and good["value"].iloc[0] == pytest.approx(DF1_E[0], abs=1e-6)


def test_small_population_phe_df_low_pops_and_the_5000_boundary():
    pops = [128, 152, 120, 176, 194, 180, 145, 149, 107, 185, 165, 109, 100, 122, 133, 189, 123, 121, 147, 138]
    deaths = [58, 93, 78, 94, 59, 71, 80, 73, 69, 72, 91, 69, 78, 71, 54, 91, 82, 53, 50, 84]
    assert life_expectancy(table(pops, deaths), [])["reason"].eq(REASON_SMALL_POPULATION).all()
    exactly = [250] * 20  # 5 000 person-years: PHE suppresses (<= 5000)
    few = [1] * 20
    assert life_expectancy(table(exactly, few), [])["reason"].eq(REASON_SMALL_POPULATION).all()
    assert life_expectancy(table([250] * 19 + [251], few), [])["reason"].ne(REASON_SMALL_POPULATION).all()


def test_zero_population_takes_precedence_over_small_population_as_in_phe():
    r = life_expectancy(table([0] + [100] * 19, [0] + [10] * 19), [])
    assert (r["reason"] == REASON_ZERO_POPULATION).all()


def test_groups_in_one_call_equal_groups_alone():
    other = table([p * 2 for p in DF1_POP], [d + 3 for d in DF1_DEATHS])
    both = pd.concat([table().assign(dep="01", sex="F"), other.assign(dep="02", sex="M")])
    together = life_expectancy(both, ["dep", "sex"], ages=[0, 65, 90])
    alone = pd.concat(
        [life_expectancy(table(), [], ages=[0, 65, 90]), life_expectancy(other, [], ages=[0, 65, 90])],
        ignore_index=True,
    )
    assert together[["dep", "sex"]].drop_duplicates().values.tolist() == [["01", "F"], ["02", "M"]]
    pd.testing.assert_frame_equal(together.drop(columns=["dep", "sex"]), alone)


def test_unknown_age_is_an_error():
    with pytest.raises(ValueError, match="not band start ages"):
        life_expectancy(table(), [], ages=[0, 64])


def test_band_start_ages_reads_phe_and_project_labels():
    assert band_start_ages(["0", "1-4", "5-9", "10 – 14", "90 +"]).tolist() == [0, 1, 5, 10, 90]
    assert band_start_ages(["00-04", "05-09", "90-94", "95+"]).tolist() == [0, 5, 90, 95]
    with pytest.raises(ValueError):
        band_start_ages(["tous âges"])


# Approximate French all-cause death rates per 100 000 by 5-year band (both sexes, late 2010s).
FR_RATES = [90, 8, 10, 27, 45, 50, 60, 85, 130, 210, 330, 520, 780, 1100, 1650, 2700, 5000, 9500, 18000, 32000]
FR_POP = [52, 55, 56, 55, 50, 48, 55, 58, 60, 62, 64, 63, 60, 57, 55, 42, 32, 26, 14, 4]  # thousands


def test_french_department_with_project_bands_pooled_to_90_plus():
    labels = [f"{a:02d}-{a + 4:02d}" for a in range(0, 95, 5)] + ["95+"]
    pop = np.array(FR_POP) * 1000 * 3  # three years of person-years
    d = pd.DataFrame(
        {
            "territory_code": "D01",
            "age_band_start": band_start_ages(labels),
            "population": pop,
            "deaths": np.round(pop * np.array(FR_RATES) / 1e5),
        }
    )
    pooled = pool_open_band(d, ["territory_code"])
    assert pooled["age_band_start"].max() == 90 and len(pooled) == 19
    assert pooled["population"].iloc[-1] == (14 + 4) * 3000
    holed = pool_open_band(d.assign(deaths=d["deaths"].where(d["age_band_start"] != 95)), ["territory_code"])
    assert np.isnan(holed["deaths"].iloc[-1]) and holed["deaths"].iloc[:-1].notna().all()
    r = life_expectancy(pooled, ["territory_code"])
    e0, e65 = r["value"]
    assert 78 < e0 < 88 and 18 < e65 < 25  # 82.1 and 21.0 with these rates
    assert (r["ci_high"] - r["ci_low"]).max() < 0.5  # 3 million person-years: a tight interval
    assert (r["reason"] == "").all()
