"""Census « bases communales »: recognised by their variables whatever the vintage, numerators and
denominators taken from the right exploitation, weighted counts kept as floats, every validation error
naming the file, line, column and what was expected.

Fixtures (tests/fixtures/census_bases/): the real layouts (variable names of INSEE's meta files and of
reusers' code: ``CODGEO`` then ``P21_…`` / ``C21_…``, older vintages repeated, IRIS bases with ``IRIS``
and ``COM``, ISO-8859-1), invented weighted counts.
"""

import fnmatch
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnostics.sources.census_bases import (
    INDICATOR_LABELS,
    PAIR_COLUMNS,
    SOURCE_INFO,
    read_census_base,
    read_census_bases,
    source_kind,
)
from diagnostics.sources.errors import RawDataError

FIXTURES = Path(__file__).parent / "fixtures" / "census_bases"
ACTIVITY = FIXTURES / "base-cc-emploi-pop-active-2021.CSV"
DIPLOMAS = FIXTURES / "base-cc-diplomes-formation-2021.CSV"
DIPLOMAS_2016 = FIXTURES / "base-cc-diplomes-formation-2016.CSV"
FAMILIES = FIXTURES / "base-cc-coupl-fam-men-2021.CSV"
IRIS = FIXTURES / "base-ic-diplomes-formation-2021.CSV"


def raw(path, key="CODGEO"):
    """The file's cells as floats (empty → NaN), straight from the text."""
    df = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False, encoding="latin-1")
    values = df.drop(columns=[c for c in df if c[:1] not in "PC" or "_" not in c])
    return values.replace("", np.nan).astype(float).set_index(df[key])


def at(table, commune, year):
    return table[(table["commune"] == commune) & (table["year"] == year)].iloc[0]


def test_activity_base_gives_both_vintages_from_the_right_exploitation():
    t = read_census_base(ACTIVITY)
    assert list(t.columns) == [
        "commune",
        "year",
        "unemployment_rate_numerator",
        "unemployment_rate_denominator",
        "share_blue_collar_numerator",
        "share_blue_collar_denominator",
    ]
    assert sorted(t["year"].unique()) == [2015, 2021] and len(t) == 24
    assert t.attrs["indicators"] == {
        2015: ["unemployment_rate", "share_blue_collar"],
        2021: ["unemployment_rate", "share_blue_collar"],
    }
    v = raw(ACTIVITY).loc["01053"]
    r = at(t, "01053", 2021)
    assert (
        r["unemployment_rate_numerator"] == v["P21_CHOM1564"] and r["unemployment_rate_denominator"] == v["P21_ACT1564"]
    )
    # blue-collar share on the complementary exploitation: C21_ACT1564, not P21_ACT1564
    assert (
        r["share_blue_collar_numerator"] == v["C21_ACT1564_CS6"]
        and r["share_blue_collar_denominator"] == v["C21_ACT1564"]
    )
    assert v["C21_ACT1564"] != v["P21_ACT1564"]
    assert at(t, "01053", 2015)["unemployment_rate_numerator"] == v["P15_CHOM1564"]
    assert t["unemployment_rate_denominator"].dtype == float and r["unemployment_rate_denominator"] % 1 != 0
    # 01006 has empty 2015 cells: missing, counted, not zero
    assert at(t, "01006", 2015)[["unemployment_rate_numerator", "share_blue_collar_denominator"]].isna().all()
    assert t[PAIR_COLUMNS[:4]].isna().sum().sum() == 4
    assert (
        "recensement 2015 : 12 communes, 2 indicateur(s) (sans valeur : taux de chômage des 15-64 ans 1, "
        "part des ouvriers parmi les actifs de 15-64 ans 1)" in t.attrs["details"][0]
    )


def test_diplomas_2021_at_most_brevet_and_at_least_bac():
    t = read_census_base(DIPLOMAS)
    v = raw(DIPLOMAS)
    for code in v.index:
        r, c = at(t, code, 2021), v.loc[code]
        assert r["share_no_diploma_numerator"] == pytest.approx(
            c["P21_NSCOL15P_DIPLMIN"] + c["P21_NSCOL15P_BEPC"], rel=1e-12
        )
        assert r["share_baccalaureate_numerator"] == pytest.approx(
            c["P21_NSCOL15P_BAC"] + c["P21_NSCOL15P_SUP2"] + c["P21_NSCOL15P_SUP34"] + c["P21_NSCOL15P_SUP5"], rel=1e-12
        )
        assert r["share_no_diploma_denominator"] == r["share_baccalaureate_denominator"] == c["P21_NSCOL15P"]
        # the two groups and CAP-BEP make up the whole non-schooled population: nothing counted twice
        total = r["share_no_diploma_numerator"] + c["P21_NSCOL15P_CAPBEP"] + r["share_baccalaureate_numerator"]
        assert total == pytest.approx(c["P21_NSCOL15P"], rel=1e-9)


def test_older_diploma_stems_2016_and_2011():
    t = read_census_base(DIPLOMAS_2016)
    v = raw(DIPLOMAS_2016).loc["01053"]
    r16, r11 = at(t, "01053", 2016), at(t, "01053", 2011)
    assert r16["share_no_diploma_numerator"] == v["P16_NSCOL15P_DIPLMIN"]  # 2015-2016: DIPLMIN includes the brevet
    assert r16["share_baccalaureate_numerator"] == pytest.approx(v["P16_NSCOL15P_BAC"] + v["P16_NSCOL15P_SUP"])
    assert r11["share_no_diploma_numerator"] == pytest.approx(
        v["P11_NSCOL15P_DIPL0"] + v["P11_NSCOL15P_CEP"] + v["P11_NSCOL15P_BEPC"]
    )
    assert r11["share_baccalaureate_numerator"] == pytest.approx(
        v["P11_NSCOL15P_BAC"] + v["P11_NSCOL15P_BACP2"] + v["P11_NSCOL15P_SUP"]
    )
    assert r11["share_baccalaureate_denominator"] == v["P11_NSCOL15P"]


def test_families_base():
    t = read_census_base(FAMILIES)
    v = raw(FAMILIES).loc["01004"]
    r = at(t, "01004", 2021)
    assert (r["share_single_parent_families_numerator"], r["share_single_parent_families_denominator"]) == (
        v["C21_FAMMONO"],
        v["C21_FAM"],
    )
    assert (r["share_80_plus_alone_numerator"], r["share_80_plus_alone_denominator"]) == (
        v["P21_POP80P_PSEUL"],
        v["P21_POP80P"],
    )


def test_iris_base_summed_to_communes_equals_the_commune_base():
    iris = read_census_base(IRIS)  # ISO-8859-1, accented LIBCOM / LIBIRIS
    communes = read_census_base(DIPLOMAS).set_index("commune")
    assert sorted(iris["commune"]) == ["01004", "01053", "01109"]
    for _, r in iris.iterrows():
        for column in [
            "share_no_diploma_numerator",
            "share_baccalaureate_numerator",
            "share_baccalaureate_denominator",
        ]:
            assert r[column] == pytest.approx(communes.loc[r["commune"], column], rel=1e-12)


def test_iris_with_a_missing_value_leaves_its_commune_missing(tmp_path):
    lines = IRIS.read_bytes().decode("latin-1").splitlines()
    cells = lines[1].split(";")
    cells[13] = ""  # P21_NSCOL15P_DIPLMIN of the first IRIS of 01004
    p = tmp_path / IRIS.name
    p.write_bytes("\n".join([lines[0], ";".join(cells), *lines[2:]]).encode("latin-1"))
    t = read_census_base(p).set_index("commune")
    assert np.isnan(t.loc["01004", "share_no_diploma_numerator"])  # no partial sum
    assert not np.isnan(t.loc["01004", "share_baccalaureate_numerator"]) and not np.isnan(
        t.loc["01053", "share_no_diploma_numerator"]
    )


def test_commune_base_preferred_to_the_iris_base_of_the_same_vintage():
    t = read_census_bases([IRIS, DIPLOMAS]).set_index("commune")
    communes = read_census_base(DIPLOMAS).set_index("commune")
    assert len(t) == 12  # the 12 communes of the commune base, not only the 3 of the IRIS file
    assert t["share_no_diploma_numerator"].equals(communes["share_no_diploma_numerator"])  # exactly its values
    assert f"{INDICATOR_LABELS['share_no_diploma']} 2021 : base-cc-diplomes-formation-2021.CSV" in t.attrs["details"]


def test_several_bases_make_one_table_per_commune_and_year():
    t = read_census_bases([FAMILIES, ACTIVITY, DIPLOMAS, DIPLOMAS_2016])
    assert list(t.columns) == ["commune", "year", *PAIR_COLUMNS]
    assert sorted(t["year"].unique()) == [2011, 2015, 2016, 2021]
    r = at(t, "01053", 2021)
    assert r[PAIR_COLUMNS].notna().all()
    assert r["unemployment_rate_numerator"] == raw(ACTIVITY).loc["01053", "P21_CHOM1564"]
    assert at(t, "01053", 2015)[["share_no_diploma_numerator", "share_80_plus_alone_denominator"]].isna().all()
    assert "taux de chômage des 15-64 ans 2021 : base-cc-emploi-pop-active-2021.CSV" in t.attrs["details"]


def test_an_indicator_in_two_bases_comes_from_the_newest_or_is_refused(tmp_path):
    text = DIPLOMAS_2016.read_text()
    header, *lines = text.splitlines()
    newer = tmp_path / "base-cc-diplomes-formation-2022.CSV"  # a 2022 base repeating the 2016 vintage, revised
    stems_2022 = [
        "NSCOL15P",
        "NSCOL15P_DIPLMIN",
        "NSCOL15P_BEPC",
        "NSCOL15P_CAPBEP",
        "NSCOL15P_BAC",
        "NSCOL15P_SUP2",
        "NSCOL15P_SUP34",
        "NSCOL15P_SUP5",
    ]  # in place of the eight P11_ columns (each row still a partition)
    columns = header.split(";")
    columns[6:] = [f"P22_{s}" for s in stems_2022]
    newer.write_text(
        ";".join(columns) + "\n" + "".join(line.replace("01053;30373.2;", "01053;30400;") + "\n" for line in lines)
    )
    t = read_census_bases([DIPLOMAS_2016, newer])
    assert at(t, "01053", 2016)["share_no_diploma_denominator"] == 30400  # from the 2022 base
    same = tmp_path / "base-cc-diplomes-formation-2016-bis.CSV"
    same.write_text(text)
    with pytest.raises(RawDataError) as err:
        read_census_bases([DIPLOMAS_2016, same])
    names = {err.value.path.name, str(err.value).split(" aussi donné(e) par ")[1].split(" ")[0]}
    assert names == {DIPLOMAS_2016.name, same.name} and "(même millésime) : n'en gardez qu'un" in str(err.value)


def test_arrondissements_dropped_when_their_commune_is_given(tmp_path):
    head = "CODGEO;P21_POP80P;P21_POP80P_PSEUL\n"
    p = tmp_path / "base-cc-coupl-fam-men-2021.CSV"
    p.write_text(head + "75056;120000.5;55000.25\n75101;900.1;400.2\n13201;2000;800\n")
    t = read_census_base(p)
    assert sorted(t["commune"]) == ["13201", "75056"]


def test_workbook_variant_with_title_rows(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "COM_2021"
    for title in ["Couples - Familles - Ménages en 2021", "Recensement de la population - Base communale", "", "", ""]:
        ws.append([title])
    ws.append(["CODGEO", "LIBGEO", "C21_FAM", "C21_FAMMONO", "P21_POP80P", "P21_POP80P_PSEUL"])
    ws.append([1004, "Ambérieu-en-Bugey", 4295.3, 751.7, 1020.2, 387.6])
    wb.create_sheet("ARM_2021").append(["CODGEO", "C21_FAM"])
    p = tmp_path / "base-cc-coupl-fam-men-2021.xlsx"
    wb.save(p)
    t = read_census_base(p)
    assert t[
        ["commune", "year", "share_single_parent_families_numerator", "share_80_plus_alone_denominator"]
    ].values.tolist() == [["01004", 2021, 751.7, 1020.2]]


def replaced(tmp_path, source, old, new):
    text = source.read_text()
    assert old in text
    p = tmp_path / source.name
    p.write_text(text.replace(old, new, 1))
    return p


LINE_01053 = next(i for i, line in enumerate(ACTIVITY.read_text().splitlines(), start=1) if line.startswith("01053;"))


def _cell(source, code, column):
    lines = source.read_text().splitlines()
    return dict(zip(lines[0].split(";"), next(line for line in lines if line.startswith(code)).split(";")))[column]


@pytest.mark.parametrize(
    "column, new, fragment",
    [
        ("CODGEO", "1053", "code « 1053 » invalide : code commune INSEE (5 caractères, ex. 01004, 2A004) attendu"),
        ("P21_CHOM1564", "n/a", "valeur « n/a » : nombre attendu, ou « s », « nd », « ns » ou vide"),
        ("C21_ACT1564", "-12", "valeur « -12 » négative"),
        (
            "C21_ACT1564_CS6",
            "99999",
            "valeur « 99999 » supérieure au total C21_ACT1564 (part des ouvriers parmi les actifs",
        ),
    ],
)
def test_value_errors_name_file_line_column_and_expectation(tmp_path, column, new, fragment):
    old_cell = _cell(ACTIVITY, "01053", column)
    lines = ACTIVITY.read_text().splitlines()
    header = lines[0].split(";")
    cells = lines[LINE_01053 - 1].split(";")
    cells[header.index(column)] = new
    lines[LINE_01053 - 1] = ";".join(cells)
    p = tmp_path / ACTIVITY.name
    p.write_text("\n".join(lines) + "\n")
    assert old_cell != new
    with pytest.raises(RawDataError) as err:
        read_census_base(p)
    e = err.value
    assert (e.path, e.line, e.column) == (p, LINE_01053, column)
    assert fragment in str(e)


def test_sum_of_parts_above_the_whole_names_the_total(tmp_path):
    lines = DIPLOMAS.read_text().splitlines()
    header = lines[0].split(";")
    cells = lines[1].split(";")  # 01001: make DIPLMIN + BEPC exceed NSCOL15P, each part below it
    total = float(cells[header.index("P21_NSCOL15P")])
    cells[header.index("P21_NSCOL15P_DIPLMIN")] = str(total * 0.6)
    cells[header.index("P21_NSCOL15P_BEPC")] = str(total * 0.6)
    p = tmp_path / DIPLOMAS.name
    p.write_text("\n".join([lines[0], ";".join(cells), *lines[2:]]) + "\n")
    with pytest.raises(RawDataError) as err:
        read_census_base(p)
    assert (err.value.line, err.value.column) == (2, "P21_NSCOL15P")
    assert "inférieur à la somme P21_NSCOL15P_DIPLMIN + P21_NSCOL15P_BEPC" in str(err.value)


@pytest.mark.parametrize(
    "source, old, new, line, fragment",
    [
        (ACTIVITY, "\n01005;", "\n01004;", 5, "commune « 01004 » en double"),
        (
            ACTIVITY,
            "CODGEO;P21_POP1564;P21_ACT1564;",
            "CODGEO;P21_POP1564;P21_ACTIVE1564;",
            1,
            "colonne(s) manquante(s) : P21_ACT1564 (taux de chômage des 15-64 ans)",
        ),
        (
            FAMILIES,
            "C21_FAM;",
            "C21_FOYERS;",
            1,
            "colonne(s) manquante(s) : C21_FAM (part des familles monoparentales)",
        ),
        (
            FAMILIES,
            "C21_MEN;C21_MENPSEUL;C21_PMEN;C21_FAM;C21_COUPAENF;C21_FAMMONO;P21_POP80P;P21_POP80P_PSEUL",
            "MEN;MENPSEUL;PMEN;FAM;COUPAENF;FAMMONO;POP80P;POP80P_PSEUL",
            1,
            "aucune variable attendue",
        ),
        (DIPLOMAS, "CODGEO;", "CODE;", 1, "colonne CODGEO (base communale) ou IRIS et COM (base IRIS) introuvable"),
        (DIPLOMAS, "\n01002;188.8;", "\n01002;188.8;;", 3, "ligne mal formée : 10 champ(s) au lieu de 9"),
    ],
)
def test_layout_errors(tmp_path, source, old, new, line, fragment):
    p = replaced(tmp_path, source, old, new)
    with pytest.raises(RawDataError) as err:
        read_census_base(p)
    assert err.value.line == line and fragment in str(err.value)


def test_iris_duplicate_and_encoding_errors(tmp_path):
    lines = IRIS.read_bytes().decode("latin-1").splitlines()
    p = tmp_path / IRIS.name
    p.write_bytes("\n".join([*lines, lines[2]]).encode("latin-1"))
    with pytest.raises(RawDataError) as err:
        read_census_base(p)
    assert err.value.line == len(lines) + 1 and "IRIS « 010040002 » en double" in str(err.value)
    p.write_bytes("\n".join(lines).encode("utf-16"))
    with pytest.raises(RawDataError, match="encodage UTF-16"):
        read_census_base(p)


def test_source_info_patterns_and_headers_whatever_the_vintage():
    assert [k["key"] for k in SOURCE_INFO] == ["census_activity", "census_diplomas", "census_families"]

    def by_name(name):
        return [k["key"] for k in SOURCE_INFO if any(fnmatch.fnmatch(name.lower(), p) for p in k["patterns"])]

    assert by_name("base-cc-emploi-pop-active-2021.CSV") == ["census_activity"]
    assert by_name("base-cc-emploi-pop-active-2020_v2.CSV") == ["census_activity"]
    assert by_name("base-ic-activite-residents-2021.CSV") == ["census_activity"]
    assert by_name("base-cc-diplomes-formation-2022.CSV") == ["census_diplomas"]
    assert by_name("base-cc-coupl-fam-men-2021.CSV") == ["census_families"]
    assert by_name("meta_base-cc-diplomes-formation-2021.CSV") == []
    assert by_name("base-cc-diplomes-formation-2022-COM.CSV") == []  # collectivités d'outre-mer, not communes
    header = lambda p: p.read_bytes().decode("latin-1").splitlines()[0].split(";")  # noqa: E731
    assert [source_kind(header(p)) for p in (ACTIVITY, DIPLOMAS, DIPLOMAS_2016, FAMILIES, IRIS)] == [
        "census_activity",
        "census_diplomas",
        "census_diplomas",
        "census_families",
        "census_diplomas",
    ]
    assert source_kind(["CODGEO", "P19_ACT1564", "P19_CHOM1564", "C19_ACT1564_CS6"]) == "census_activity"
    assert source_kind(["CODGEO", "MED21", "TP6021"]) is None
