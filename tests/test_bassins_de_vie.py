"""INSEE bassins de vie 2022 and zones d'emploi 2020: zoning files and the table d'appartenance columns."""

from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from diagnostics.sources import RawDataError
from diagnostics.sources.bassins_de_vie import (
    SOURCE_INFO,
    merge_zonages,
    read_bassins_de_vie,
    read_zones_emploi,
    zonages_from_appartenance,
)
from diagnostics.sources.tables import read_delimited
from diagnostics.sources.workbooks import open_workbook, sheet_table

FIXTURES = Path(__file__).parent / "fixtures" / "bassins_de_vie"
BV = FIXTURES / "BV2022_au_01-01-2024.xlsx"
ZE = FIXTURES / "ZE2020_au_01-01-2024.xlsx"
APPARTENANCE = FIXTURES / "table-appartenance-geo-communes-2024_extrait.csv"
TITLES = [["Titre"], ["Source : Insee"], [None], ["Champ"], [None]]  # the header is on row 6


def records(df, columns):
    return [tuple(None if pd.isna(v) else v for v in row) for row in df[columns].itertuples(index=False)]


def workbook(path: Path, rows: list[list], sheet="Composition_communale") -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    for row in TITLES + rows:
        ws.append(row)
    wb.save(path)
    return path


def test_bassins_de_vie_workbook():
    df = read_bassins_de_vie(BV)
    assert records(df, ["commune", "bassin_de_vie", "bassin_de_vie_name"]) == [
        ("25056", "25056", "Besançon"),
        ("25047", "25047", "Baume-les-Dames"),
        ("25434", "25434", "Ornans"),
        ("25462", "25462", "Pontarlier"),
        ("25411", "25411", "Morteau"),
        ("25057", "25056", "Besançon"),
        ("01001", "01093", "Châtillon-sur-Chalaronne"),  # codes stored as numbers by Excel: zeros restored
        ("75056", "75056", "Paris"),  # its arrondissements 75101, 75102 dropped
        ("97611", None, None),  # ZZZZZ: no bassin de vie
    ]
    assert df.attrs["details"] == [
        "9 communes",
        "7 bassins de vie, 1 commune(s) hors bassin de vie (ZZZZZ)",
        "2 arrondissement(s) municipal(aux) ramené(s) à leur commune",
    ]


def test_zones_emploi_workbook_pads_codes_and_folds_arrondissements():
    df = read_zones_emploi(ZE)
    zones = dict(zip(df["commune"], df["zone_emploi"]))
    assert zones["01001"] == "0051"  # interregional zone written 51 by Excel
    assert zones["97611"] == "0601"
    assert zones["75056"] == "1101"  # Paris not listed: its arrondissements stand for it
    assert not df["commune"].str.startswith("751").any()
    assert dict(zip(df["commune"], df["zone_emploi_name"]))["25462"] == "Pontarlier"


def test_merged_zonings_have_the_five_columns():
    df = merge_zonages(read_bassins_de_vie(BV), read_zones_emploi(ZE))
    assert list(df.columns) == ["commune", "bassin_de_vie", "bassin_de_vie_name", "zone_emploi", "zone_emploi_name"]
    assert records(df, list(df.columns))[:3] == [
        ("01001", "01093", "Châtillon-sur-Chalaronne", "0051", "Mâcon"),
        ("25047", "25047", "Baume-les-Dames", "2705", "Besançon"),
        ("25056", "25056", "Besançon", "2705", "Besançon"),
    ]
    assert records(df[df["commune"] == "97611"], list(df.columns)) == [("97611", None, None, "0601", "Mayotte")]
    assert df.attrs["warnings"] == []
    partial = merge_zonages(read_bassins_de_vie(BV), read_zones_emploi(ZE).iloc[:3])
    assert partial.attrs["warnings"] == ["6 commune(s) sans zone d'emploi (absentes du fichier ZE2020)"]


def test_table_d_appartenance_columns_of_a_spreadsheet_copy():
    table = read_delimited(APPARTENANCE, ["CODGEO", "LIBGEO", "ZE2020", "BV2022"])
    df = zonages_from_appartenance(table, APPARTENANCE)
    assert records(df, list(df.columns)) == [
        ("25056", "25056", "Besançon", "2705", "Zone d'emploi 2705"),
        ("25057", "25056", "Besançon", "2705", "Zone d'emploi 2705"),  # named after its pole commune
        ("25462", "25462", "Pontarlier", "2709", "Zone d'emploi 2709"),
        ("01001", "01093", "Châtillon-sur-Chalaronne", "0051", "Zone d'emploi 0051"),
        ("01093", "01093", "Châtillon-sur-Chalaronne", "0051", "Zone d'emploi 0051"),
        ("97611", None, None, "0601", "Zone d'emploi 0601"),
    ]


def test_table_d_appartenance_sheet_gives_spreadsheet_rows_in_messages(tmp_path):
    rows = [
        ["CODGEO", "LIBGEO", "DEP", "REG", "ZE2020", "BV2022"],
        ["25056", "Besançon", "25", "27", "2705", "25056"],
        ["25057", "Beure", "25", "27", "27O5", "25056"],
    ]
    path = workbook(tmp_path / "table-appartenance-geo-communes-2024.xlsx", rows, sheet="COM")
    wb = open_workbook(path)
    table = sheet_table(path, wb, "COM", ["CODGEO", "LIBGEO"])
    wb.close()
    with pytest.raises(RawDataError) as err:
        zonages_from_appartenance(table, path)
    assert str(err.value).startswith(
        f"{path}, ligne 8, colonne « ZE2020 » : valeur « 27O5 » : code de zone d'emploi à 4 chiffres attendu"
    )


def test_older_table_with_bv2012_is_flagged_and_missing_columns_named():
    table = pd.DataFrame({"CODGEO": ["25056"], "LIBGEO": ["Besançon"], "ZE2020": ["2705"], "BV2012": ["25056"]})
    df = zonages_from_appartenance(table)
    assert df.attrs["details"][-1] == "bassins de vie BV2012 (ancien zonage)"
    with pytest.raises(RawDataError, match=r"ligne 1 : colonne\(s\) manquante\(s\) : ZE2020, BV2022"):
        zonages_from_appartenance(table.drop(columns=["ZE2020", "BV2012"]))


@pytest.mark.parametrize(
    "row, line, column, fragment",
    [
        (["25O57", "Beure", "25056", "Besançon"], 8, "CODGEO", "valeur « 25O57 » : code commune INSEE attendu"),
        (["25057", "Beure", "250A6", "Besançon"], 8, "BV2022", "valeur « 250A6 » : code de bassin de vie attendu"),
        (["25056", "Besançon", "25056", "Besançon"], 8, "CODGEO", "commune « 25056 » en double"),
    ],
)
def test_bassin_errors_name_row_and_column(tmp_path, row, line, column, fragment):
    rows = [["CODGEO", "LIBGEO", "BV2022", "LIBBV2022"], ["25056", "Besançon", "25056", "Besançon"], row]
    path = workbook(tmp_path / "BV2022_au_01-01-2024.xlsx", rows)
    with pytest.raises(RawDataError) as err:
        read_bassins_de_vie(path)
    assert str(err.value).startswith(f"{path}, ligne {line}, colonne « {column} » : {fragment}")


def test_arrondissements_in_different_zones_cannot_stand_for_their_commune(tmp_path):
    rows = [
        ["CODGEO", "LIBGEO", "ZE2020", "LIBZE2020"],
        ["75101", "Paris 1er", "1101", "Paris"],
        ["75102", "Paris 2e", "1102", "Autre"],
    ]
    path = workbook(tmp_path / "ZE2020_au_01-01-2024.xlsx", rows)
    with pytest.raises(
        RawDataError, match="ligne 8 : arrondissement 75102 dans une autre zone que les autres arrondissements de 75056"
    ):
        read_zones_emploi(path)


def test_csv_copies_and_a_missing_sheet(tmp_path):
    path = tmp_path / "BV2022_au_01-01-2024.csv"
    path.write_text("CODGEO;LIBGEO;BV2022;LIBBV2022\n1001;L'Abergement;1093;Châtillon\n", encoding="utf-8")
    assert records(read_bassins_de_vie(path), ["commune", "bassin_de_vie"]) == [("01001", "01093")]
    path = workbook(tmp_path / "ZE2020_au_01-01-2024.xlsx", [["CODGEO", "ZE2020"]], sheet="Zones")
    with pytest.raises(RawDataError, match="feuille « Composition_communale » introuvable"):
        read_zones_emploi(path)


def test_source_info_names_the_files():
    import fnmatch

    info = {s["key"]: s for s in SOURCE_INFO}
    assert any(fnmatch.fnmatch(BV.name.lower(), p) for p in info["bassins_de_vie"]["patterns"])
    assert any(fnmatch.fnmatch(ZE.name.lower(), p) for p in info["zones_emploi"]["patterns"])
