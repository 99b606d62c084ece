"""Ameli « démographie des professionnels de santé » (effectifs): age × sex rows by département, and the
share of general practitioners aged 60 and over."""

from pathlib import Path

import pandas as pd
import pytest

from diagnostics.sources import RawDataError
from diagnostics.sources.ameli_demography import SOURCE_INFO, age_band, read_ameli_demography, share_aged_60_plus

FIXTURE = Path(__file__).parent / "fixtures" / "ameli" / "demographie-effectifs-et-les-densites.csv"
HEADER = FIXTURE.read_text(encoding="utf-8").splitlines()[0]


def write(path: Path, rows: list[str], encoding="utf-8") -> Path:
    path.write_bytes(("\n".join(rows) + "\n").encode(encoding))
    return path


def test_crossed_age_sex_rows_of_departements_and_france_are_kept():
    df = read_ameli_demography(FIXTURE)
    assert list(df.columns) == ["departement_code", "year", "profession", "age_band", "sex", "practitioners"]
    # Doubs: 11 bands × 2 sexes + 1 man of unknown age; Jura: 22 + 1 of unknown sex; France 22; nurses of Doubs 22
    assert len(df) == 90
    assert sorted(df["departement_code"].unique()) == ["25", "39", "FRANCE"]
    assert sorted(df["profession"].unique()) == ["general_practitioner", "nurse"]
    doubs = df[(df["departement_code"] == "25") & (df["profession"] == "general_practitioner")].set_index(
        ["sex", "age_band"]
    )
    assert doubs.loc[("M", "60-64"), "practitioners"] == 25
    assert doubs.loc[("F", "70+"), "practitioners"] == 3
    assert doubs.loc[("M", "00-24"), "practitioners"] == 0
    assert doubs.loc[("M", "inconnu"), "practitioners"] == 1
    jura = df[df["departement_code"] == "39"]
    assert jura[jura["sex"] == "inconnu"][["age_band", "practitioners"]].values.tolist() == [["40-44", 1]]
    assert set(df["year"]) == {2023}
    assert df.attrs["details"] == [
        "25 ligne(s) de région ignorée(s) (sommes de leurs départements)",
        "2 ligne(s) d'autres professions ou sous-totaux non retenues (2 libellé(s))",
        "90 ligne(s) âge × sexe retenues, 3 territoire(s), année(s) 2023",
    ]
    assert df.attrs["warnings"] == []


def test_share_of_general_practitioners_aged_60_and_over():
    share = share_aged_60_plus(read_ameli_demography(FIXTURE)).set_index("departement_code")
    # Doubs: 60–64 (25 + 10) + 65–69 (20 + 5) + 70+ (12 + 3) = 75 of 365 of known age (the man of unknown age left out)
    assert share.loc["25", ["practitioners_60_plus", "practitioners"]].tolist() == [75, 365]
    assert share.loc["25", "share"] == pytest.approx(100 * 75 / 365)  # 20,5 %
    # Jura: 8 + 6 + 4 men and 3 × 3 women of 60+ = 27 of 84 (53 men, 30 women, 1 of unknown sex)
    assert share.loc["39", "share"] == pytest.approx(100 * 27 / 84)
    assert share.loc["FRANCE", ["practitioners_60_plus", "practitioners"]].tolist() == [11250, 54750]
    nurses = share_aged_60_plus(read_ameli_demography(FIXTURE), "nurse")
    assert nurses[["departement_code", "practitioners_60_plus", "practitioners"]].values.tolist() == [["25", 33, 514]]


def test_share_is_missing_without_practitioners_and_refuses_a_band_across_60():
    df = pd.DataFrame(
        {
            "departement_code": ["48", "48"],
            "year": [2023, 2023],
            "profession": ["general_practitioner"] * 2,
            "age_band": ["25-29", "70+"],
            "sex": ["F", "M"],
            "practitioners": [0, 0],
        }
    )
    assert share_aged_60_plus(df)["share"].isna().all()
    with pytest.raises(ValueError, match="« 55-64 » à cheval sur 60 ans"):
        share_aged_60_plus(df.assign(age_band=["55-64", "70+"]))


@pytest.mark.parametrize(
    "label, band",
    [
        ("moins de 25 ans", "00-24"),
        ("de 25 à 29 ans", "25-29"),
        ("De 65 a 69 ans", "65-69"),
        ("70 ans et plus", "70+"),
        ("âge inconnu", "inconnu"),
        ("Tout âge", "total"),
        ("entre 25 et 29 ans", None),
    ],
)
def test_age_labels(label, band):
    assert age_band(label) == band


def test_spreadsheet_copies_are_accepted(tmp_path):
    rows = FIXTURE.read_text(encoding="utf-8").splitlines()
    expected = read_ameli_demography(FIXTURE)
    latin1 = read_ameli_demography(write(tmp_path / "latin1.csv", rows, encoding="cp1252"))
    pd.testing.assert_frame_equal(latin1, expected)
    commas = [r.replace(";7,6;", ";;").replace(";66,1;", ";;").replace(";", ",") for r in rows]
    commas = read_ameli_demography(write(tmp_path / "virgules.csv", commas))
    pd.testing.assert_frame_equal(commas, expected)
    dates = [rows[0]] + [r.replace("2023;", "2023-01-01;", 1) for r in rows[1:]]
    pd.testing.assert_frame_equal(read_ameli_demography(write(tmp_path / "dates.csv", dates)), expected)
    ain = [rows[0], "2023;Sages-femmes;84;Auvergne-Rhône-Alpes;1;Ain;30_34;de 30 à 34 ans;femmes;12;;;;"]
    assert read_ameli_demography(write(tmp_path / "ain.csv", ain))[
        ["departement_code", "profession"]
    ].values.tolist() == [["01", "midwife"]]


def test_secret_or_empty_counts_are_left_out_and_counted(tmp_path):
    rows = [
        HEADER,
        "2023;Sages-femmes;27;BFC;25;Doubs;30_34;de 30 à 34 ans;femmes;NS;;;;",
        "2023;Sages-femmes;27;BFC;25;Doubs;35_39;de 35 à 39 ans;femmes;;;;;",
        "2023;Sages-femmes;27;BFC;25;Doubs;40_44;de 40 à 44 ans;femmes;7;;;;",
    ]
    df = read_ameli_demography(write(tmp_path / "ns.csv", rows))
    assert df["practitioners"].tolist() == [7]
    assert df.attrs["warnings"] == ["2 ligne(s) sans effectif (vide ou « NS ») non retenue(s)"]


def test_a_total_that_differs_from_its_rows_is_a_warning(tmp_path):
    rows = FIXTURE.read_text(encoding="utf-8").splitlines()
    total = next(
        i
        for i, r in enumerate(rows)
        if r.startswith("2023;Infirmiers;27;Bourgogne-Franche-Comté;25;Doubs;tout_age;Tout âge;tout sexe;")
    )
    rows[total] = rows[total].replace(";514;", ";520;")
    df = read_ameli_demography(write(tmp_path / "total.csv", rows))
    assert df.attrs["warnings"] == [
        "1 total(aux) « Tout âge, tout sexe » différent(s) de la somme des classes d'âge et sexes "
        "(premier : 25, 2023, nurse : 520 contre 514)"
    ]


BAD = "2023;Infirmiers;27;BFC;25;Doubs;30_34;de 30 à 34 ans;femmes;12;;;;"


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        (BAD.replace("2023;", "20x3;", 1), "annee", "valeur « 20x3 » : année attendue"),
        (BAD.replace(";25;Doubs", ";2C;Doubs"), "departement", "valeur « 2C » : code de département attendu"),
        (
            BAD.replace("de 30 à 34 ans", "entre 30 et 34 ans"),
            "libelle_classe_age",
            "valeur « entre 30 et 34 ans » : classe d'âge",
        ),
        (BAD.replace(";femmes;", ";F;"), "libelle_sexe", "valeur « F » : sexe attendu"),
        (BAD.replace(";12;", ";-3;"), "effectif", "valeur « -3 » : effectif entier positif ou nul attendu"),
        (BAD.replace(";12;", ";douze;"), "effectif", "valeur « douze » : effectif entier"),
        (BAD.replace(";12;", ";2,5;"), "effectif", "valeur « 2,5 » : effectif entier"),
    ],
)
def test_bad_values_name_file_line_and_column(tmp_path, row, column, fragment):
    path = write(tmp_path / "bad.csv", [HEADER, BAD.replace("30_34;de 30 à 34 ans", "25_29;de 25 à 29 ans"), row])
    with pytest.raises(RawDataError) as err:
        read_ameli_demography(path)
    assert str(err.value).startswith(f"{path}, ligne 3, colonne « {column} » : {fragment}")


def test_unmapped_professions_are_not_checked_further(tmp_path):
    path = write(
        tmp_path / "autres.csv", [HEADER, BAD, BAD.replace("Infirmiers", "Orthophonistes").replace(";femmes;", ";F;")]
    )
    assert read_ameli_demography(path)["profession"].tolist() == ["nurse"]


def test_duplicates_and_missing_columns_are_refused(tmp_path):
    path = write(tmp_path / "double.csv", [HEADER, BAD, BAD])
    with pytest.raises(RawDataError, match=r"ligne 3 : ligne en double pour 25, 2023, nurse, 30-34, F"):
        read_ameli_demography(path)
    path = write(tmp_path / "colonnes.csv", [HEADER.replace("libelle_sexe", "sexe"), BAD])
    with pytest.raises(RawDataError, match=r"ligne 1 : colonne\(s\) manquante\(s\) : libelle_sexe"):
        read_ameli_demography(path)
    with pytest.raises(RawDataError, match="aucune ligne de données"):
        read_ameli_demography(write(tmp_path / "vide.csv", [HEADER]))
    path = write(tmp_path / "champs.csv", [HEADER, BAD, BAD + ";en trop"])
    with pytest.raises(
        RawDataError, match=r"ligne 3 : ligne mal formée \(CSV parse error: Expected 14 columns, got 15"
    ):
        read_ameli_demography(path)


def test_source_info_header_is_the_export_header():
    assert set(SOURCE_INFO["header"]) <= set(HEADER.split(";"))
