"""Primary care supply and access (issue 18): densities, accessibility, zones fragiles, their sources, the
report section, the synthesis sentence and the regional overview — hand-computed cases and the demo."""

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.config import AGE_BANDS, DEMO_RAW_DIR
from diagnostics.indicators import primary_care as pc
from diagnostics.methods import accessibility
from diagnostics.pipeline.check import check_raw_folder
from diagnostics.reporting import primary_care_section as section
from diagnostics.reporting.territory import load_territory
from diagnostics.sources import care_supply, catalog
from diagnostics.sources.errors import RawDataError

FIXTURES = Path(__file__).parent / "fixtures"
N = "\u00a0"


def _territories(members: dict[str, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(code, code, "territoire", c) for code, communes in members.items() for c in communes],
        columns=["territory_code", "territory_name", "kind", "commune"],
    )


def _population(rows: list[tuple[str, str, str, float]], year: int = 2023) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["commune", "sex", "age_band", "population"]).assign(year=year)


def test_densities_by_hand_with_midwives_per_women_aged_15_to_49():
    """Communes A (1 000 men 40-44, 3 000 women 30-34) and B (500 women 50-54); GPs: A 2 liberal + 1 salaried,
    B 0,5 (a GP shared with a commune elsewhere); a liberal midwife in B.
      GP density of T = {A, B}: (2 + 0,5) / 4 500 × 100 000 = 55,6 (the salaried GP is not counted);
      midwives per 100 000 women aged 15-49: 1 / 3 000 × 100 000 = 33,3 (B's women are 50-54).
    France: 60 000 GPs and 1 500 midwives for 60 million inhabitants, 15 million of them women aged 15-49."""
    population = _population([("A", "M", "40-44", 1000), ("A", "F", "30-34", 3000), ("B", "F", "50-54", 500)])
    professionals = pd.DataFrame(
        [
            ("A", 2023, "general_practitioner", "liberal", 2.0),
            ("A", 2023, "general_practitioner", "salaried", 1.0),
            ("B", 2023, "general_practitioner", "liberal", 0.5),
            ("B", 2023, "midwife", "liberal", 1.0),
        ],
        columns=["commune", "year", "profession", "mode", "practitioners"],
    )
    france_professionals = pd.DataFrame(
        [(2023, "general_practitioner", "liberal", 60_000.0), (2023, "midwife", "liberal", 1_500.0)],
        columns=["year", "profession", "mode", "practitioners"],
    )
    france = pd.DataFrame(
        [(2023, "M", "40-44", 45e6), (2023, "F", "30-34", 15e6)], columns=["year", "sex", "age_band", "population"]
    )
    out = pc.density_indicators(
        professionals, france_professionals, population, france, _territories({"T": ["A", "B"]})
    )
    value = out.set_index(["indicator", "territory_code"])["value"]
    assert value["density_general_practitioners", "T"] == pytest.approx(2.5 / 4500 * 1e5)
    assert value["density_midwives", "T"] == pytest.approx(1 / 3000 * 1e5)
    assert value["density_general_practitioners", "FRANCE"] == pytest.approx(100.0)
    assert value["density_midwives", "FRANCE"] == pytest.approx(10.0)
    assert value["density_nurses", "T"] == 0  # no nurse: a density of 0, not a missing row
    assert (
        out["numerator"].isna().all()
        and out.set_index(["indicator", "territory_code"])["denominator"]["density_midwives", "T"] == 3000
    )  # no count published: the value times the denominator gives it back
    assert set(out["period"]) == {"2023"}


def test_population_of_the_nearest_earlier_year():
    assert pc.nearest_year([2018, 2019, 2023], 2024) == 2023
    assert pc.nearest_year([2018, 2019, 2023], 2021) == 2019
    assert pc.nearest_year([2020, 2021], 2019) == 2020


def test_zones_fragiles_by_hand():
    """France 100 GPs per 100 000: a bassin de vie below 70 is fragile. BV-X (60) holds communes A (1 000
    inhabitants) and B (3 000), BV-Y (70, exactly at the threshold: not fragile) holds C (6 000).
      T = {A, C}: 1 000 / 7 000 = 14,3 % of its population in a zone fragile; the BV-X area itself: 100 %."""
    densities = pd.DataFrame(
        {
            "territory_code": ["FRANCE", "BV-X", "BV-Y"],
            "indicator": "density_general_practitioners",
            "value": [100.0, 60.0, 70.0],
            "period": "2023",
        }
    )
    communes = pd.DataFrame({"commune": ["A", "B", "C"], "bassin_de_vie": ["X", "X", "Y"]})
    population = _population([("A", "M", "30-34", 1000), ("B", "M", "30-34", 3000), ("C", "F", "30-34", 6000)])
    territories = _territories({"T": ["A", "C"], "BV-X": ["A", "B"], "BV-Y": ["C"]})
    out = pc.low_density_indicators(densities, population, communes, territories).set_index("territory_code")
    assert out.loc["T", "value"] == pytest.approx(100 / 7)
    assert (out.loc["T", "numerator"], out.loc["T", "denominator"]) == (1000, 7000)
    assert out.loc["BV-X", "value"] == 100 and out.loc["BV-Y", "value"] == 0
    assert pc.low_density_indicators(densities, population, communes.drop(columns="bassin_de_vie"), territories).empty


def test_gp_age_is_the_departement_value_below_it():
    """Département 01 (communes A, B): 40 GPs of known age, 10 aged 60+; 02 (C): 10 of 10. T = {A} is part of
    01: 25 % flagged « département »; U = {A, B, C} is made of both: (10 + 10) / 50 = 40 %, its own."""
    ages = pd.DataFrame(
        [
            ("01", 2023, "general_practitioner", "55-59", "M", 30),
            ("01", 2023, "general_practitioner", "60-64", "F", 10),
            ("01", 2023, "general_practitioner", "inconnu", "F", 7),
            ("02", 2023, "general_practitioner", "70+", "M", 10),
            ("FRANCE", 2023, "general_practitioner", "60-64", "M", 3),
            ("FRANCE", 2023, "general_practitioner", "40-44", "M", 7),
        ],
        columns=["departement_code", "year", "profession", "age_band", "sex", "practitioners"],
    )
    communes = pd.DataFrame({"commune": ["A", "B", "C"], "departement_code": ["01", "01", "02"]})
    territories = _territories({"T": ["A"], "U": ["A", "B", "C"]}).assign(departement_code="DEP-01")
    out = pc.gp_age_indicators(ages, territories, communes).set_index("territory_code")
    assert (out.loc["T", "value"], out.loc["T", "level"]) == (25.0, "département")
    assert (out.loc["U", "value"], out.loc["U", "level"]) == (40.0, "")
    assert out.loc["FRANCE", "value"] == pytest.approx(30.0)


def test_demand_on_france_s_scale():
    """A commune with France's age structure keeps its population; one of old people weighs more, as in France."""
    use = accessibility.gp_use_by_age()
    france = pd.DataFrame({"year": 2023, "sex": "M", "age_band": AGE_BANDS, "population": 1000.0})
    population = pd.concat(
        [france.assign(commune="AVERAGE"), france[france.age_band == "85-89"].assign(commune="OLD", population=500.0)]
    )
    demand = pc._demand(population, france, 2023)
    assert demand["AVERAGE"] == pytest.approx(20_000.0)
    assert demand["OLD"] == pytest.approx(500 * use["85-89"] / use.mean())


@pytest.fixture(scope="module")
def demo(demo_tables):
    return demo_tables


def test_density_of_a_demo_territory_recomputed_from_the_processed_tables(demo, demo_processed):
    """TS-NORD's GP density: Σ liberal GPs of its communes in health_professionals.parquet / its 2023 population."""
    professionals = pd.read_parquet(demo_processed / "health_professionals.parquet")
    population = pd.read_parquet(demo_processed / "population.parquet")
    nord = load_territory("TS-NORD", tables=demo)
    gps = professionals[
        professionals.commune.isin(nord.communes)
        & (professionals.profession == "general_practitioner")
        & (professionals["mode"] == "liberal")
    ]["practitioners"].sum()
    people = population[population.commune.isin(nord.communes) & (population.year == 2023)]["population"].sum()
    row = nord.value_row("density_general_practitioners")
    assert row.value == pytest.approx(gps / people * 1e5) and row.denominator == people
    assert 90 <= row.value <= 100 and row.value_france == pytest.approx(95, abs=0.5)
    nurses = nord.value_row("density_nurses", code="REG-96").value
    assert 150 <= nurses <= 190


def test_a_practitioner_with_two_sites_counts_half_in_each(demo_processed):
    """The demo's first liberal GP has two cabinets: 0,5 in each commune; every GP counts 1 in all."""
    text = (DEMO_RAW_DIR / "professionnels" / "PS_LibreAcces_Personne_activite_202312150843.txt").read_text("utf-8")
    raw = pd.read_csv(io.StringIO(text), sep="|", dtype=str, keep_default_na=False)
    gps = raw[
        (raw["Code savoir-faire"] == "SM54")
        & (raw["Code mode exercice"] == "L")
        & (raw["Code catégorie professionnelle"] == "C")
    ]
    sites = gps.groupby("Identifiant PP")["Code commune (coord. structure)"].nunique()
    assert (sites == 2).sum() == 1
    twice = gps[gps["Identifiant PP"] == sites.idxmax()]["Code commune (coord. structure)"].unique()
    professionals = pd.read_parquet(demo_processed / "health_professionals.parquet")
    liberal = professionals[(professionals.profession == "general_practitioner") & (professionals["mode"] == "liberal")]
    assert liberal["practitioners"].sum() == pytest.approx(len(sites))
    fractional = liberal.set_index("commune")["practitioners"] % 1
    assert set(fractional[fractional > 0].index) == set(twice)
    assert fractional[list(twice)].tolist() == [0.5, 0.5]


def test_bassins_de_vie_and_zones_d_emploi_are_areas(demo):
    terr = demo["territories"]
    kinds = terr.drop_duplicates("territory_code").groupby("kind")["territory_code"].count()
    assert (kinds["bassin de vie"], kinds["zone d'emploi"]) == (17, 4)
    bv = terr[terr.kind == "bassin de vie"]
    assert not bv.reported.any() and bv.territory_code.str.match(r"^BV-\d{5}$").all()
    assert bv.commune.nunique() == 284 and not bv.commune.duplicated().any()  # every commune in one bassin
    assert set(demo["communes"].columns) >= {"bassin_de_vie", "bassin_de_vie_name", "zone_emploi", "zone_emploi_name"}


def test_demo_has_one_rural_zone_fragile_well_below_the_threshold(demo):
    b = section.bassins(demo, demo["indicators"])
    fragile = b[b.fragile]
    assert list(fragile.name) == ["Ferlieu-en-Ombre"]
    assert fragile.density.iloc[0] < 0.6 * fragile.france.iloc[0]  # well below 70 % of France
    region = load_territory("TS-NORD", tables=demo).value_row("share_population_low_gp_density", code="REG-96")
    assert region.numerator == pytest.approx(fragile.population.iloc[0])


def test_accessibility_of_the_region_is_its_density_on_france_s_scale(demo):
    """Σ P·APL = 100 000 × Σ GPs: the population-weighted mean APL of the région is its liberal GPs per 100 000
    standardised inhabitants (standardised on France's age structure)."""
    access = demo["gp_accessibility"]
    nord = load_territory("TS-NORD", tables=demo)
    region = nord.value_row("density_general_practitioners", code="REG-96")
    gps = region.value * region.denominator / 1e5
    assert (access.apl * access.weight).sum() / access.weight.sum() == pytest.approx(gps / access.weight.sum() * 1e5)
    apl = nord.value_row("gp_accessibility", code="REG-96")
    assert apl.value == pytest.approx(gps / access.weight.sum() * 1e5)
    assert apl.value_france == nord.value_row("density_general_practitioners").value_france
    assert set(access.source) == {"coordonnées"} and len(access) == 284


def test_the_section_shows_the_table_the_map_and_the_bassins(demo):
    html = section.section_html(load_territory("TS-NORD", tables=demo))
    for text in (
        "Offre de soins de premier recours : densités et accessibilité",
        "Médecins généralistes libéraux de 60 ans ou plus",
        "36,8" + N + "% (valeur départementale)",
        "vivent dans un bassin de vie « zone fragile »",
        "Ferlieu-en-Ombre",
        "Carte des 62 communes de Territoire de santé des Brumes du Nord",
        "Bassins de vie du territoire",
        "profil de recours par âge est une approximation",
    ):
        assert text in html, text


def test_synthesis_sentence_on_general_practitioners(demo):
    vallons = section.shortage_messages(load_territory("CLS-VALLONS", tables=demo))
    assert vallons[0][1][1].startswith(
        "Aucun médecin généraliste libéral n'exerce dans le territoire ; l'accessibilité"
    )
    nord = section.shortage_messages(load_territory("TS-NORD", tables=demo))
    assert nord == [
        (
            2,
            (
                "Repère",
                f"5,4{N}% des habitants vivent dans un bassin de vie « zone fragile », où la densité de médecins "
                "généralistes libéraux est inférieure de plus de 30 % à celle de la France ; le territoire compte "
                "94 médecins généralistes libéraux pour 100 000 habitants (France 95).",
            ),
        )
    ]


def test_overview_shows_the_share_of_the_region_in_zones_fragiles(demo):
    html = section.zones_fragiles_html(demo)
    assert "de la population de la région" in html and "le seul bassin de vie « zone fragile » (sur 17)" in html
    assert "Carte des bassins de vie de la région" in html and "Ferlieu-en-Ombre : 47 pour 100" in html


def test_new_files_are_recognised_by_name_and_rpps_by_its_content(tmp_path):
    names = {
        "PS_LibreAcces_Personne_activite_202401010000.txt": "rpps",
        "PS_LibreAcces_202401010000.zip": "rpps",
        "PS_LibreAcces_SavoirFaire_202401010000.txt": "rpps_savoir_faire",
        "demographie-effectifs-et-les-densites.csv": "ameli_demography",
        "BV2022_au_01-01-2024.xlsx": "bassins_de_vie",
        "ZE2020_au_01-01-2024.xlsx": "zones_emploi",
        "zonage_medecins_ars.xlsx": "ars_zoning",
        "distancier_communes.csv": "travel_times",
        "CHFLIEU_COMMUNE.shp": "chef_lieu",
        "COMMUNE.shp": "geometry",
        "professionnels_sante_france_2023.csv": "france_professionals",
    }
    for name, key in names.items():
        assert catalog.identify(tmp_path / name).key == key, name
    renamed = tmp_path / "extraction_annuaire.txt"
    renamed.write_bytes((FIXTURES / "rpps" / "PS_LibreAcces_Personne_activite_202402120843.txt").read_bytes())
    assert catalog.identify(renamed).key == "rpps"


def test_check_lists_the_primary_care_files(capsys):
    out = io.StringIO()
    assert check_raw_folder(DEMO_RAW_DIR, {}, out=out) == 0
    text = out.getvalue()
    for line in (
        "[ok] PS_LibreAcces_Personne_activite_202312150843.txt — Annuaire santé (RPPS)",
        "[ok] demographie-effectifs-et-les-densites.csv — Démographie des professionnels de santé libéraux",
        "[ok] professionnels_sante_france_2023.csv — Professionnels de santé de la France",
        "[ok] zonage_medecins_ars_96.csv — Zonage médecins de l'ARS",
        "commune d'exercice des lignes retenues : code commune",
        "non comptés : étudiants (catégorie professionnelle E)",
    ):
        assert line in text, line


def test_a_regional_rpps_cut_needs_france_s_reference():
    regional = pd.DataFrame(
        {"commune": ["25056", "39300"], "year": 2023, "profession": "nurse", "mode": "liberal", "practitioners": 1.0}
    )
    with pytest.raises(RawDataError, match="extraction RPPS limitée à 2 département"):
        care_supply._france(regional, None)
    national = pd.DataFrame(
        {
            "commune": [f"{d:02d}001" for d in range(1, 96) if d != 20],
            "year": 2023,
            "profession": "nurse",
            "mode": "liberal",
            "practitioners": 2.0,
        }
    )
    france = care_supply._france(national, None)
    assert france.to_dict("records") == [
        {"year": 2023, "profession": "nurse", "mode": "liberal", "practitioners": 2.0 * 94}
    ]


def test_france_reference_file_is_validated(tmp_path):
    path = tmp_path / "professionnels_sante_france_2023.csv"
    path.write_text(
        "annee;profession;mode;effectif\n2023;Infirmier;libéral;100000\n2023;infirmière;libéral;5\n", "utf-8"
    )
    with pytest.raises(RawDataError, match="ligne 3, colonne « profession »"):
        care_supply.read_france_professionals(path)
    path.write_text("annee;profession;mode;effectif\n2023;Infirmier;libéral;100000\n", "utf-8")
    assert care_supply.read_france_professionals(path).to_dict("records") == [
        {"year": 2023, "profession": "nurse", "mode": "liberal", "practitioners": 100000.0}
    ]


def test_zoning_files_replace_the_table_d_appartenance_columns():
    from diagnostics.sources.bassins_de_vie import read_bassins_de_vie, read_zones_emploi

    bv = read_bassins_de_vie(FIXTURES / "bassins_de_vie" / "BV2022_au_01-01-2024.xlsx")
    ze = read_zones_emploi(FIXTURES / "bassins_de_vie" / "ZE2020_au_01-01-2024.xlsx")
    communes = pd.DataFrame({"commune": bv["commune"].head(3), "bassin_de_vie": "XXXXX"})
    out = care_supply.with_zonages(communes, {"bassins_de_vie": bv, "zones_emploi": ze})
    assert list(out.columns) == ["commune", "bassin_de_vie", "bassin_de_vie_name", "zone_emploi", "zone_emploi_name"]
    assert out["bassin_de_vie"].tolist() == bv["bassin_de_vie"].head(3).tolist()
    assert care_supply.with_zonages(communes, {}) is communes


def test_access_classes():
    assert section.access_class([0.0, 0.49, 0.5, 0.69, 0.9, 1.1, 3.0]).tolist() == [0, 0, 1, 1, 3, 4, 4]
    assert np.isnan(np.nan) and len(section.ACCESS_CLASSES) == 5


def test_drees_apl_replaces_the_project_s_accessibility():
    """With the DREES file, the communes' APL weighted by their standardised population: T = {A, B} with APL 2
    and 5 and standardised populations 300 and 100: (2 × 300 + 5 × 100) / 400 = 2,75. The file covers two
    départements only: no value for France."""
    t = {
        "communes": pd.DataFrame({"commune": ["25001", "25002"]}),
        "population": _population([("25001", "M", "30-34", 280), ("25002", "M", "30-34", 90)]),
        "apl_drees": pd.DataFrame(
            {
                "commune": ["25001", "25002", "39001"],
                "year": 2022,
                "apl": [2.0, 5.0, 3.0],
                "unit": "consultations/visites accessibles par an et par habitant standardisé",
                "standardised_population": [300.0, 100.0, 50.0],
                "population": [280.0, 90.0, 40.0],
            }
        ),
    }
    access = pc.commune_gp_accessibility(t)
    assert access[["commune", "apl", "weight", "source"]].to_dict("records") == [
        {"commune": "25001", "apl": 2.0, "weight": 300.0, "source": "DREES"},
        {"commune": "25002", "apl": 5.0, "weight": 100.0, "source": "DREES"},
    ]
    out = pc.accessibility_indicators(access, t["apl_drees"], 95.0, _territories({"T": ["25001", "25002"]}))
    value = out.set_index("territory_code")["value"]
    assert set(out.indicator) == {"gp_accessibility_drees"} and value["T"] == pytest.approx(2.75)
    assert np.isnan(value["FRANCE"]) and out["unit"].iloc[0].startswith("consultations")


def test_share_of_the_population_in_a_zip_by_hand():
    """A (1 000 inhabitants) is a ZIP, B (3 000) a ZAC: 25 % of T = {A, B} in a ZIP."""
    zoning = pd.DataFrame({"commune": ["A", "B"], "zone": ["ZIP", "ZAC"], "zone_label": ["ZIP", "ZAC"]})
    population = _population([("A", "M", "30-34", 1000), ("B", "F", "30-34", 3000)])
    out = pc.zip_indicators(zoning, population, _territories({"T": ["A", "B"]}), 2023)
    assert out[["territory_code", "value", "numerator", "denominator"]].to_dict("records") == [
        {"territory_code": "T", "value": 25.0, "numerator": 1000.0, "denominator": 4000.0}
    ]
