"""Health status (issue 17): life expectancy, ICM by cause, avoidable mortality, trend markers, on the demo's
processed tables (hand checks) and on small tables with numbers worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from diagnostics import config
from diagnostics.indicators.causes import cause_indicators
from diagnostics.indicators.life_expectancy import life_table_inputs
from diagnostics.indicators.trend_markers import add_trends
from diagnostics.pipeline.processing import build_processed
from diagnostics.sources.causes_of_death import cause_groups_of

META = {"x_rate": {"unit": "pour 100 000", "higher_is": "worse"}, "x_share": {"unit": "%", "higher_is": "better"}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    return build_processed(config.DEMO_RAW_DIR, tmp_path_factory.mktemp("health") / "processed")


def _row(ind, code, indicator, sex="ensemble"):
    r = ind[(ind.territory_code == code) & (ind.indicator == indicator) & (ind.sex == sex)]
    assert len(r) == 1, (code, indicator, sex)
    return r.iloc[0]


def _chiang_by_hand(pop: list[float], deaths: list[float], starts: list[int], age: int) -> float:
    """Chiang II written band by band, as in a spreadsheet: independent of the vectorised code."""
    l, rows = 100_000.0, []  # noqa: E741 - l(x), the survivors
    for i, (p, d) in enumerate(zip(pop, deaths)):
        m = d / p
        if i == len(pop) - 1:
            rows.append((starts[i], l, l / m))
            break
        n, a = starts[i + 1] - starts[i], (0.1 if starts[i] == 0 else 0.5)
        q = n * m / (1 + n * m * (1 - a))
        dead = l * q
        rows.append((starts[i], l, n * (l - dead + a * dead)))
        l -= dead  # noqa: E741
    k = [s for s, _, _ in rows].index(age)
    return sum(L for _, _, L in rows[k:]) / rows[k][1]


def test_life_expectancy_of_one_territory_by_hand_from_the_processed_tables(demo):
    inputs = demo["life_table_inputs"]
    assert list(inputs.columns) == ["territory_code", "sex", "period", "age_band", "population", "deaths"]
    men = inputs[(inputs.territory_code == "TS-NORD") & (inputs.sex == "hommes")]
    assert men["age_band"].tolist()[:2] == ["00-04", "05-09"] and men["age_band"].tolist()[-2:] == ["85-89", "90+"]
    starts = [int(b[:2]) for b in men["age_band"]]
    ind = demo["indicators"]
    for age, indicator in ((0, "life_expectancy_0"), (65, "life_expectancy_65")):
        by_hand = _chiang_by_hand(men["population"].tolist(), men["deaths"].tolist(), starts, age)
        assert _row(ind, "TS-NORD", indicator, "hommes").value == pytest.approx(by_hand, abs=1e-9)
    e0 = _row(ind, "TS-NORD", "life_expectancy_0", "hommes")
    assert e0.value == pytest.approx(77.52, abs=0.01) and e0.ci_low < e0.value < e0.ci_high
    assert e0.numerator == men["deaths"].sum() and e0.period == "2019-2023"
    # the demo's France: ≈ 80 years for men, 86 for women (the orders of magnitude)
    assert _row(ind, "FRANCE", "life_expectancy_0", "hommes").value == pytest.approx(80.0, abs=0.5)
    assert _row(ind, "FRANCE", "life_expectancy_0", "femmes").value == pytest.approx(86.0, abs=0.5)
    assert e0.sig_france == "inférieur"  # the north of Hautes-Brumes dies younger


def test_life_expectancy_not_computed_says_why(demo):
    ind = demo["indicators"]
    small = _row(ind, "CLS-VALLONS", "life_expectancy_0", "femmes")
    assert math.isnan(small.value) and math.isnan(small.ci_low)
    assert small.reason == "population inférieure à 5 000 personnes-années"
    assert _row(ind, "TS-NORD", "life_expectancy_0").reason == ""


def test_life_table_inputs_pool_the_open_band_and_fill_the_grid():
    counts = pd.DataFrame(
        {
            "territory_code": "A",
            "sex": ["M"] * 4 + ["F"] * 3,
            "age_band": ["00-04", "85-89", "90-94", "95+", "00-04", "85-89", "95+"],
            "population": [100.0, 50, 30, 10, 90, 60, 20],
            "deaths": [1.0, 5, 6, 4, 1, 4, 7],
        }
    )
    out = life_table_inputs(counts, "2019-2023").set_index(["sex", "age_band"])
    assert out.loc[("hommes", "90+"), ["population", "deaths"]].tolist() == [40, 10]
    assert out.loc[("femmes", "90+"), ["population", "deaths"]].tolist() == [20, 7]  # no 90-94 row: 0 + 95+
    assert out.loc[("ensemble", "90+"), ["population", "deaths"]].tolist() == [60, 17]
    assert len(out) == 3 * 3 and set(out["period"]) == {"2019-2023"}


def test_cause_icm_of_one_territory_by_hand_from_the_processed_tables(demo):
    causes, pop, fr = demo["cause_deaths"], demo["population"], demo["france_reference"]
    years = range(2019, 2024)
    members = demo["territories"].loc[demo["territories"].territory_code == "TS-NORD", "commune"]
    cardio = set(cause_groups_of(causes["cause"]).query("group == 'cardio_neuro_vascular'")["cause"])
    c = causes[causes.year.isin(years) & causes.cause.isin(cardio)]
    observed = c[(c.level == "COM") & c.code.isin(members)]["deaths"].sum()
    fr_deaths = c[c.level == "FRANCE"].groupby(["sex", "age_band"])["deaths"].sum()
    fr_pop = fr[fr.year.isin(years)].groupby(["sex", "age_band"])["population"].sum()
    local = pop[pop.year.isin(years) & pop.commune.isin(members)].groupby(["sex", "age_band"])["population"].sum()
    expected = (local * (fr_deaths / fr_pop).reindex(local.index).fillna(0)).sum()
    row = _row(demo["indicators"], "TS-NORD", "cause_icm_cardio_neuro_vascular")
    assert row.numerator == observed and row.denominator == pytest.approx(expected, rel=1e-12)
    assert row.value == pytest.approx(100 * observed / expected, rel=1e-12)
    assert row.value > 140 and row.sig_france == "supérieur"  # the demo's clear cardio-vascular excess
    assert _row(demo["indicators"], "FRANCE", "cause_icm_cardio_neuro_vascular").value == pytest.approx(100)


def test_at_least_six_cause_groups_and_the_avoidable_rates_in_the_demo(demo):
    ind = demo["indicators"]
    groups = {i for i in ind.indicator if i.startswith("cause_icm_")}
    assert len(groups) >= 6 and {"cause_icm_cancers", "cause_icm_cardio_neuro_vascular"} <= groups
    fr = _row(ind, "FRANCE", "avoidable_mortality_dsr")
    assert 170 <= fr.value <= 250  # ≈ 180–250 per 100 000 under 75
    parts = [_row(ind, "FRANCE", i).value for i in ("preventable_mortality_dsr", "treatable_mortality_dsr")]
    assert sum(parts) == pytest.approx(fr.value, rel=1e-9)  # shared causes split half and half: nothing twice
    assert _row(ind, "TS-NORD", "premature_avoidable_mortality_dsr").sig_france == "supérieur"
    # one-sex cancers have no row for the other sex (complementary suppression would mask the women's)
    assert ind[(ind.indicator == "cause_icm_cancers_breast") & (ind.sex == "hommes")].empty


def _tiny_tables():
    """Two communes of one département, two bands, France; numbers small enough to follow by hand."""
    communes = pd.DataFrame({"commune": ["96101", "96102"], "departement_code": "961", "region_code": "96"})
    territories = pd.DataFrame(
        {
            "territory_code": ["DEP-961", "DEP-961", "T1", "REG-96", "REG-96"],
            "commune": ["96101", "96102", "96101", "96101", "96102"],
            "departement_code": "DEP-961",
            "region_code": "REG-96",
        }
    )
    pop = pd.DataFrame(
        [
            (c, y, s, b, p)
            for c, p in (("96101", 1000.0), ("96102", 3000.0))
            for y in (2022, 2023)
            for s in "MF"
            for b in ("00-04", "05-09")
        ],
        columns=["commune", "year", "sex", "age_band", "population"],
    )
    france = pd.DataFrame(
        [(y, s, b, 1e6) for y in (2022, 2023) for s in "MF" for b in ("00-04", "05-09")],
        columns=["year", "sex", "age_band", "population"],
    )
    standard = pd.DataFrame({"age_band": ["00-04", "05-09"], "standard_band": ["00-04", "05-09"], "weight": [3.0, 1.0]})
    return communes, territories, pop, france, standard


def _causes(rows):
    df = pd.DataFrame(rows, columns=["level", "code", "year", "sex", "age_band", "cause", "deaths"])
    return df.assign(deaths=df["deaths"].astype("Int64"), suppressed=False)


def test_avoidable_rates_and_icm_worked_by_hand():
    communes, territories, pop, france, standard = _tiny_tables()
    causes = _causes(
        [
            (
                "COM",
                "96101",
                2023,
                "M",
                "00-04",
                "I21",
                20,
            ),  # ischaemic heart disease: half preventable, half treatable
            ("COM", "96101", 2023, "M", "05-09", "C34", 10),  # lung cancer: preventable
            ("COM", "96101", 2023, "F", "00-04", "C18", 12),  # colorectal cancer: treatable
            ("COM", "96102", 2023, "F", "05-09", "G30", 30),  # Alzheimer: not avoidable
            ("FRANCE", "FRANCE", 2023, "M", "00-04", "I21", 1000),
            ("FRANCE", "FRANCE", 2022, "F", "00-04", "I21", 1000),
        ]
    )
    out = cause_indicators(causes, pop, france, territories, communes, standard)
    r = out.set_index(["territory_code", "indicator", "sex"])
    # the period: 2023 alone (the communes' rows), though France has 2022 too; T1 = commune 96101: 1 000 inhabitants
    # a band and sex
    assert r.loc[("T1", "preventable_mortality_dsr", "hommes"), "numerator"] == 20 * 0.5 + 10
    assert r.loc[("T1", "treatable_mortality_dsr", "hommes"), "numerator"] == 20 * 0.5
    # DSR = Σ w·d/p / Σ w × 100 000: (3 × 10/1000 + 1 × 10/1000) / 4 × 1e5 = 1 000
    assert r.loc[("T1", "preventable_mortality_dsr", "hommes"), "value"] == pytest.approx(1000.0)
    assert set(out["period"]) == {"2023"}
    assert r.loc[("T1", "avoidable_mortality_share", "ensemble"), "value"] == pytest.approx(100 * 42 / 42)
    # ICM of the ischaemic heart diseases, men, T1: France's 1 000 deaths / 1e6 person-years in 00-04 → E = 1 000 × 1e-3
    icm = r.loc[("T1", "cause_icm_ischaemic_heart", "hommes")]
    assert icm["denominator"] == pytest.approx(1.0) and icm["value"] == pytest.approx(2000.0)
    assert r.loc[("FRANCE", "cause_icm_ischaemic_heart", "ensemble"), "value"] == pytest.approx(100.0)
    assert r.loc[("DEP-961", "cause_icm_dementia", "femmes"), "numerator"] == 30
    assert set(out["level"]) == {""}


def test_causes_by_departement_give_valeur_departementale_and_masked_cells_no_value():
    communes, territories, pop, france, standard = _tiny_tables()
    causes = _causes(
        [
            ("DEP", "961", 2023, "M", "00-04", "7", 40),
            ("DEP", "961", 2023, "F", "00-04", "7", 0),
            ("DEP", "961", 2023, "M", "05-09", "2", 8),
            ("FRANCE", "FRANCE", 2023, "M", "00-04", "7", 5000),
            ("FRANCE", "FRANCE", 2023, "M", "05-09", "2", 500),
        ]
    )
    causes.loc[2, ["deaths", "suppressed"]] = [pd.NA, True]  # the portal masked the tumours cell
    out = cause_indicators(causes, pop, france, territories, communes, standard)
    r = out.set_index(["territory_code", "indicator", "sex"])
    dep, t1 = (
        r.loc[("DEP-961", "cause_icm_cardio_neuro_vascular", "hommes")],
        r.loc[("T1", "cause_icm_cardio_neuro_vascular", "hommes")],
    )
    assert t1["level"] == "département" and dep["level"] == "" and t1["value"] == dep["value"]
    assert "département" in t1["method"]
    # the département's 4 000 inhabitants × France's 5 000 / 1e6 → E = 20, O = 40
    assert dep["denominator"] == pytest.approx(20.0) and dep["value"] == pytest.approx(200.0)
    assert r.loc[("REG-96", "cause_icm_cardio_neuro_vascular", "hommes"), "level"] == ""  # whole départements
    masked = r.loc[("DEP-961", "cause_icm_neoplasms", "hommes")]
    assert math.isnan(masked["value"]) and "masquée" in masked["reason"]
    # CépiDc chapters cannot be split into the avoidable lists' items: no avoidable rate at all
    assert not out["indicator"].str.contains("avoidable|preventable|treatable").any()


def _series(values, periods=("2019", "2020", "2021", "2022", "2023"), indicator="x_rate", sig="supérieur"):
    n = len(values)
    return pd.DataFrame(
        {
            "territory_code": "A",
            "indicator": indicator,
            "sex": "ensemble",
            "category": "total",
            "period": list(periods)[:n],
            "value": values,
            "ci_low": np.asarray(values) - 4.0,
            "ci_high": np.asarray(values) + 4.0,
            "numerator": 100.0,
            "denominator": 1000.0,
            "small_count": False,
            "sig_france": sig,
        }
    )


def test_trend_markers_and_the_worse_and_worsening_flag():
    rising = add_trends(_series([100.0, 110, 120, 130, 140]), META)
    last = rising.iloc[-1]
    # weighted regression, SE = 8 / 3.92 on every point: slope 10 per period, χ² = (10 / (SE/√10))² = 240.1
    assert last.trend == "en augmentation" and last.trend_worsening
    assert last.trend_p_value == pytest.approx(1.3e-51, rel=0.5)
    assert (rising.trend.iloc[:-1] == "").all() and not rising.trend_worsening.iloc[:-1].any()
    short = add_trends(_series([100.0, 110, 120, 130]), META)
    assert (short.trend == "").all()  # fewer than five periods: no marker
    masked = _series([100.0, 110, 120, 130, 140]).assign(small_count=[False, True, False, False, False])
    assert add_trends(masked, META).trend.iloc[-1] == "non calculable"  # not derived from a masked figure
    better = add_trends(_series([100.0, 110, 120, 130, 140], sig="inférieur"), META)
    assert better.trend.iloc[-1] == "en augmentation" and not better.trend_worsening.iloc[-1]


def test_demo_trends_are_stored_in_the_indicators_table(demo):
    ind = demo["indicators"]
    assert {"trend", "trend_p_value", "trend_worsening", "reason"} <= set(ind.columns)
    css = _row(ind.sort_values("period").groupby(["territory_code", "indicator", "sex"]).tail(1), "TS-NORD", "css_rate")
    assert css.trend == "en augmentation" and css.trend_worsening and css.period == "2023"


def test_check_lists_the_cause_of_death_file_and_builds_nothing(tmp_path):
    import io

    from diagnostics.pipeline.check import check_raw_folder

    out = io.StringIO()
    assert check_raw_folder(config.DEMO_RAW_DIR, {}, out) == 0
    text = out.getvalue()
    assert "[ok] deces_causes_communes_2018-2023.csv — Décès par cause, de la commune à la France (format tidy)" in text
    assert "niveaux : COM, FRANCE" in text and not (tmp_path / "processed").exists()


def test_a_csv_edition_is_recognised_by_its_content_and_read_with_the_fixed_width_files(tmp_path):
    import shutil

    from diagnostics.sources.catalog import BY_KEY, identify

    fixtures = config.PROJECT_ROOT / "tests" / "fixtures" / "insee_deces_csv"
    renamed = tmp_path / "export-insee-janvier.csv"
    shutil.copy(fixtures / "Deces_2023_M01.csv", renamed)
    shutil.copy(fixtures / "deces-2023-m01.txt", tmp_path / "deces-2023-m01.txt")
    assert identify(renamed).key == identify(tmp_path / "deces-2023-m01.txt").key == "insee_deaths"
    table, summary = BY_KEY["insee_deaths"].read([renamed, tmp_path / "deces-2023-m01.txt"], {})
    assert (summary.records, summary.kept, int(table["deaths"].sum())) == (18, 7, 7)  # the same deaths: counted once
