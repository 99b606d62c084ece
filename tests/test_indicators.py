"""Indicator families on small constructed inputs, checked by hand, and on the demo."""

import pandas as pd
import pytest

from diagnostics.config import AGE_BANDS
from diagnostics.indicators.common import add_comparators
from diagnostics.indicators.consumption import care_spending_indicators
from diagnostics.indicators.medico_social import equipment_indicators
from diagnostics.indicators.mortality import mortality_indicators, mortality_period, standard_population
from diagnostics.indicators.precarity import css_rate
from diagnostics.methods import rates
from diagnostics.territories.areas import area_list, build_territories

YEARS = [2019, 2020, 2021, 2022, 2023]


def _territories():
    # two communes in one département; territory T = commune 96101 only
    return pd.DataFrame(
        {
            "territory_code": ["T", "DEP-961", "DEP-961", "REG-96", "REG-96"],
            "territory_name": ["Tee", "Dép", "Dép", "Rég", "Rég"],
            "kind": ["CLS", "département", "département", "région", "région"],
            "commune": ["96101", "96101", "96102", "96101", "96102"],
            "departement_code": ["DEP-961"] * 3 + [None, None],
            "region_code": ["REG-96"] * 5,
            "reported": [True, False, False, False, False],
        }
    )


def _communes():
    return pd.DataFrame({"commune": ["96101", "96102"], "departement_code": ["961", "961"]})


def _population(per_band=1000.0):
    rows = [(c, y, s, b, per_band) for c in ("96101", "96102") for y in YEARS for s in ("M", "F") for b in AGE_BANDS]
    return pd.DataFrame(rows, columns=["commune", "year", "sex", "age_band", "population"])


def _france(rate=0.01):
    rows = [(y, s, b, 100_000, 100_000 * rate) for y in YEARS for s in ("M", "F") for b in AGE_BANDS]
    return pd.DataFrame(rows, columns=["year", "sex", "age_band", "population", "deaths"])


def test_icm_crude_and_dsr_on_a_hand_computed_case():
    # France: 1 % death rate at every age. Commune 96101: 1 000 per band per sex per year,
    # deaths = 15 per band per sex per year (1.5 %) → ICM 150 exactly; crude 1 500 / 100 000.
    pop = _population()
    deaths = pop[pop.commune == "96101"].assign(deaths=15).drop(columns="population")
    ind, std = mortality_indicators(deaths, pop, _france(), _territories())
    t = ind[(ind.territory_code == "T") & (ind.sex == "ensemble")].set_index("indicator")
    observed = 15 * 20 * 2 * 5
    assert t.loc["mortality_icm", "numerator"] == observed == 3000
    assert t.loc["mortality_icm", "denominator"] == pytest.approx(2000.0)
    assert t.loc["mortality_icm", "value"] == pytest.approx(150.0)
    lo, hi = rates.byars_limits([observed])
    assert t.loc["mortality_icm", "ci_low"] == pytest.approx(lo[0] / 2000 * 100)
    assert t.loc["mortality_icm", "ci_high"] == pytest.approx(hi[0] / 2000 * 100)
    assert t.loc["mortality_crude_rate", "value"] == pytest.approx(1500.0)
    assert t.loc["mortality_dsr", "value"] == pytest.approx(1500.0)  # same rate at every age
    assert t.loc["mortality_crude_rate", "period"] == "2019-2023"
    # premature: 13 bands under 65
    assert t.loc["premature_mortality_icm", "numerator"] == 15 * 13 * 2 * 5
    assert t.loc["premature_mortality_icm", "value"] == pytest.approx(150.0)
    # the département holds a commune with no death: ICM 75
    d = ind[(ind.territory_code == "DEP-961") & (ind.sex == "hommes") & (ind.indicator == "mortality_icm")].iloc[0]
    assert d.value == pytest.approx(75.0)
    f = ind[(ind.territory_code == "FRANCE") & (ind.indicator == "mortality_icm") & (ind.sex == "ensemble")].iloc[0]
    assert f.value == pytest.approx(100.0)
    assert list(std.standard_band) == AGE_BANDS


def test_dsr_weights_the_age_structure():
    # deaths only at 95+: 100 per sex per year in commune 96101; ESP2013 pools 90-94 and 95+ (weight 1000 / 100 000)
    pop = _population()
    deaths = pd.DataFrame(
        [("96101", y, s, "95+", 100) for y in YEARS for s in ("M", "F")],
        columns=["commune", "year", "sex", "age_band", "deaths"],
    )
    ind, std = mortality_indicators(deaths, pop, _france(), _territories(), standard_kind="esp2013")
    dsr = ind[(ind.territory_code == "T") & (ind.indicator == "mortality_dsr") & (ind.sex == "ensemble")].iloc[0]
    # rate in the pooled 90+ band: 1000 deaths / 20 000 person-years = 5 %; weight 1000/100000
    assert dsr.value == pytest.approx(0.05 * 1000 / 100_000 * 100_000)
    assert std.drop_duplicates("standard_band").weight.sum() == 100_000


def test_mortality_period_needs_consecutive_years():
    pop = _population()
    deaths = pop.assign(deaths=1)[["commune", "year", "sex", "age_band", "deaths"]]
    assert mortality_period(deaths, pop) == YEARS
    with pytest.raises(ValueError, match="5 années consécutives"):
        mortality_period(deaths[deaths.year != 2021], pop)


def test_standard_population_unknown():
    with pytest.raises(ValueError, match="population standard inconnue"):
        standard_population("who2000", _france(), 2023)


def test_css_rate_wilson_and_france():
    pop = _population(per_band=50.0)  # 2 000 inhabitants per commune and year
    css = pd.DataFrame(
        [("COM", "96101", 2023, 200), ("COM", "96102", 2023, 100), ("FRANCE", "FRANCE", 2023, 360_000)],
        columns=["level", "code", "year", "beneficiaries"],
    )
    out = css_rate(css, pop, _france(), _territories(), _communes())
    t = out[out.territory_code == "T"].iloc[0]
    assert t.value == pytest.approx(10.0)
    w = rates.wilson_proportion([200], [2000]).iloc[0]
    assert (t.ci_low, t.ci_high) == (pytest.approx(w.ci_low), pytest.approx(w.ci_high))
    assert out[out.territory_code == "DEP-961"].iloc[0].value == pytest.approx(7.5)
    assert out[out.territory_code == "FRANCE"].iloc[0].value == pytest.approx(360_000 / 4_000_000 * 100)


def test_css_rate_from_departement_counts_when_communes_are_missing_and_split_free_with_contribution():
    pop = _population(per_band=50.0)  # 2 000 inhabitants per commune and year
    css = pd.DataFrame(
        [
            ("COM", "96101", 2023, 200, 150, 50),  # 96102 not counted in 2023
            ("DEP", "961", 2023, 500, 400, 100),
            ("DEP", "961", 2022, 480, 400, 80),
            ("FRANCE", "FRANCE", 2023, 360_000, 300_000, 60_000),
        ],
        columns=["level", "code", "year", "beneficiaries", "free", "with_contribution"],
    )
    out = css_rate(css, pop, _france(), _territories(), _communes())
    by = out.set_index(["territory_code", "period", "category"])
    # T is 96101 only, fully counted: its own rate; the département and région are not fully counted by commune
    assert by.loc[("T", "2023", "total"), "value"] == pytest.approx(10.0)
    assert by.loc[("T", "2023", "total"), "level"] == ""
    assert by.loc[("T", "2023", "gratuite"), "value"] == pytest.approx(7.5)
    assert by.loc[("DEP-961", "2023", "total"), "value"] == pytest.approx(12.5)  # 500 / 4 000, not 200 / 4 000
    assert by.loc[("REG-96", "2023", "total"), "value"] == pytest.approx(12.5)
    # 2022: no commune counts at all, so T gets its département's rate, flagged
    assert by.loc[("T", "2022", "total"), "value"] == pytest.approx(12.0)
    assert by.loc[("T", "2022", "total"), "level"] == "département"
    assert by.loc[("T", "2022", "participation"), "value"] == pytest.approx(2.0)
    assert by.loc[("FRANCE", "2023", "participation"), "value"] == pytest.approx(60_000 / 4_000_000 * 100)


def test_care_spending_raw_and_age_adjusted():
    pop = _population(per_band=100.0)
    pop = pop[pop.year == 2023]
    bands = ["0-19", "20-29", "30-39", "40-49", "50-59", "60-69", "70-79", "80+"]
    # France spends 1 000 € per head at every age; the territory spends 1 200 € per head
    n_per_band = {"0-19": 4, "20-29": 2, "30-39": 2, "40-49": 2, "50-59": 2, "60-69": 2, "70-79": 2, "80+": 4}
    local = pd.DataFrame(
        [(2023, "96101", b, "medicaments", 1200.0 * 100 * 2 * n_per_band[b]) for b in bands],
        columns=["year", "commune", "spending_band", "item", "amount"],
    )
    france = pd.DataFrame(
        [(2023, b, "medicaments", 1000.0 * 1000, 1000) for b in bands],
        columns=["year", "spending_band", "item", "amount", "population"],
    )
    out = care_spending_indicators(local, france, pop, _territories())
    t = out[(out.territory_code == "T") & (out.category == "total")].set_index("indicator")
    assert t.loc["care_spending_per_capita", "value"] == pytest.approx(1200.0)
    assert t.loc["care_spending_index", "value"] == pytest.approx(120.0)
    assert t.loc["care_spending_age_adjusted", "value"] == pytest.approx(1200.0)
    f = out[(out.territory_code == "FRANCE") & (out.category == "total")].set_index("indicator")
    assert f.loc["care_spending_per_capita", "value"] == pytest.approx(1000.0)


def test_equipment_rates_per_1000_target_population():
    pop = _population(per_band=100.0)  # 75+: 5 bands × 2 sexes × 100 = 1 000 per commune
    places = pd.DataFrame(
        {
            "finess_et": ["1", "2", "3"],
            "name": ["a", "b", "c"],
            "commune": ["96101", "96101", "96102"],
            "category": ["500", "354", "246"],
            "category_label": ["", "", ""],
            "places": [80, 20, 30],
        }
    )
    france_places = pd.DataFrame({"year": [2023], "category": ["500"], "places": [97_000]})
    out = equipment_indicators(places, france_places, pop, _france(), _territories())
    t = out[(out.territory_code == "T") & (out.indicator == "equipment_elderly_rate")].set_index("category")
    assert t.loc["total", "value"] == pytest.approx(100.0)
    assert t.loc["EHPAD", "value"] == pytest.approx(80.0)
    adults = out[
        (out.territory_code == "DEP-961")
        & (out.indicator == "equipment_disabled_adults_rate")
        & (out.category == "total")
    ]
    assert adults.iloc[0].value == pytest.approx(30 / 3200 * 1000)  # 20-59: 8 bands × 2 × 100 × 2 communes
    f = out[(out.territory_code == "FRANCE") & (out.indicator == "equipment_elderly_rate") & (out.category == "total")]
    assert f.iloc[0].value == pytest.approx(97_000 / 1_000_000 * 1000)


def test_comparators_and_significance_columns():
    ind = pd.DataFrame(
        {
            "territory_code": ["T", "DEP-961", "REG-96", "FRANCE"],
            "indicator": ["mortality_icm"] * 4,
            "sex": ["ensemble"] * 4,
            "category": ["total"] * 4,
            "period": ["2019-2023"] * 4,
            "value": [130.0, 110.0, 104.0, 100.0],
            "ci_low": [105.0, 108.0, 103.0, 99.0],
            "ci_high": [155.0, 112.0, 105.0, 101.0],
            "numerator": [40, 900, 3000, 600000],
            "denominator": [30.0, 818.0, 2885.0, 600000.0],
            "unit": ["i"] * 4,
            "method": ["Byars"] * 4,
            "small_count": [False] * 4,
        }
    )
    out = add_comparators(ind, area_list(_territories()), {"mortality_icm": True}, 11, {"mortality_icm"})
    t = out[out.territory_code == "T"].iloc[0]
    assert (t.value_departement, t.value_region, t.value_france) == (110.0, 104.0, 100.0)
    assert (t.sig_departement, t.sig_region, t.sig_france) == (
        "pas de différence significative",
        "supérieur",
        "supérieur",
    )
    assert out[out.territory_code == "FRANCE"].iloc[0].sig_france == ""


def test_comparators_by_population_majority():
    communes = pd.DataFrame(
        {
            "commune": ["96101", "96201", "96202"],
            "commune_name": list("abc"),
            "departement_code": ["961", "962", "962"],
            "departement_name": ["D1", "D2", "D2"],
            "region_code": ["96"] * 3,
            "region_name": ["R"] * 3,
            "epci_code": ["e"] * 3,
            "epci_name": ["E"] * 3,
        }
    )
    pop = pd.DataFrame(
        {
            "commune": ["96101", "96201", "96202"],
            "year": 2023,
            "sex": "M",
            "age_band": "00-04",
            "population": [5000.0, 1000.0, 1500.0],
        }
    )
    defs = pd.DataFrame(
        {
            "territory_code": ["X", "X"],
            "territory_name": ["Ix", "Ix"],
            "kind": ["CLS", "CLS"],
            "commune": ["96101", "96201"],
        }
    )
    t = build_territories(defs, communes, pop)
    x = t[t.territory_code == "X"].iloc[0]
    assert (x.departement_code, x.region_code) == ("DEP-961", "REG-96")


def test_demo_has_significant_and_non_significant_territories(demo_tables):
    ind = demo_tables["indicators"]
    terr = demo_tables["territories"]
    reported = set(terr.loc[terr.reported, "territory_code"])
    icm = ind[
        (ind.indicator == "premature_mortality_icm") & (ind.sex == "ensemble") & ind.territory_code.isin(reported)
    ]
    assert {"supérieur", "inférieur", "pas de différence significative"} <= set(icm.sig_france)
    fr = (
        ind[(ind.territory_code == "FRANCE") & (ind.category == "total") & (ind.sex == "ensemble")]
        .groupby("indicator")["value"]
        .last()
    )
    assert 850 <= fr["mortality_crude_rate"] <= 1000
    assert 6 <= fr["css_rate"] <= 10
    assert fr["care_spending_per_capita"] == pytest.approx(1850, rel=0.01)
    ehpad = ind[
        (ind.territory_code == "FRANCE") & (ind.indicator == "equipment_elderly_rate") & (ind.category == "EHPAD")
    ]
    assert 90 <= ehpad.value.iloc[0] <= 110
    assert ind.small_count.any(), "the demo must exercise the disclosure rule"


def test_finess_category_families_come_from_the_documented_table(tmp_path, monkeypatch):
    from diagnostics.indicators import medico_social

    cats = medico_social.finess_categories()
    assert cats["equipment_elderly_rate"]["500"] == "EHPAD" and cats["equipment_disabled_adults_rate"]["246"] == "ESAT"
    assert medico_social.CATEGORY_FAMILY["183"] == "equipment_disabled_children_rate"
    bad = tmp_path / "finess_categories.csv"
    bad.write_text("categorie;libelle;indicateur\n500;EHPAD;equipment_elderly_rate\n501;EHPA;equipment_old_rate\n")
    monkeypatch.setattr(medico_social, "CATEGORY_TABLE", bad)
    with pytest.raises(ValueError, match="indicateur\\(s\\) inconnu\\(s\\) equipment_old_rate"):
        medico_social.finess_categories()


def test_a_typo_in_metadata_yaml_names_the_line(tmp_path):
    import pytest

    from diagnostics.indicators.metadata import METADATA_FILE, indicator_metadata

    text = METADATA_FILE.read_text(encoding="utf-8")
    broken = tmp_path / "metadata.yaml"
    broken.write_text(text.replace("  higher_is: neither\n", "  higer_is: neither\n", 1), encoding="utf-8")
    line = text[: text.index("  higher_is: neither\n")].count("\n") + 1
    with pytest.raises(
        ValueError, match=rf"metadata.yaml, ligne {line} : indicateur « population » : champ « higer_is » inconnu"
    ):
        indicator_metadata(broken)
