"""Optional care-access files: DREES APL, ARS zoning, travel-time matrix, commune coordinates."""

from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from diagnostics.sources import RawDataError
from diagnostics.sources.care_access_optional import (
    APL_UNIT,
    SOURCE_INFO,
    coordinates_from_geometry,
    read_apl,
    read_ars_zoning,
    read_chef_lieu_points,
    read_commune_coordinates,
    read_travel_times,
    zone_class,
)

FIXTURES = Path(__file__).parent / "fixtures" / "care_access"
APL_HEADER = [
    "Code commune INSEE",
    "Commune",
    "APL aux médecins généralistes",
    "APL aux médecins généralistes de 65 ans ou moins",
    "Population standardisée 2021 pour la médecine générale",
    "Population totale 2021",
]
UNIT_ROW = [None, None, "En nombre de consultations/visites accessibles par habitant standardisé", None, None, None]


def write(path: Path, text: str, encoding="utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def apl_sheet(rows, header=APL_HEADER):
    """Eight title and note rows, the header on row 9, the units on row 10, communes from row 11."""
    return [
        ["Indicateur d'accessibilité potentielle localisée (APL)"],
        [None],
        ["Millésime : 2023"],
        ["Sources : SNIIR-AM"],
        ["Champ : France hors Mayotte"],
        ["Lecture"],
        ["Note"],
        [None],
        header,
        UNIT_ROW,
    ] + rows


# ---- APL ------------------------------------------------------------------------------------------------


def test_apl_workbook_read_sheet_by_sheet_with_its_unit():
    df = read_apl(FIXTURES / "apl_mg_2022_2023.xlsx")
    assert list(df.columns) == ["commune", "year", "apl", "unit", "standardised_population", "population"]
    assert df[["commune", "year", "apl"]].values.tolist() == [
        ["25056", 2022, 4.1],
        ["25434", 2022, 2.2],
        ["2A004", 2022, 3.4],
        ["25056", 2023, 4.0],
        ["25434", 2023, 2.0],
        ["75101", 2023, 6.5],
        ["01001", 2023, 1.9],
    ]  # 1001 → 01001
    assert set(df["unit"]) == {"En nombre de consultations/visites accessibles par habitant standardisé"}
    assert df.loc[0, "standardised_population"] == 118000.5 and df.loc[0, "population"] == 120057
    assert df.attrs["details"][0] == (
        "APL 2022, 2023 : 7 commune(s)-année(s) ; 1 sans valeur ; 4 ligne(s) d'unités, de notes ou de total non lues"
    )


def test_apl_of_general_practitioners_aged_65_or_less():
    df = read_apl(FIXTURES / "apl_mg_2022_2023.xlsx", variant="65_or_less")
    assert df["apl"].tolist() == [3.9, 2.0, 3.1, 3.8, 1.8, 6.0, 1.7]
    with pytest.raises(ValueError, match="variante d'APL inconnue"):
        read_apl(FIXTURES / "apl_mg_2022_2023.xlsx", variant="moins_de_60")


def test_apl_without_unit_row_or_sheet_year_and_missing_markers(tmp_path):
    path = workbook(
        tmp_path / "apl_mg_2021.xlsx",
        {
            "Feuil1": [
                APL_HEADER,
                ["25056", "Besançon", "3,9", "3,7", 1000, 990],
                ["25434", "Ornans", "nd", "nd", 10, 10],
            ]
        },
    )
    df = read_apl(path)
    assert df[["commune", "year", "apl", "unit"]].values.tolist() == [["25056", 2021, 3.9, APL_UNIT]]
    undated = workbook(tmp_path / "apl_mg.xlsx", {"Feuil1": [APL_HEADER, ["25056", "Besançon", 3.9, 3.7, 1000, 990]]})
    with pytest.raises(RawDataError, match="aucune feuille « APL AAAA » \\(feuilles : Feuil1\\) ni année"):
        read_apl(undated)


@pytest.mark.parametrize(
    "row, line, column, fragment",
    [
        (["25O56", "X", 1, 1, 1, 1], 11, "A", "code commune INSEE invalide « 25O56 »"),
        (["25056", "Besançon", "beaucoup", 1, 1, 1], 11, "C", "APL « beaucoup » : nombre positif ou nul attendu"),
        (["25056", "Besançon", -1, 1, 1, 1], 11, "C", "APL « -1 » : nombre positif ou nul attendu"),
    ],
)
def test_apl_errors_name_sheet_row_and_column(tmp_path, row, line, column, fragment):
    path = workbook(tmp_path / "apl.xlsx", {"APL 2023": apl_sheet([row])})
    with pytest.raises(RawDataError) as err:
        read_apl(path)
    assert str(err.value) == f"{path}, ligne {line}, colonne « {column} » : feuille « APL 2023 » : {fragment}"


def test_apl_duplicates_and_other_professions_are_refused(tmp_path):
    path = workbook(
        tmp_path / "apl.xlsx", {"APL 2023": apl_sheet([["25056", "B", 1, 1, 1, 1], ["25056", "B", 2, 2, 2, 2]])}
    )
    with pytest.raises(
        RawDataError, match="ligne 12, colonne « A » : feuille « APL 2023 » : commune « 25056 » en double"
    ):
        read_apl(path)
    midwives = ["Code commune INSEE", "Commune", "APL aux sages-femmes", "Population féminine standardisée"]
    path = workbook(tmp_path / "apl_sf.xlsx", {"APL 2023": apl_sheet([["25056", "B", 20, 1]], header=midwives)})
    with pytest.raises(RawDataError, match="ce classeur porte sur « APL aux sages-femmes »"):
        read_apl(path)


def test_apl_tidy_csv(tmp_path):
    df = read_apl(
        write(
            tmp_path / "apl_communes.csv",
            "commune;annee;apl;population_standardisee\n25056;2023;4,0;118500\n1001;2023;;800\n",
        )
    )
    assert df[["commune", "year", "apl", "standardised_population"]].values.tolist() == [["25056", 2023, 4.0, 118500.0]]
    with pytest.raises(RawDataError, match="ligne 2, colonne « apl » : APL « -2 »"):
        read_apl(write(tmp_path / "apl_communes.csv", "commune;annee;apl\n25056;2023;-2\n"))


# ---- ARS zoning -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, zone",
    [
        ("ZIP", "ZIP"),
        ("Zone d'intervention prioritaire (ZIP)", "ZIP"),
        ("zip", "ZIP"),
        ("Zone d’action complémentaire", "ZAC"),
        ("ZAC", "ZAC"),
        ("zone de vigilance", "ZV"),
        ("Hors zonage", "HZ"),
        ("HZ", "HZ"),
        ("non zoné", "HZ"),
        ("ZIP/ZAC", None),
        ("zone blanche", None),
        ("", None),
    ],
)
def test_zone_labels(label, zone):
    assert zone_class(label) == zone


def test_zoning_csv_and_workbook():
    df = read_ars_zoning(FIXTURES / "zonage_medecins_ars.csv")
    assert df[["commune", "zone"]].values.tolist() == [
        ["25434", "ZIP"],
        ["25047", "ZAC"],
        ["25056", "HZ"],
        ["25462", "ZV"],
        ["01001", "ZIP"],
    ]
    assert df.attrs["details"] == ["zonage : ZIP 2, ZAC 1, ZV 1, HZ 1"]
    xlsx = read_ars_zoning(
        FIXTURES / "zonage_medecins_ars.xlsx"
    )  # title rows above the header, « CODGEO » and a name column
    assert xlsx[["commune", "zone"]].values.tolist() == [["25434", "ZIP"], ["25047", "ZAC"], ["25056", "HZ"]]


def test_zoning_errors_name_line_and_column(tmp_path):
    path = write(tmp_path / "zonage.csv", "commune;zonage\n25434;ZIP\n25047;zone blanche\n")
    with pytest.raises(RawDataError) as err:
        read_ars_zoning(path)
    assert str(err.value).startswith(
        f"{path}, ligne 3, colonne « zonage » : zonage « zone blanche » non reconnu ; valeurs acceptées : ZIP"
    )
    path = write(tmp_path / "zonage.csv", "commune;zonage\n25434;ZIP\n25434;ZAC\n")
    with pytest.raises(RawDataError, match="ligne 3, colonne « commune » : commune « 25434 » en double"):
        read_ars_zoning(path)
    path = write(tmp_path / "zonage.csv", "commune;zonage\n25434;ZIP\n99999;ZAC\n")
    with pytest.raises(RawDataError, match="ligne 3, colonne « commune » : commune « 99999 » inconnue"):
        read_ars_zoning(path, communes={"25434", "25056"})
    path = write(tmp_path / "zonage.csv", "commune;classe\n25434;ZIP\n")
    with pytest.raises(RawDataError, match="ligne 1 : colonnes attendues : commune et zonage"):
        read_ars_zoning(path)


def test_zoning_cut_short_is_read_with_a_warning_and_a_short_line_refused(tmp_path):
    from diagnostics.sources.tables import collected_warnings

    path = write(tmp_path / "zonage.csv", "commune;zonage\n25434;ZIP\n25047;Zone d'action complémentaire (Z")
    with collected_warnings() as found:
        assert read_ars_zoning(path)["zone"].tolist() == ["ZIP", "ZAC"]
    assert found == [
        f"{path}, ligne 3 : la dernière ligne ne se termine pas par un saut de ligne : le fichier est "
        "peut-être tronqué (téléchargement interrompu ?) ; vérifiez cette ligne"
    ]
    path = write(tmp_path / "zonage.csv", "commune;zonage\n25434;ZIP;x\n25047;ZAC\n")
    with pytest.raises(RawDataError, match=r"ligne 2 : 3 champ\(s\) au lieu de 2"):
        read_ars_zoning(path)


# ---- travel times ---------------------------------------------------------------------------------------


def test_travel_times_read_with_decimal_commas():
    df = read_travel_times(FIXTURES / "distancier_communes.csv", communes={"25056", "25057", "25434", "25047"})
    assert df.values.tolist() == [
        ["25056", "25056", 0.0],
        ["25056", "25057", 6.5],
        ["25057", "25056", 7.0],
        ["25056", "25434", 24.5],
        ["25434", "25056", 25.0],
        ["25434", "25047", 31.0],
    ]


@pytest.mark.parametrize(
    "row, column, fragment",
    [
        ("25056;25057;-3", "minutes", "durée « -3 » : nombre de minutes positif ou nul attendu"),
        ("25056;25057;vingt", "minutes", "durée « vingt »"),
        ("25056;25057;inf", "minutes", "durée « inf »"),
        ("25056;25O57;7", "destination", "code commune INSEE invalide « 25O57 »"),
        ("25056;99999;7", "destination", "commune « 99999 » inconnue de la table des communes"),
    ],
)
def test_travel_time_errors_name_line_and_column(tmp_path, row, column, fragment):
    path = write(tmp_path / "distancier.csv", f"origine;destination;minutes\n25056;25056;0\n{row}\n")
    with pytest.raises(RawDataError) as err:
        read_travel_times(path, communes={"25056", "25057"})
    assert str(err.value).startswith(f"{path}, ligne 3, colonne « {column} » : {fragment}")


def test_travel_time_pairs_given_twice_and_wrong_separator(tmp_path):
    path = write(
        tmp_path / "distancier.csv", "origine;destination;minutes\n25056;25057;6\n25057;25056;7\n25056;25057;8\n"
    )
    with pytest.raises(RawDataError, match=r"ligne 4 : couple \(25056, 25057\) en double"):
        read_travel_times(path)
    path = write(tmp_path / "distancier.csv", "origine,destination,minutes\n25056,25057,6\n")
    with pytest.raises(
        RawDataError, match=r"ligne 1 : séparateur « ; » attendu \(le fichier semble séparé par « , »\)"
    ):
        read_travel_times(path)


# ---- coordinates ----------------------------------------------------------------------------------------


def test_tidy_coordinates_in_metropolitan_and_overseas_communes():
    df = read_commune_coordinates(FIXTURES / "coordonnees_communes.csv")
    assert df.values.tolist() == [
        ["25056", 6.0241, 47.2378],
        ["25434", 6.1394, 47.1064],
        ["2A004", 8.7369, 41.9267],
        ["97411", 55.4504, -20.8823],
        ["01001", 4.926, 46.153],
        ["96101", -4.2, 46.8],
    ]


def test_communes_france_csv_uses_the_mairie_point_then_the_centre():
    df = read_commune_coordinates(FIXTURES / "communes-france-2025.csv")
    assert df.values.tolist() == [["01001", 4.926, 46.153], ["25056", 6.024, 47.238], ["97411", 55.445, -20.933]]
    assert df.attrs["details"] == ["3 communes localisées", "point de la mairie : 2, centre : 1"]


@pytest.mark.parametrize(
    "row, fragment",
    [
        ("25056;47.2378;6.0241", "commune 25056 : point (47.2378, 6.0241) : longitude et latitude inversées ?"),
        ("25056;928000;6690000", "commune 25056 : point (928000.0, 6690000.0) : coordonnées projetées (Lambert-93 ?)"),
        ("97411;6.02;47.24", "commune 97411 : point (6.02, 47.24) : hors de l'emprise du territoire de la commune"),
    ],
)
def test_points_outside_their_territory_are_refused(tmp_path, row, fragment):
    path = write(tmp_path / "coordonnees_communes.csv", f"commune;longitude;latitude\n25434;6.14;47.11\n{row}\n")
    with pytest.raises(RawDataError) as err:
        read_commune_coordinates(path)
    assert str(err.value).startswith(f"{path}, ligne 3, colonne « longitude » : {fragment}")


def test_missing_and_duplicated_coordinates_are_refused(tmp_path):
    path = write(tmp_path / "c.csv", "commune;longitude;latitude\n25434;6.14;47.11\n25056;;47.2\n")
    with pytest.raises(RawDataError, match="ligne 3, colonne « longitude » : longitude manquante ou non numérique"):
        read_commune_coordinates(path)
    path = write(tmp_path / "c.csv", "commune;longitude;latitude\n25434;6.14;47.11\n25434;6.15;47.12\n")
    with pytest.raises(RawDataError, match="ligne 3, colonne « commune » : commune « 25434 » en double"):
        read_commune_coordinates(path)


def test_point_inside_each_commune_outline():
    import shapely

    # a U-shaped commune: its centroid (2, 1.3) is in the notch, outside the commune
    u_shape = shapely.Polygon([(0, 0), (4, 0), (4, 3), (3, 3), (3, 1), (1, 1), (1, 3), (0, 3)])
    geometry = pd.DataFrame(
        {
            "code": ["25056", "25"],
            "name": ["", ""],
            "level": ["COM", "DEP"],
            "geometry": [u_shape, shapely.box(0, 0, 1, 1)],
        }
    )
    df = coordinates_from_geometry(geometry)
    assert df["commune"].tolist() == ["25056"]
    assert not u_shape.contains(u_shape.centroid)
    assert u_shape.contains(shapely.Point(df.loc[0, "longitude"], df.loc[0, "latitude"]))


def test_ign_chef_lieu_points_joined_to_communes_and_reprojected(tmp_path):
    import shapefile
    from pyproj import CRS, Transformer

    lambert93 = CRS.from_epsg(2154)
    # Besançon town hall and Ornans, in Lambert-93 as ADMIN EXPRESS LAMB93 ships them
    towns = {
        "COMMUNE_0000000009754033": ("25056", 6.0243, 47.2379),
        "COMMUNE_0000000009754421": ("25434", 6.1447, 47.1062),
    }
    to_l93 = Transformer.from_crs(4326, lambert93, always_xy=True)
    with shapefile.Writer(str(tmp_path / "CHFLIEU_COMMUNE"), shapeType=shapefile.POINT) as w:
        w.field("ID", "C", 24)
        w.field("NOM", "C", 40)
        w.field("ID_COM", "C", 24)
        for i, (id_com, (_, lon, lat)) in enumerate(towns.items()):
            w.point(*to_l93.transform(lon, lat))
            w.record(f"CHFLCOMM_{i}", "Mairie", id_com)
    (tmp_path / "CHFLIEU_COMMUNE.prj").write_text(lambert93.to_wkt("WKT1_ESRI"))
    with shapefile.Writer(str(tmp_path / "COMMUNE"), shapeType=shapefile.POLYGON) as w:
        w.field("ID", "C", 24)
        w.field("INSEE_COM", "C", 5)
        for id_com, (code, lon, lat) in towns.items():
            w.poly(
                [
                    [
                        (lon - 0.01, lat - 0.01),
                        (lon - 0.01, lat + 0.01),
                        (lon + 0.01, lat + 0.01),
                        (lon - 0.01, lat - 0.01),
                    ]
                ]
            )
            w.record(id_com, code)
    df = read_chef_lieu_points(tmp_path / "CHFLIEU_COMMUNE.shp", tmp_path / "COMMUNE.shp")
    assert df["commune"].tolist() == ["25056", "25434"]
    assert np.allclose(df[["longitude", "latitude"]].to_numpy(), [[6.0243, 47.2379], [6.1447, 47.1062]], atol=1e-7)
    with pytest.raises(RawDataError, match="champ ID_COM sans INSEE_COM : donnez aussi COMMUNE.shp"):
        read_chef_lieu_points(tmp_path / "CHFLIEU_COMMUNE.shp")
    (tmp_path / "CHFLIEU_COMMUNE.prj").write_text(lambert93.to_wkt("WKT1_ESRI")[:200])  # a copy cut short
    with pytest.raises(RawDataError, match=r"CHFLIEU_COMMUNE\.prj : système de coordonnées illisible"):
        read_chef_lieu_points(tmp_path / "CHFLIEU_COMMUNE.shp", tmp_path / "COMMUNE.shp")
    (tmp_path / "CHFLIEU_COMMUNE.prj").write_text(lambert93.to_wkt("WKT1_ESRI"), encoding="utf-16")
    with pytest.raises(RawDataError, match=r"CHFLIEU_COMMUNE\.prj, ligne 1 : octet nul"):
        read_chef_lieu_points(tmp_path / "CHFLIEU_COMMUNE.shp", tmp_path / "COMMUNE.shp")


def test_source_info_has_one_entry_per_file_kind():
    keys = [s["key"] for s in SOURCE_INFO]
    assert keys == ["apl", "ars_zoning", "travel_times", "commune_coordinates", "communes_france", "chef_lieu"]
    assert all(p == p.lower() for s in SOURCE_INFO for p in s["patterns"])
