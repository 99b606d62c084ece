"""Filosofi reader: the publications as downloaded, secret cells kept missing and counted, every
validation error naming the file, line, column and what was expected.

Fixtures (tests/fixtures/filosofi/): ``cc_filosofi_2021_COM.csv`` holds real lines of the INSEE file
(copy in greg2gld/DS-Immo, Licence Ouverte); the DISP / DISP_PAUVRES and Melodi files follow the
layouts seen in reusers' code, with invented values.
"""

import fnmatch
import shutil
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from diagnostics.sources.errors import RawDataError
from diagnostics.sources.filosofi import (
    SOURCE_INFO,
    filosofi_communes,
    read_filosofi,
    read_filosofi_file,
    source_kind,
)

FIXTURES = Path(__file__).parent / "fixtures" / "filosofi"
CC = FIXTURES / "cc_filosofi_2021_COM.csv"
DISP = FIXTURES / "FILO2019_DISP_COM.csv"
POOR = FIXTURES / "FILO2019_DISP_PAUVRES_COM.csv"
MELODI = FIXTURES / "DS_FILOSOFI_CC_2021_data.csv"


def row(table, code, level="COM"):
    return table[(table["code"] == code) & (table["level"] == level)].iloc[0]


def test_chiffres_cles_2021_read_with_vintage_decimal_comma_and_secret_cells():
    t = read_filosofi_file(CC)
    assert list(t.columns) == [
        "level",
        "code",
        "year",
        "households",
        "population",
        "consumption_units",
        "median_income",
        "poverty_rate",
    ]
    assert len(t) == 12 and set(t["year"]) == {2021} and set(t["level"]) == {"COM"}
    r = row(t, "01004")
    assert (r["households"], r["population"], r["median_income"], r["poverty_rate"]) == (6855, 15092, 21660, 17.0)
    assert row(t, "01109")["poverty_rate"] == 11.0  # 814 households, rate published
    assert np.isnan(row(t, "01089")["poverty_rate"])  # 896 households, rate secret
    assert (
        t.loc[t["code"] == "01019", ["households", "population", "median_income", "poverty_rate"]].isna().all(axis=None)
    )
    assert t["consumption_units"].isna().all()  # not in this publication
    assert t.attrs["suppressed"] == {"COM": {"households": 1, "population": 1, "median_income": 1, "poverty_rate": 6}}
    detail = t.attrs["details"][0]
    assert detail.startswith("cc_filosofi_2021_COM.csv : Filosofi 2021, 12 communes")
    assert "médiane du niveau de vie 1" in detail and "taux de pauvreté à 60 % 6" in detail
    assert "absent(s) du fichier : unités de consommation" in detail


def test_secret_cells_are_exactly_the_missing_values_never_filled_in():
    lines = CC.read_text().splitlines()
    header = lines[0].split(";")
    cells = {line.split(";")[0]: dict(zip(header, line.split(";"))) for line in lines[1:]}
    t = read_filosofi_file(CC).set_index("code")
    for column, field in [("MED21", "median_income"), ("TP6021", "poverty_rate"), ("NBMENFISC21", "households")]:
        secret = {code for code, c in cells.items() if c[column] == "s"}
        assert set(t.index[t[field].isna()]) == secret
        published = t.loc[sorted(set(cells) - secret), field]
        assert published.tolist() == [float(cells[c][column].replace(",", ".")) for c in published.index]


def test_disp_and_poverty_files_of_a_vintage_are_combined():
    t = read_filosofi([POOR, DISP])
    r = row(t, "01004")
    assert (
        r["year"],
        r["households"],
        r["population"],
        r["consumption_units"],
        r["median_income"],
        r["poverty_rate"],
    ) == (2019, 6712, 14938, 9834.6, 20940, 16.5)
    r = row(t, "01006")
    assert r["median_income"] == 24010 and np.isnan(r["poverty_rate"])  # secret in the PAUVRES file
    assert t.attrs["suppressed"] == {
        "COM": {"households": 0, "population": 0, "consumption_units": 0, "median_income": 0, "poverty_rate": 1}
    }
    assert t.attrs["details"][0].endswith("absent(s) du fichier : taux de pauvreté à 60 %")
    assert (
        t.attrs["details"][-1] == "ensemble : Filosofi 2019, 4 communes (sans valeur, secret statistique : "
        "taux de pauvreté à 60 % 1)"
    )


def test_two_files_disagreeing_on_a_cell_are_refused(tmp_path):
    other = tmp_path / "FILO2019_DISP_COM_bis.csv"
    other.write_text(DISP.read_text().replace(";20940;", ";20950;"))
    with pytest.raises(
        RawDataError,
        match=r"médiane du niveau de vie de 01004 \(2019\) différent\(e\) dans "
        r"FILO2019_DISP_COM.csv et FILO2019_DISP_COM_bis.csv",
    ):
        read_filosofi([DISP, other])


def test_melodi_long_format_levels_and_confidential_cells():
    t = read_filosofi_file(MELODI)
    assert sorted(t["level"].unique()) == ["COM", "DEP", "EPCI"]
    r = row(t, "01004")
    assert (r["year"], r["households"], r["population"], r["median_income"], r["poverty_rate"]) == (
        2021,
        6855,
        15092,
        21660,
        17,
    )
    assert np.isnan(row(t, "01001")["poverty_rate"])  # CONF_STATUS C
    assert (row(t, "01", "DEP")["median_income"], row(t, "01", "DEP")["poverty_rate"]) == (24410, 10.6)
    assert t.attrs["suppressed"]["COM"]["poverty_rate"] == 1
    assert t.attrs["suppressed"]["DEP"] == {"median_income": 0, "poverty_rate": 0}  # measures absent ≠ secret
    assert t.attrs["suppressed"]["EPCI"] == {"median_income": 0}
    assert "taux de pauvreté à 60 % 1" in t.attrs["details"][0]


def test_melodi_value_flagged_confidential_is_not_used(tmp_path):
    p = tmp_path / "DS_FILOSOFI_CC_data.csv"
    p.write_text(MELODI.read_text().replace("01001;COM;PR_MD60;PT;0;C;A;2021;", "01001;COM;PR_MD60;PT;0;C;A;2021;9.0"))
    assert np.isnan(row(read_filosofi_file(p), "01001")["poverty_rate"])


def test_commune_table_drops_arrondissements_when_their_commune_is_given(tmp_path):
    p = tmp_path / "cc_filosofi_2021_COM.csv"
    p.write_text(
        CC.read_text() + "75056;1100000;2090000;29930;s;15,0;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s\n"
        "75101;9000;15000;33000;s;12,0;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s\n"
        "69381;14000;27000;31000;s;13,0;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s;s\n"
    )
    table = read_filosofi([p])
    assert row(table, "75101", "ARM")["median_income"] == 33000
    communes = filosofi_communes(table)
    assert list(communes.columns) == [
        "commune",
        "year",
        "households",
        "population",
        "consumption_units",
        "median_income",
        "poverty_rate",
    ]
    assert "75056" in set(communes["commune"]) and "75101" not in set(communes["commune"])
    assert "69381" in set(communes["commune"])  # Lyon itself not given: its arrondissement is kept
    assert communes.attrs["details"][-1].startswith("1 arrondissements municipaux écartés")
    assert communes.attrs["suppressed"]["poverty_rate"] == 6


def _workbook(path, sheets):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for title in ["Revenus et pauvreté des ménages en 2016", "Niveau : communes", "", "Source : Insee-DGFiP", ""]:
            ws.append([title])
        for r in rows:
            ws.append(r)
    wb.save(path)
    return path


def test_base_cc_workbook_one_sheet_per_level_with_title_rows(tmp_path):
    header = ["CODGEO", "LIBGEO", "NBMENFISC16", "NBPERSMENFISC16", "MED16", "TP6016"]
    p = _workbook(
        tmp_path / "base-cc-filosofi-2016.xlsx",
        {
            "COM": [
                header,
                [1004, "Ambérieu-en-Bugey", 6512, 14511, 20636.7, 16.3],
                ["01019", "Arbignieu", "s", "s", "s", "s"],
                ["01109", "Chazey-Bons", 784, 2071, 31885, None],
            ],
            "DEP": [header, [1, "Ain", 253000, 606000, 22270, 10.6]],
            "ZE2010": [header, ["8201", "Bourg", 1, 2, 3, 4]],
        },
    )
    t = read_filosofi_file(p)
    assert sorted(t["level"].unique()) == ["COM", "DEP"]  # zonages not read
    assert row(t, "01004")["median_income"] == 20636.7  # code 1004 → 01004
    assert row(t, "01", "DEP")["poverty_rate"] == 10.6
    assert np.isnan(row(t, "01109")["poverty_rate"])  # empty cell = secret
    assert t.attrs["suppressed"]["COM"]["poverty_rate"] == 2


def test_disp_workbook_reads_the_ensemble_sheet(tmp_path):
    p = _workbook(
        tmp_path / "FILO2019_DISP_COM.xlsx",
        {
            "TYPMENR_1": [["CODGEO", "LIBGEO", "TME1NBMEN19", "TME1Q219"], ["01004", "X", 1, 2]],
            "ENSEMBLE": [
                ["CODGEO", "LIBGEO", "NBMEN19", "NBPERS19", "NBUC19", "Q219"],
                ["01004", "X", 6712, 14938, 9834.6, 20940],
            ],
        },
    )
    t = read_filosofi_file(p)
    assert t[["level", "code", "year", "median_income"]].values.tolist() == [["COM", "01004", 2019, 20940]]


CC_HEAD = CC.read_text().splitlines()[0]


def replaced(tmp_path, old, new, name="cc_filosofi_2021_COM.csv"):
    p = tmp_path / name
    text = CC.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    return p


@pytest.mark.parametrize(
    "old, new, line, column, fragment",
    [
        (
            "\n01004;",
            "\n1004A;",
            4,
            "CODGEO",
            "code « 1004A » invalide : code commune INSEE (5 caractères, ex. 01004, 2A004) attendu",
        ),
        (
            "01053;18870;37019;20210;",
            "01053;18870;37019;2O210;",
            10,
            "MED21",
            "valeur « 2O210 » : nombre attendu, ou « s »",
        ),
        ("01033;6545;", "01033;-6545;", 8, "NBMENFISC21", "valeur « -6545 » négative"),
        (
            "01034;4073;8591;21180;48,0;18,0;",
            "01034;4073;8591;21180;48,0;118,0;",
            9,
            "TP6021",
            "valeur « 118,0 » : au plus 100",
        ),
        (  # a header whose MED and D1 columns were swapped would read the first decile as the median
            "01034;4073;8591;21180;",
            "01034;4073;8591;2118;",
            9,
            "MED21",
            "valeur « 2118 » : attendue entre ses déciles ou quartiles (D121, D921) — colonnes interverties",
        ),
        (  # a weighted mean of the rates of owners (7,0) and tenants (29,0) cannot be above both
            "01034;4073;8591;21180;48,0;18,0;",
            "01034;4073;8591;21180;48,0;31,0;",
            9,
            "TP6021",
            "valeur « 31,0 » : attendue entre ses valeurs par âge ou par statut d'occupation du référent fiscal "
            "(TP60TOL121, TP60TOL221)",
        ),
        (
            "01109;814;2144;",
            "01109;814;744;",
            12,
            "NBPERSMENFISC21",
            "valeur « 744 » : moins de personnes que de ménages fiscaux",
        ),
    ],
)
def test_errors_name_file_line_column_and_expectation(tmp_path, old, new, line, column, fragment):
    p = replaced(tmp_path, old, new)
    with pytest.raises(RawDataError) as err:
        read_filosofi_file(p)
    e = err.value
    assert (e.path, e.line, e.column) == (p, line, column)
    assert fragment in str(e) and f"ligne {line}, colonne « {column} »" in str(e)


@pytest.mark.parametrize(
    "old, new, line, fragment",
    [
        ("\n01005;", "\n01004;", 5, "code « 01004 » en double"),
        ("01006;51;107;24210;s;", "01006;51;107;24210;", 6, "ligne mal formée : 27 champ(s) au lieu de 28"),
        (CC_HEAD, CC_HEAD.replace(";", ","), 1, "séparateur « ; » attendu (le fichier semble séparé par « , »)"),
        ("MED21;PIMP21;TP6021", "MEDIANE;PIMP21;TP60", 1, "colonnes Filosofi introuvables"),
        ("TP6021;", "TP6020;", 1, "variables de plusieurs millésimes"),
    ],
)
def test_layout_errors_name_the_line(tmp_path, old, new, line, fragment):
    p = replaced(tmp_path, old, new)
    with pytest.raises(RawDataError) as err:
        read_filosofi_file(p)
    assert err.value.line == line and fragment in str(err.value)


def test_encoding_level_and_workbook_errors(tmp_path):
    p = tmp_path / "cc_filosofi_2021_COM.csv"
    p.write_bytes(CC.read_text().encode("utf-16"))
    with pytest.raises(RawDataError, match="encodage UTF-16"):
        read_filosofi_file(p)
    p = tmp_path / "revenus.csv"
    p.write_text("CODGEO;MED21;TP6021\n01;22270;10,6\n")
    with pytest.raises(RawDataError, match="niveau géographique introuvable"):
        read_filosofi_file(p)
    p = tmp_path / "base-cc-filosofi-2016.xls"
    shutil.copy(CC, p)
    with pytest.raises(RawDataError, match=r"classeur \.xls"):
        read_filosofi_file(p)
    p = _workbook(
        tmp_path / "base-cc-filosofi-2016.xlsx", {"COM": [["CODGEO", "MED16", "TP6016"], ["01004", "vingt", 16.3]]}
    )
    with pytest.raises(RawDataError) as err:
        read_filosofi_file(p)
    assert (err.value.line, err.value.column) == (7, "MED16") and "feuille « COM » : valeur « vingt »" in str(err.value)


@pytest.mark.parametrize(
    "old, new, line, column, fragment",
    [
        (
            "01004;COM;MED_SL;EUR_YR;0;F;A;2021;",
            "01004;COM;MED_SL;EUR_YR;0;F;A;21;",
            2,
            "TIME_PERIOD",
            "année « 21 » invalide",
        ),
        ("01;DEP;PR_MD60;PT;0;F;A;2021;10.6", "01;DEP;PR_MD60;PT;0;F;A;2021;dix", 12, "OBS_VALUE", "valeur « dix »"),
        ("01004;COM;NUM_HH", "1004;COM;NUM_HH", 4, "GEO", "code « 1004 » invalide"),
        (
            "01001;COM;NUM_PER;PS;0;F;A;2021;895",
            "01001;COM;NUM_HH;PS;0;F;A;2021;895",
            10,
            None,
            "mesure « COM 01001 NUM_HH 2021 » en double",
        ),
    ],
)
def test_melodi_errors(tmp_path, old, new, line, column, fragment):
    p = tmp_path / "DS_FILOSOFI_CC_data.csv"
    text = MELODI.read_text()
    assert old in text
    p.write_text(text.replace(old, new, 1))
    with pytest.raises(RawDataError) as err:
        read_filosofi_file(p)
    assert (err.value.line, err.value.column) == (line, column) and fragment in str(err.value)


def test_source_info_names_and_headers_identify_each_publication():
    keys = [k["key"] for k in SOURCE_INFO]
    assert keys == ["filosofi_cc", "filosofi_disp", "filosofi_disp_poverty", "filosofi_melodi"]
    for kind in SOURCE_INFO:
        assert {"key", "label", "publisher", "use", "patterns", "header"} <= set(kind)
        assert all(p == p.lower() for p in kind["patterns"])

    def by_name(name):
        return [k["key"] for k in SOURCE_INFO if any(fnmatch.fnmatch(name.lower(), p) for p in k["patterns"])]

    assert by_name("cc_filosofi_2021_COM.csv") == ["filosofi_cc"]
    assert by_name("base-cc-filosofi-2016.xlsx") == ["filosofi_cc"]
    assert by_name("FILO2021_DISP_COM.csv") == ["filosofi_disp"]
    assert by_name("FILO2021_DISP_PAUVRES_COM.csv") == ["filosofi_disp_poverty"]
    assert by_name("DS_FILOSOFI_CC_data.csv") == ["filosofi_melodi"]
    assert by_name("FILO_DISP_COM.xlsx") == ["filosofi_disp"]
    assert by_name("FILO2018_TRDECILES_DISP_COM.csv") == [] and by_name("FILO2021_DEC_COM.csv") == []
    header = lambda p: p.read_text().splitlines()[0].split(";")  # noqa: E731
    assert [source_kind(header(p)) for p in (CC, DISP, POOR, MELODI)] == keys
    assert source_kind(["CODGEO", "P21_CHOM1564"]) is None


def test_vintages_combined_count_only_the_cells_their_files_give():
    t = read_filosofi([CC, DISP, POOR])
    assert sorted(t["year"].unique()) == [2019, 2021] and len(t) == 16
    # the 2021 file has no consumption units: those empty cells are not secret ones
    assert t.attrs["suppressed"]["COM"] == {
        "households": 1,
        "population": 1,
        "consumption_units": 0,
        "median_income": 1,
        "poverty_rate": 7,
    }
    communes = filosofi_communes(t)
    assert communes.attrs["suppressed"] == t.attrs["suppressed"]["COM"]
    assert communes.attrs["details"][0].startswith("Filosofi 2019, 2021, 16 communes (sans valeur, secret statistique")


@pytest.mark.parametrize("block", [1, 3, 8, 1 << 23])
def test_field_counts_checked_by_blocks_keep_the_file_line(block):
    from diagnostics.sources.filosofi import _check_field_counts

    raw = b"A;B;C\n1;2;3\n\n4;5;6\r\n7;8\n9;9;9"
    with pytest.raises(RawDataError) as err:
        _check_field_counts(Path("x.csv"), raw, ";", 3, block=block)
    assert err.value.line == 5 and "2 champ(s) au lieu de 3" in str(err.value)
    _check_field_counts(Path("x.csv"), b"A;B;C\r\n1;2;3\r\n\r\n4;5;6\r\n", ";", 3, block=block)


def test_file_level_errors(tmp_path):
    with pytest.raises(RawDataError, match="fichier introuvable"):
        read_filosofi_file(tmp_path / "cc_filosofi_2021_COM.csv")
    p = tmp_path / "cc_filosofi_2021_COM.csv"
    p.write_text("\n\n")
    with pytest.raises(RawDataError, match="le fichier est vide"):
        read_filosofi_file(p)
    p.write_text("CODGEO;MED21;MED21\n01004;21660;21660\n")
    with pytest.raises(RawDataError, match="ligne 1 : colonne « MED21 » en double dans l'en-tête"):
        read_filosofi_file(p)
    p = tmp_path / "DS_FILOSOFI_CC_data.csv"
    p.write_text("GEO;GEO_OBJECT;FILOSOFI_MEASURE;OBS_VALUE\n01004;COM;MED_SL;21660\n")
    with pytest.raises(RawDataError, match="ligne 1 : colonne\\(s\\) manquante\\(s\\) : TIME_PERIOD"):
        read_filosofi_file(p)
    p.write_text("GEO;GEO_OBJECT;FILOSOFI_MEASURE;TIME_PERIOD;OBS_VALUE\n;FRANCE;MED_SL;2021;23160\n")
    with pytest.raises(RawDataError) as err:
        read_filosofi_file(p)
    assert (err.value.line, err.value.column) == (2, "GEO") and "code géographique vide" in str(err.value)


NOTE = Path("/work/shared/formats/12_insee_filosofi_commune.md")


@pytest.mark.skipif(not NOTE.exists(), reason="shared format notes absent")
def test_the_real_lines_quoted_in_the_format_note(tmp_path):
    text = NOTE.read_text()
    header = next(line.strip(" `") for line in text.splitlines() if line.strip(" `").startswith("CODGEO;NBMENFISC21"))
    sample = text.split("Sample (greg2gld/DS-Immo")[1].split("```")[1].strip().splitlines()
    p = tmp_path / "cc_filosofi_2021_COM.csv"
    p.write_text("\n".join([header, *sample]) + "\n")
    t = read_filosofi_file(p).set_index("code")
    assert t.loc["01004", "median_income"] == 21660 and np.isnan(t.loc["01001", "poverty_rate"])
    assert t.loc["01019"].drop(["level", "year"]).isna().all() and t.loc["01109", "poverty_rate"] == 11.0
