"""Causes of death: the CépiDc export and the tidy file, cause groups, avoidable-mortality fractions.

Fixtures (tests/fixtures/causes):
- ``cepidc_tumeurs_dep_2021_2022.csv``: a CépiDc portal export (header as the portal writes it), tumours
  (« 2. Tumeurs ») by département of residence (01, 2A) × year × sex × the portal's ten-year age
  classes. The totals by département, year and sex are the CépiDc's published figures (Ain 2022:
  772 men, 601 women; Corse-du-Sud 2022: 250 and 200), split by age along a plausible profile;
  one cell masked (« s »), « Ensemble » (both sexes) rows and one « Tous âges » row.
- ``cepidc_region_chapitres_2022.csv``: the same export with its labels as header (« Année de
  décès »…), régions as « 84 - Auvergne-Rhône-Alpes » and « Corse », the 18 chapters and a
  « Toutes causes » row (Corse's is one more than its chapters), a France entière and a France
  métropolitaine row.
- ``deces_causes_2019_2021.csv``: the tidy file, every level, both ICD-10 spellings, a masked cell.
- ``broken/``: one defect per file (``cepidc_sans_classe_age.csv`` holds real lines of an export
  kept by a reuser, exported without the age dimension).
"""

import dataclasses
import fnmatch
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics.config import AGE_BANDS
from diagnostics.sources import RawDataError
from diagnostics.sources import causes_of_death as cod
from diagnostics.sources.catalog import Source

FIXTURES = Path(__file__).parent / "fixtures" / "causes"
BROKEN = FIXTURES / "broken"
CEPIDC_BANDS = ["00-04", "05-14", "15-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-84", "85-94", "95+"]


# --- the CépiDc export -----------------------------------------------------------------------------------


def test_cepidc_export_as_downloaded():
    df = cod.read_cepidc_export(FIXTURES / "cepidc_tumeurs_dep_2021_2022.csv")
    assert list(df.columns) == cod.OUTPUT_COLUMNS
    assert set(df["level"]) == {"DEP"} and set(df["code"]) == {"01", "2A"} and set(df["cause"]) == {"2"}
    assert sorted(df["age_band"].unique()) == CEPIDC_BANDS  # « < 1 » + « 1-4 » summed into 00-04, ten-year classes kept
    assert len(df) == 2 * 2 * 2 * 11  # « Ensemble » and « Tous âges » rows are not returned
    totals = df.groupby(["year", "code", "sex"])["deaths"].sum()
    assert totals[(2022, "01", "M")] == 772 and totals[(2022, "01", "F")] == 601
    assert totals[(2021, "2A", "M")] == 264 and totals[(2022, "2A", "F")] == 200
    cell = df.set_index(["year", "code", "sex", "age_band"])
    assert cell.loc[(2021, "01", "M", "65-74"), "deaths"] == 218 and cell.loc[(2021, "01", "M", "95+"), "deaths"] == 12
    masked = df[df["suppressed"]]
    assert len(masked) == 1
    assert masked[["year", "code", "sex", "age_band"]].iloc[0].tolist() == [2021, "2A", "F", "15-24"]
    assert masked["deaths"].isna().all() and totals[(2021, "2A", "F")] == 213 - 0  # the masked cell held 0 of 213
    assert df["deaths"].dtype == "Int64" and df["year"].dtype == "int64"
    assert df.attrs["warnings"] == [
        "1 cellule(s) masquée(s) par la source (secret statistique) : décès inconnus, non comptés à zéro"
    ]  # the « Ensemble » rows equal men + women: no warning


def test_cepidc_export_with_labels_regions_and_totals():
    df = cod.read_cepidc_export(FIXTURES / "cepidc_region_chapitres_2022.csv")
    assert set(zip(df["level"], df["code"])) == {("REG", "84"), ("REG", "94"), ("FRANCE", "FRANCE")}
    ara = df[df["code"] == "84"].set_index("cause")["deaths"]
    assert ara.sum() == 6_000 and ara["2"] == 2_650 and ara["7"] == 1_150 and ara["18"] == 50
    assert df.loc[df["level"] == "FRANCE", "deaths"].item() == 29_871  # France métropolitaine left out
    warnings = df.attrs["warnings"]
    assert any(
        "1 ligne(s) « toutes causes » différente(s) de la somme de leurs détails, ex. "
        "(REG, 94, 2022, M, 65-74) : 239 au lieu de 238" in w
        for w in warnings
    )
    assert any("1 ligne(s) hors territoire" in w for w in warnings)


@pytest.mark.parametrize(
    "name, line, column, fragment",
    [
        ("cepidc_sans_classe_age.csv", 1, None, "colonne(s) manquante(s) : classe_d_age_de_10_ans"),
        ("cepidc_titre.csv", 1, None, "l'en-tête est à la ligne 2"),
        ("cepidc_departement.csv", 3, "departement_de_domicile", "« Atlantide » : code ou nom de département"),
        ("cepidc_sexe.csv", 3, "sexe", "« Inconnu » : sexe attendu : Hommes, Femmes"),
        (
            "cepidc_cause.csv",
            3,
            "cause_initiale_de_deces",
            "« Tumeurs » : libellé de cause précédé de son code attendu",
        ),
        ("cepidc_effectif.csv", 3, "effectif_de_deces", "« 12,5 » : nombre de décès attendu (entier positif ou nul)"),
        ("cepidc_classe_age.csv", 3, "classe_d_age_de_10_ans", "« cent ans » : classe d'âge attendue"),
        ("cepidc_seulement_ensemble.csv", None, None, "seulement des lignes « ensemble »"),
    ],
)
def test_cepidc_errors_name_file_line_column_and_expected(name, line, column, fragment):
    _assert_error(cod.read_cepidc_export, BROKEN / name, line, column, fragment)


# --- the tidy file ---------------------------------------------------------------------------------------------


def test_tidy_file_every_level():
    df = cod.read_cause_deaths(FIXTURES / "deces_causes_2019_2021.csv")
    assert list(df.columns) == cod.OUTPUT_COLUMNS
    assert df.groupby("level").size().to_dict() == {"COM": 5, "DEP": 3, "FRANCE": 1, "REG": 1}
    rows = {(r.level, r.code, r.year, r.sex, r.age_band, r.cause): r.deaths for r in df.itertuples()}
    assert rows[("COM", "01004", 2020, "F", "80-84", "I21.9")] == 1  # « 1004 » and « I219 » written the canonical way
    assert rows[("COM", "2A004", 2021, "F", "00-04", "P07.3")] == 2  # « 00-00 » + « 01-04 » summed into 00-04
    assert rows[("FRANCE", "FRANCE", 2021, "M", "50-54", "K70.3")] == 1234
    assert rows[("DEP", "2A", 2021, "M", "60-64", "2")] == 45  # a CépiDc list code
    masked = df[df["suppressed"]]
    assert masked["cause"].tolist() == ["X70"] and masked["deaths"].isna().all()


def test_tidy_file_keeps_non_project_bands(tmp_path):
    path = tmp_path / "deces_causes_2022.csv"
    path.write_text(
        "niveau;code;annee;sexe;classe_age;cause;deces\nDEP;01;2022;F;00-00;P07.3;2\nDEP;01;2022;F;01-24;V89.2;5\n"
        "DEP;01;2022;F;25-64;C50.9;40\nDEP;01;2022;F;65+;I64;80\n"
    )
    df = cod.read_cause_deaths(path)
    assert df["age_band"].tolist() == ["00-00", "01-24", "25-64", "65+"]  # 00-00 is not merged: 01-24 straddles 00-04


@pytest.mark.parametrize(
    "name, line, column, fragment",
    [
        ("tidy_colonne_manquante.csv", 1, None, "colonne(s) manquante(s) : cause"),
        ("tidy_niveau.csv", 3, "niveau", "« EPCI » inattendue ; valeurs acceptées : COM, DEP, REG, FRANCE"),
        ("tidy_code.csv", 3, "code", "« 1234 » : code attendu selon le niveau"),
        ("tidy_sexe.csv", 3, "sexe", "« X » inattendue ; valeurs acceptées : 1, 2, M, F"),
        ("tidy_annee.csv", 3, "annee", "« 2O20 »"),
        ("tidy_cause.csv", 3, "cause", "« K7O » : code CIM-10 (C34, I21.9, I219) ou code de la liste du CépiDc"),
        ("tidy_classe_age.csv", 3, "classe_age", "« 75- » : classe d'âge attendue"),
        (
            "tidy_classes_chevauchantes.csv",
            3,
            "classe_age",
            "classes d'âge qui se chevauchent : « 75-79 » et « 75-84 »",
        ),
        ("tidy_doublon.csv", 4, None, "ligne en double pour (niveau, code, annee, sexe, classe_age, cause)"),
        ("tidy_deces.csv", 3, "deces", "« -3 » : nombre de décès attendu (entier positif ou nul)"),
        ("tidy_annees.csv", None, "annee", "année(s) 2021 absente(s) entre 2020 et 2022"),
    ],
)
def test_tidy_errors_name_file_line_column_and_expected(name, line, column, fragment):
    _assert_error(cod.read_cause_deaths, BROKEN / name, line, column, fragment)


def _assert_error(reader, path, line, column, fragment):
    with pytest.raises(RawDataError) as err:
        reader(path)
    e = err.value
    assert (e.path, e.line, e.column) == (path, line, column)
    assert fragment in e.problem and str(path) in str(e)


# --- cause groups ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code, groups",
    [
        ("C21.8", {"neoplasms", "cancers", "cancers_colorectal"}),  # C18-C21 runs to C21.9
        ("C218", {"neoplasms", "cancers", "cancers_colorectal"}),
        ("C18", {"neoplasms", "cancers", "cancers_colorectal"}),
        ("C17.9", {"neoplasms", "cancers"}),
        ("C22.0", {"neoplasms", "cancers"}),
        ("C34", {"neoplasms", "cancers", "cancers_lung"}),
        ("C32.1", {"neoplasms", "cancers", "cancers_upper_aerodigestive", "alcohol_related"}),
        ("D48.9", {"neoplasms"}),
        ("I21.9", {"cardio_neuro_vascular", "ischaemic_heart"}),
        ("I219", {"cardio_neuro_vascular", "ischaemic_heart"}),
        (" i21.9 ", {"cardio_neuro_vascular", "ischaemic_heart"}),
        ("I64", {"cardio_neuro_vascular", "cerebrovascular"}),
        ("K74.6", {"alcohol_related"}),
        ("K74.7", set()),
        ("K74", set()),  # a split category reads as its unspecified subcode K74.9
        ("F10.2", {"alcohol_related"}),
        ("G30.9", {"dementia"}),
        ("F03", {"dementia"}),
        ("F04", set()),
        ("E11.9", {"diabetes"}),
        ("X84", {"external", "suicide"}),
        ("Y87.0", {"external", "suicide"}),
        ("Y87.1", {"external"}),
        ("V89.2", {"external", "road_accidents"}),
        ("V95", {"external"}),
        ("W19", {"external", "falls"}),
        ("U07.1", {"covid19"}),
        ("J44.1", {"respiratory", "copd"}),
        ("2", {"neoplasms"}),
        ("2.", {"neoplasms"}),  # chapter « 2. Tumeurs » (C00-D48) is not only cancers
        ("7", {"cardio_neuro_vascular"}),
        ("17", {"external"}),
        ("18", {"covid19"}),
        ("1", {"infectious"}),
        ("0", set()),
        ("2.1.8", set()),
        ("C7A", set()),
        ("tumeur", set()),
    ],
)
def test_cause_groups_of_icd_ranges(code, groups):
    got = cod.cause_groups_of([code, code])
    assert set(got["group"]) == groups and (got["cause"] == code).all()


def test_cause_groups_vectorised_on_distinct_codes():
    codes = ["I21.9", "C34.1", "I21.9", "X70"] * 1000
    got = cod.cause_groups_of(codes)
    assert len(got) == 2 + 3 + 2 and got.groupby("cause").size().to_dict() == {"C34.1": 3, "I21.9": 2, "X70": 2}


def test_reference_group_table():
    table = cod.cause_group_table()
    assert table["group"].is_unique
    assert {
        "cancers",
        "cancers_lung",
        "cancers_colorectal",
        "cancers_breast",
        "cardio_neuro_vascular",
        "respiratory",
        "external",
        "suicide",
        "road_accidents",
        "alcohol_related",
        "dementia",
        "diabetes",
    } <= set(table["group"])
    assert table.loc[table["group"] == "cancers_lung", "parent"].item() == "cancers"


def test_a_sub_group_outside_its_parent_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "cause_groups.csv"
    bad.write_text(
        "# test\ngroupe;groupe_parent;cim10;cim10_exclus;libelle\ncancers;;C00-C97;;Cancers\n"
        "cancers_lung;cancers;C33-C34, J84;;Poumon\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cod, "CAUSE_GROUPS", bad)
    cod.cause_group_table.cache_clear()
    try:
        with pytest.raises(RawDataError) as err:
            cod.cause_group_table()
        assert err.value.line == 4 and "inclus dans son groupe parent « cancers »" in err.value.problem
    finally:
        cod.cause_group_table.cache_clear()


# --- avoidable mortality ----------------------------------------------------------------------------------------


def _fractions(codes, ages):
    return cod.avoidable_fractions_of(codes, ages).set_index(["cause", "age_band"])


def test_shared_cause_counts_half_preventable_half_treatable():
    f = _fractions(["I21.9", "I219", "I64", "E11.9", "A16.2"], ["70-74", "75-79"])
    for code in ("I21.9", "I219", "I64", "E11.9", "A16.2"):
        assert f.loc[(code, "70-74"), ["preventable", "treatable"]].tolist() == [0.5, 0.5]
        assert f.loc[(code, "75-79"), ["preventable", "treatable"]].tolist() == [0.0, 0.0]  # under 75 only
    deaths = pd.DataFrame(
        {
            "cause": ["I21.9", "C34.1", "C18.7", "I21.9"],
            "age_band": ["60-64", "60-64", "70-74", "80-84"],
            "deaths": [10, 4, 3, 7],
        }
    )
    counted = deaths.merge(cod.avoidable_fractions_of(deaths["cause"], deaths["age_band"]), on=["cause", "age_band"])
    preventable = (counted["deaths"] * counted["preventable"]).sum()
    treatable = (counted["deaths"] * counted["treatable"]).sum()
    assert (preventable, treatable) == (9.0, 8.0)  # 5 + 4 lung ; 5 + 3 colorectal ; the death at 80-84 is not avoidable
    assert (counted["deaths"] * counted["premature_avoidable"]).sum() == 4  # lung cancer before 65


@pytest.mark.parametrize(
    "code, age, expected",
    [  # (preventable, treatable, premature_avoidable)
        ("C34.1", "60-64", (1, 0, 1)),
        ("C34", "65-69", (1, 0, 0)),
        ("C18.7", "40-44", (0, 1, 0)),
        ("C21.8", "70-74", (0, 1, 0)),
        ("C50.9", "50-54", (0, 1, 0)),
        ("A40.3", "30-34", (1, 0, 0)),
        ("A40.1", "30-34", (0, 1, 0)),
        ("A40", "30-34", (0, 1, 0)),
        ("X70", "40-44", (1, 0, 1)),
        ("X42", "25-29", (1, 0, 0)),
        ("X45", "25-29", (1, 0, 0)),
        ("V89.2", "20-24", (1, 0, 1)),
        ("V95", "20-24", (1, 0, 0)),
        ("W10", "60-64", (1, 0, 1)),
        ("K70.3", "55-59", (1, 0, 1)),
        ("K74.6", "55-59", (1, 0, 1)),
        ("K74.0", "55-59", (1, 0, 0)),
        ("F10.2", "45-49", (1, 0, 1)),
        ("B24", "35-39", (1, 0, 1)),
        ("C15.9", "60-64", (1, 0, 1)),
        ("C32.9", "60-64", (0, 0, 1)),
        ("K85.2", "50-54", (1, 0, 0)),
        ("K85.9", "50-54", (0, 1, 0)),
        ("U07.1", "70-74", (1, 0, 0)),
        ("I10", "70-74", (0.5, 0.5, 0)),
        ("G30.9", "70-74", (0, 0, 0)),
        ("C61", "70-74", (0, 0, 0)),
        ("R99", "40-44", (0, 0, 0)),
        ("18", "70-74", (1, 0, 0)),  # the Covid-19 chapter holds only preventable codes
        ("C34.1", "95+", (0, 0, 0)),
        ("C34.1", "05-14", (1, 0, 1)),
        ("C34.1", "55-64", (1, 0, 1)),
        ("C34.1", "65-74", (1, 0, 0)),
    ],
)
def test_avoidable_fractions(code, age, expected):
    f = _fractions([code], [age]).loc[(code, age)]
    assert tuple(f[["preventable", "treatable", "premature_avoidable"]]) == expected


def test_a_chapter_mixing_causes_has_no_fraction_under_the_age_limit():
    f = _fractions(["7", "2", "2.1.8", "pas un code"], ["60-64", "70-74", "80-84"])
    for code in ("7", "2", "2.1.8", "pas un code"):
        assert f.loc[(code, "60-64"), ["preventable", "treatable"]].isna().all()
        assert f.loc[(code, "80-84")].tolist() == [0, 0, 0]  # above every age limit: nothing is avoidable
    assert f.loc[("7", "60-64"), "premature_avoidable"] == 0  # no circulatory cause in the French list
    assert np.isnan(f.loc[("2", "60-64"), "premature_avoidable"])  # lung and VADS cancers among other tumours


def test_all_project_bands_and_the_age_limits():
    f = _fractions(["I21.9"], AGE_BANDS)
    avoidable = (f["preventable"] + f["treatable"]).droplevel("cause")
    assert avoidable[AGE_BANDS[:15]].eq(1).all() and avoidable[AGE_BANDS[15:]].eq(0).all()  # 00-04 … 70-74 counted
    with pytest.raises(ValueError, match="« 70-79 » à cheval sur une limite d'âge"):
        cod.avoidable_fractions_of(["I21.9"], ["70-79"])
    with pytest.raises(ValueError, match="« 60-69 » à cheval"):
        cod.avoidable_fractions_of(["C34"], ["60-69"])
    with pytest.raises(ValueError, match="classe d'âge illisible"):
        cod.avoidable_fractions_of(["C34"], ["adultes"])


def test_avoidable_table_follows_the_lists():
    t = cod.avoidable_cause_table()
    shared = t[t["fraction"] == 0.5]
    pairs = shared.groupby("rubrique")["indicateur"].apply(sorted)
    assert (pairs.apply(tuple) == ("preventable", "treatable")).all()
    assert set(pairs.index) == {
        "tuberculosis",
        "diabetes",
        "hypertensive_diseases",
        "ischaemic_heart_diseases",
        "cerebrovascular_diseases",
        "other_atherosclerosis",
    }
    oecd = t[t["indicateur"] != "premature_avoidable"]
    assert oecd.groupby("rubrique")["fraction"].sum().eq(1).all()  # a whole death per item, split or not
    assert set(zip(oecd["age_min"], oecd["age_max"])) == {(0, 74)}
    french = t[t["indicateur"] == "premature_avoidable"]
    assert set(zip(french["age_min"], french["age_max"])) == {(0, 64)} and len(french) == 7


def test_an_icd_code_counted_twice_is_refused(tmp_path, monkeypatch):
    bad = tmp_path / "avoidable_causes.csv"
    bad.write_text(
        "indicateur;rubrique;cim10;cim10_exclus;age_min;age_max;fraction;libelle\n"
        "preventable;lung;C33-C34;;0;74;1;Poumon\ntreatable;lung_again;C34.9;;0;74;0.5;Poumon\n",
        encoding="utf-8",
    )
    monkeypatch.setattr(cod, "AVOIDABLE_CAUSES", bad)
    cod.avoidable_cause_table.cache_clear()
    try:
        with pytest.raises(RawDataError, match="le code C34.9 compte pour plus d'un décès"):
            cod.avoidable_cause_table()
        bad.write_text(
            "indicateur;rubrique;cim10;cim10_exclus;age_min;age_max;fraction;libelle\n"
            "preventable;lung;C33-C3X;;0;74;1;Poumon\n",
            encoding="utf-8",
        )
        cod.avoidable_cause_table.cache_clear()
        with pytest.raises(RawDataError) as err:
            cod.avoidable_cause_table()
        assert err.value.line == 2 and err.value.column == "cim10" and "« C33-C3X »" in err.value.problem
    finally:
        cod.avoidable_cause_table.cache_clear()


# --- catalog entries --------------------------------------------------------------------------------------------


def test_source_info_describes_both_file_kinds():
    fields = {f.name for f in dataclasses.fields(Source)}
    for key, info in cod.SOURCE_INFO.items():
        assert info["key"] == key and set(info) <= fields and all(p == p.lower() for p in info["patterns"])
    first_line = lambda p: {c.strip().strip('"') for c in p.read_text(encoding="utf-8").splitlines()[0].split(";")}  # noqa: E731
    assert set(cod.SOURCE_INFO["cepidc_causes"]["header"]) <= first_line(FIXTURES / "cepidc_tumeurs_dep_2021_2022.csv")
    assert set(cod.SOURCE_INFO["cause_deaths"]["header"]) == first_line(FIXTURES / "deces_causes_2019_2021.csv")
    assert fnmatch.fnmatch("deces_causes_2019_2021.csv", cod.SOURCE_INFO["cause_deaths"]["patterns"][0])
    assert cod.TIDY_COLUMNS == ["niveau", "code", "annee", "sexe", "classe_age", "cause", "deces"]
    assert "niveau;code;annee;sexe;classe_age;cause;deces" in cod.__doc__


def test_cepidc_areas_as_codes_or_names(tmp_path):
    path = tmp_path / "export_cepidc.csv"
    rows = ["Côte-d’Or", "01 - Ain", "2", "Corse-du-Sud", "971", "Nouvelle-Calédonie"]
    header = ";".join(
        [
            "annee_de_deces",
            "departement_de_domicile",
            "sexe",
            "classe_d_age_de_10_ans",
            "cause_initiale_de_deces",
            "effectif_de_deces",
        ]
    )
    body = "".join(
        f"2022;{area};Femmes;85-94;7. Maladies de l'appareil circulatoire;{i}\n" for i, area in enumerate(rows[:5], 1)
    )
    path.write_text(header + "\n" + body, encoding="utf-8")
    df = cod.read_cepidc_export(path)
    assert df.set_index("code")["deaths"].to_dict() == {"01": 2, "02": 3, "21": 1, "2A": 4, "971": 5}
    path.write_text(path.read_text(encoding="utf-8") + f"2022;{rows[5]};Femmes;85-94;7. Maladies;1\n", encoding="utf-8")
    with pytest.raises(RawDataError) as err:
        cod.read_cepidc_export(path)
    assert err.value.line == 7 and "« Nouvelle-Calédonie » : code ou nom de département" in err.value.problem
