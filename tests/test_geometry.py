"""Map outlines: GeoJSON, Shapefile and GeoPackage in any CRS, to longitude / latitude; territories'
outlines united from their communes; the map in the report."""

import json
import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely
from pyproj import CRS, Transformer

from diagnostics.sources.errors import RawDataError
from diagnostics.sources.geometry import read_geometry
from diagnostics.territories.shapes import shapes, territory_outlines

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "formats" / "samples" / "geo"
# two adjacent 10 km squares in Lambert-93 near Bourg-en-Bresse, and their longitude / latitude
SQUARES = {
    "01004": shapely.box(870_000, 6_570_000, 880_000, 6_580_000),
    "01005": shapely.box(880_000, 6_570_000, 890_000, 6_580_000),
}
TO_LONLAT = Transformer.from_crs(2154, 4326, always_xy=True)


def _write_shapefile(path: Path, field="INSEE_COM", codes=("01004", "01005")):
    import shapefile

    with shapefile.Writer(str(path), shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field(field, "C", size=5)
        w.field("NOM", "C", size=40)
        for code, name in zip(codes, ("L'Abergement-Clémenciat", "Ambérieu")):
            w.poly([list(SQUARES.get(code, SQUARES["01004"]).exterior.coords)[::-1]])  # shapefile rings are clockwise
            w.record(code, name)
    path.with_suffix(".prj").write_text(CRS.from_epsg(2154).to_wkt("WKT1_ESRI"))
    path.with_suffix(".cpg").write_text("UTF-8")


def _write_geopackage(path: Path):
    con = sqlite3.connect(path)
    con.executescript("""
        CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT, srs_id INTEGER PRIMARY KEY, organization TEXT,
            organization_coordsys_id INTEGER, definition TEXT, description TEXT);
        CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT, identifier TEXT, description TEXT,
            last_change TEXT, min_x REAL, min_y REAL, max_x REAL, max_y REAL, srs_id INTEGER);
        CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT, geometry_type_name TEXT, srs_id INTEGER,
            z TINYINT, m TINYINT);
        CREATE TABLE commune (fid INTEGER PRIMARY KEY, geom BLOB, code_insee TEXT, nom TEXT);
        INSERT INTO gpkg_spatial_ref_sys VALUES ('RGF93 / Lambert-93', 2154, 'EPSG', 2154, 'undefined', '');
        INSERT INTO gpkg_contents VALUES ('commune', 'features', 'commune', '', '', 0, 0, 0, 0, 2154);
        INSERT INTO gpkg_geometry_columns VALUES ('commune', 'geom', 'MULTIPOLYGON', 2154, 0, 0);
    """)
    for i, (code, geom) in enumerate(SQUARES.items(), start=1):
        env = geom.bounds
        import struct

        header = (
            b"GP"
            + bytes([0, 0b00000011])
            + struct.pack("<i", 2154)
            + struct.pack("<4d", env[0], env[2], env[1], env[3])
        )
        con.execute(
            "INSERT INTO commune VALUES (?, ?, ?, ?)",
            (i, header + shapely.to_wkb(shapely.MultiPolygon([geom])), code, code),
        )
    con.commit()
    con.close()


@pytest.mark.parametrize("fmt", ["shapefile", "geopackage", "geojson_lambert93"])
def test_outlines_in_lambert93_come_out_in_longitude_latitude(tmp_path, fmt):
    if fmt == "shapefile":
        path = tmp_path / "COMMUNE.shp"
        _write_shapefile(path)
        df = read_geometry(path)
    elif fmt == "geopackage":
        path = tmp_path / "ADMIN-EXPRESS.gpkg"
        _write_geopackage(path)
        df = read_geometry(path)
    else:
        path = tmp_path / "communes.geojson"
        features = [
            {"type": "Feature", "properties": {"code": c}, "geometry": shapely.geometry.mapping(g)}
            for c, g in SQUARES.items()
        ]
        path.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        with pytest.raises(RawDataError, match="projeté sans le dire ; précisez geometry_crs"):
            read_geometry(path)
        df = read_geometry(path, crs="EPSG:2154")
    assert df["code"].tolist() == ["01004", "01005"] and set(df["level"]) == {"COM"}
    got = df.set_index("code").loc["01004", "geometry"]
    expected = shapely.transform(SQUARES["01004"], lambda xy: np.column_stack(TO_LONLAT.transform(xy[:, 0], xy[:, 1])))
    assert got.bounds == pytest.approx(expected.bounds, abs=1e-9)
    west, south, east, north = got.bounds
    assert 5.1 < west < east < 5.4 and 46.1 < south < north < 46.4  # the Ain, as it should


def test_code_property_found_named_or_reported(tmp_path):
    path = tmp_path / "COMMUNE.shp"
    _write_shapefile(path, field="ID_COMMUNE")
    with pytest.raises(
        RawDataError, match=r"aucune propriété de code .* propriétés : ID_COMMUNE, NOM — nommez-la avec geometry_code"
    ):
        read_geometry(path)
    assert read_geometry(path, code_property="ID_COMMUNE")["name"].tolist() == ["L'Abergement-Clémenciat", "Ambérieu"]
    with pytest.raises(RawDataError, match="propriété « CODE » \\(option geometry_code\\) absente"):
        read_geometry(path, code_property="CODE")


@pytest.mark.parametrize(
    "codes, fragment",
    [
        (("01004", "01004"), "entité n° 2 : code « 01004 » en double"),
        (("01004", "1O05"), "entité n° 2 : code « 1O05 » (propriété INSEE_COM) : code commune (5 caractères)"),
    ],
)
def test_bad_codes_are_named(tmp_path, codes, fragment):
    path = tmp_path / "COMMUNE.shp"
    _write_shapefile(path, codes=codes)
    with pytest.raises(RawDataError) as err:
        read_geometry(path)
    assert fragment in str(err.value)


def test_leading_zero_restored_and_broken_json_located(tmp_path):
    path = tmp_path / "deps.geojson"
    square = shapely.geometry.mapping(shapely.box(5, 46, 5.1, 46.1))
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [{"type": "Feature", "properties": {"code": 1, "nom": "Ain"}, "geometry": square}],
            }
        )
    )
    assert read_geometry(path)[["code", "level"]].values.tolist() == [["01", "DEP"]]
    path.write_text('{"type": "FeatureCollection",\n "features": [\n {"type": }]}')
    with pytest.raises(RawDataError, match="deps.geojson, ligne 3 : JSON invalide"):
        read_geometry(path)


@pytest.mark.skipif(not SAMPLES.exists(), reason="../shared/formats/samples absent")
def test_real_france_geojson_departements():
    df = read_geometry(SAMPLES / "departements-version-simplifiee.geojson")
    assert len(df) == 96 and set(df["level"]) == {"DEP"}
    assert {"01", "2A", "2B", "95"} <= set(df["code"])
    corse_sud = df.set_index("code").loc["2A", "geometry"]
    assert 8.5 < corse_sud.centroid.x < 9.3 and 41.3 < corse_sud.centroid.y < 42.3
    assert df.set_index("code").loc["29", "name"] == "Finistère"


def test_territory_outlines_unite_communes_and_fall_back_on_departements():
    geometry = pd.DataFrame({"code": list(SQUARES), "level": "COM", "geometry": shapely.to_wkb(list(SQUARES.values()))})
    territories = pd.DataFrame(
        {
            "territory_code": ["T", "DEP-01", "DEP-01"],
            "commune": ["01004", "01004", "01005"],
            "kind": ["CLS", "département", "département"],
        }
    )
    out = shapes(territory_outlines(geometry, territories))
    assert out["DEP-01"].area == pytest.approx(2e8, rel=1e-3) and out["DEP-01"].geom_type == "Polygon"  # one piece
    assert out["T"].area == pytest.approx(1e8, rel=1e-3)
    deps = pd.DataFrame({"code": ["01"], "level": "DEP", "geometry": shapely.to_wkb([shapely.box(5, 46, 6, 47)])})
    only_deps = shapes(territory_outlines(deps, territories))
    assert list(only_deps.index) == ["DEP-01"]  # the CLS has no outline of its own


def test_demo_map_shows_the_territories_of_the_same_kind(demo_tables):
    from diagnostics.reporting import figures
    from diagnostics.reporting.territory import load_territory

    assert len(demo_tables["territory_shapes"]) == demo_tables["territories"]["territory_code"].nunique()
    t = load_territory("TS-NORD", tables=demo_tables)
    html = figures.region_map(t)
    assert html.startswith('<figure><div class="figure-frame"><img src="data:image/svg+xml;base64,')
    assert "Carte des territoires de santé de la région" in html
    icm = demo_tables["indicators"].query(
        "indicator == 'mortality_icm' and sex == 'ensemble' and territory_code == 'TS-LITTORAL'"
    )
    assert f"Territoire de santé Nacre-Littoral : {round(icm.value.iloc[-1])}" in html
    assert "contour noir : Territoire de santé des Brumes du Nord" in html
    bare = load_territory(
        "TS-NORD", tables={**demo_tables, "territory_shapes": demo_tables["territory_shapes"].iloc[0:0]}
    )
    assert "Carte non disponible" in figures.region_map(bare)
