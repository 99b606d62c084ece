"""Outlines of communes or départements for the maps: GeoJSON (``france-geojson``, Etalab), Shapefile
(IGN ADMIN EXPRESS ``COMMUNE.shp`` with its ``.dbf``, ``.prj``, ``.cpg``) or GeoPackage, in any
coordinate reference system; everything is brought to longitude / latitude (WGS 84).

The code property is found among the usual names (``code``, ``INSEE_COM``, ``INSEE_DEP``, ``CODGEO``…)
or named by ``geometry_code`` in ``sources.toml``; a file without a CRS is read as WGS 84 unless
``geometry_crs`` says otherwise (``"EPSG:2154"`` for Lambert-93).
"""

from __future__ import annotations

import json
import sqlite3
import struct
from pathlib import Path

import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from .errors import RawDataError
from .tables import COMMUNE_CODE, DEPARTEMENT_CODE, check_no_nul, warn

CODE_PROPERTIES = (
    "code",
    "INSEE_COM",
    "INSEE_DEP",
    "INSEE_ARM",
    "CODGEO",
    "code_insee",
    "insee",
    "DEP",
    "code_commune",
    "code_departement",
)
NAME_PROPERTIES = ("nom", "NOM", "NOM_M", "LIBGEO", "name", "libelle")
WGS84 = CRS.from_epsg(4326)


def crs_from(path: Path, text: str | None, given: str | None) -> CRS:
    """The CRS given in sources.toml, else the file's (``path``: the file that holds it), else WGS 84."""
    try:
        return CRS.from_user_input(given) if given else CRS.from_user_input(text) if text else WGS84
    except CRSError as exc:
        where = Path("sources.toml") if given else path
        raise RawDataError(
            where, f"système de coordonnées illisible « {(given or text)[:80]} » ({str(exc).split(':')[0]})"
        ) from None


def _geojson(path: Path) -> tuple[list[dict], list, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8-sig"))
    except json.JSONDecodeError as exc:
        raise RawDataError(path, f"JSON invalide ({exc.msg})", line=exc.lineno) from None
    except UnicodeDecodeError:
        raise RawDataError(path, "encodage illisible (attendu UTF-8)") from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise RawDataError(path, "« FeatureCollection » GeoJSON attendue")
    features = data.get("features") or []
    crs = (data.get("crs") or {}).get("properties", {}).get("name")
    props, geoms = [], []
    for i, f in enumerate(features, start=1):
        try:
            geoms.append(shapely.geometry.shape(f["geometry"]))
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException):
            raise RawDataError(path, f"entité n° {i} : géométrie absente ou invalide") from None
        props.append(f.get("properties") or {})
    return props, geoms, crs


def _companion_text(path: Path) -> str | None:
    """A Shapefile's small text companion (.cpg, .prj), or None when absent; damaged text is refused."""
    if not path.exists():
        return None
    raw = path.read_bytes()
    check_no_nul(raw, path)
    try:
        return raw.decode("utf-8-sig").strip()
    except UnicodeDecodeError:
        raise RawDataError(path, "texte illisible (attendu UTF-8) : fichier endommagé ?") from None


def read_shapefile(path: Path) -> tuple[list[dict], list, str | None]:
    """Properties, geometries and CRS text of a Shapefile. A damaged or truncated .shp, .shx or .dbf is
    refused (pyshp would otherwise fail on a struct, or warn and read on)."""
    import warnings

    import shapefile  # pyshp

    cpg = path.with_suffix(".cpg")
    encoding = _companion_text(cpg) or "utf-8"
    encoding = {"1252": "cp1252", "ansi 1252": "cp1252"}.get(encoding.lower(), encoding)
    try:
        "".encode(encoding)
    except LookupError:
        raise RawDataError(cpg, f"encodage « {encoding[:40]} » inconnu (attendu UTF-8, 1252…)") from None
    props, geoms, deleted = [], [], 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", shapefile.PossiblyCorruptFileHeader)
            with shapefile.Reader(str(path), encoding=encoding, encodingErrors="replace") as reader:
                names = [f[0] for f in reader.fields[1:]]
                # shapes and records read apart: pyshp's iterShapeRecords leaves deleted records out of the
                # pairing, and every later outline would take the next commune's code
                shapes, records = list(reader.iterShapes()), list(reader.iterRecords(deleted_as_None=True))
                if len(shapes) != len(records):
                    raise RawDataError(
                        path,
                        f"{len(shapes)} contours dans {path.name} mais {len(records)} enregistrements dans "
                        f"{path.with_suffix('.dbf').name} : fichiers d'exports différents ou endommagés",
                    )
                for i, (shape, record) in enumerate(zip(shapes, records), start=1):
                    if record is None:
                        deleted += 1
                        continue
                    if shape.shapeType == shapefile.NULL:
                        raise RawDataError(path, f"entité n° {i} : géométrie vide")
                    geoms.append(shapely.geometry.shape(shape.__geo_interface__))
                    props.append(dict(zip(names, record)))
    except (
        shapefile.ShapefileException,
        shapefile.PossiblyCorruptFileHeader,
        struct.error,
        KeyError,
        IndexError,
        ValueError,
        TypeError,
        OverflowError,
        MemoryError,
        EOFError,
        shapely.errors.GEOSException,
    ) as exc:
        companions = ", ".join(path.with_suffix(x).name for x in (".shx", ".dbf"))
        raise RawDataError(
            path,
            f"Shapefile illisible ou endommagé ({type(exc).__name__} : {str(exc)[:120]}) : {path.name} et "
            f"ses fichiers {companions} doivent être complets et côte à côte",
        ) from None
    if deleted:
        warn(
            path.with_suffix(".dbf"),
            f"{deleted} entité(s) marquée(s) supprimée(s) (indicateur de suppression du .dbf) : ignorée(s)",
        )
    return props, geoms, _companion_text(path.with_suffix(".prj"))


def _gpkg_wkb(blob: bytes) -> bytes:
    """The WKB inside a GeoPackage geometry blob (``GP`` header, optional envelope)."""
    if blob[:2] != b"GP":
        return blob
    envelope = (0, 32, 48, 48, 64)[(blob[3] >> 1) & 0b111]
    return blob[8 + envelope :]


def _geopackage(path: Path, layer: str | None) -> tuple[list[dict], list, str | None]:
    try:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        tables = con.execute(
            "SELECT c.table_name, g.column_name, g.srs_id FROM gpkg_contents c JOIN gpkg_geometry_columns g "
            "ON c.table_name = g.table_name WHERE c.data_type = 'features'"
        ).fetchall()
    except sqlite3.DatabaseError as exc:
        raise RawDataError(path, f"GeoPackage illisible ({exc})") from None
    if not tables:
        raise RawDataError(path, "aucune couche d'entités dans le GeoPackage")
    chosen = [t for t in tables if layer is None or t[0] == layer]
    if not chosen:
        raise RawDataError(path, f"couche « {layer} » absente ; couches : {', '.join(t[0] for t in tables)}")
    table, column, srs = chosen[0]
    row = con.execute(
        "SELECT organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?", (srs,)
    ).fetchone()
    crs = None
    if row and row[0] and row[0].upper() == "EPSG" and row[1] > 0:
        crs = f"EPSG:{row[1]}"
    elif row and row[2] and row[2] != "undefined":
        crs = row[2]
    cursor = con.execute(f'SELECT * FROM "{table}"')
    names = [d[0] for d in cursor.description]
    props, geoms = [], []
    for i, values in enumerate(cursor, start=1):
        record = dict(zip(names, values))
        blob = record.pop(column)
        if blob is None:
            raise RawDataError(path, f"couche « {table} », entité n° {i} : géométrie vide")
        geoms.append(shapely.from_wkb(_gpkg_wkb(bytes(blob))))
        props.append(record)
    con.close()
    return props, geoms, crs


def _code_property(path: Path, props: list[dict], given: str | None) -> str:
    available = list(props[0]) if props else []
    if given:
        if given not in available:
            raise RawDataError(
                path, f"propriété « {given} » (option geometry_code) absente ; propriétés : {', '.join(available)}"
            )
        return given
    found = next((p for p in CODE_PROPERTIES if p in available), None)
    if found is None:
        raise RawDataError(
            path,
            f"aucune propriété de code commune ou département ({', '.join(CODE_PROPERTIES[:5])}…) ; "
            f"propriétés : {', '.join(available) or 'aucune'} — nommez-la avec geometry_code dans sources.toml",
        )
    return found


def read_geometry(
    path: Path, code_property: str | None = None, crs: str | None = None, layer: str | None = None
) -> pd.DataFrame:
    """code, name, level (``COM``/``DEP``), geometry (shapely, longitude / latitude WGS 84)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".geojson", ".json"):
        props, geoms, file_crs = _geojson(path)
    elif suffix == ".shp":
        props, geoms, file_crs = read_shapefile(path)
    elif suffix == ".gpkg":
        props, geoms, file_crs = _geopackage(path, layer)
    else:
        raise RawDataError(path, "format de géométrie non reconnu (attendu .geojson, .shp ou .gpkg)")
    if not geoms:
        raise RawDataError(path, "aucune entité géographique")
    attributes = path.with_suffix(".dbf") if suffix == ".shp" else path  # where the codes are written
    key = _code_property(attributes, props, code_property)
    values = [p.get(key) for p in props]
    number = pd.Series([isinstance(v, (int, float)) and not isinstance(v, bool) for v in values])
    codes = pd.Series(
        [
            str(int(v)) if n and float(v).is_integer() else "" if v is None else str(v).strip()
            for v, n in zip(values, number)
        ]
    )
    # a code written as a number lost its leading zero (1004 for 01004); a text code is taken as it is
    codes = codes.where(~(number & codes.str.fullmatch(r"[0-9]|[0-9]{4}")), "0" + codes)
    is_commune, is_dep = codes.str.match(COMMUNE_CODE), codes.str.match(DEPARTEMENT_CODE)
    bad = ~(is_commune | is_dep)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(
            attributes,
            f"entité n° {i + 1} : code « {codes[i]} » (propriété {key}) : code commune (5 caractères) "
            "ou département (2 ou 3) attendu",
            column=key,
        )
    if codes.duplicated().any():
        i = int(np.flatnonzero(codes.duplicated().to_numpy())[0])
        raise RawDataError(attributes, f"entité n° {i + 1} : code « {codes[i]} » en double", column=key)
    kinds = {g.geom_type for g in geoms}
    if not kinds <= {"Polygon", "MultiPolygon"}:
        raise RawDataError(
            path,
            "contours (Polygon, MultiPolygon) attendus, trouvé : "
            f"{', '.join(sorted(kinds - {'Polygon', 'MultiPolygon'}))}",
        )
    source_crs = crs_from(path.with_suffix(".prj") if suffix == ".shp" else path, file_crs, crs)
    geometry = np.array(geoms, dtype=object)
    if source_crs != WGS84:
        transformer = Transformer.from_crs(source_crs, WGS84, always_xy=True)
        geometry = shapely.transform(geometry, lambda xy: np.column_stack(transformer.transform(xy[:, 0], xy[:, 1])))
    bounds = shapely.total_bounds(geometry)
    if bounds[0] < -180 or bounds[2] > 180 or bounds[1] < -90 or bounds[3] > 90:
        raise RawDataError(
            path,
            "coordonnées hors des longitudes / latitudes : le fichier est projeté sans le dire ; "
            'précisez geometry_crs dans sources.toml (ex. "EPSG:2154" pour Lambert-93)',
        )
    geometry = shapely.make_valid(geometry)
    name_key = next((p for p in NAME_PROPERTIES if props and p in props[0]), None)
    names = [str(p.get(name_key) or "") for p in props] if name_key else [""] * len(props)
    levels = np.where(is_commune, "COM", "DEP")
    if len(set(levels)) > 1:
        raise RawDataError(path, "le fichier mêle communes et départements : un niveau par fichier", column=key)
    return pd.DataFrame({"code": codes, "name": names, "level": levels, "geometry": list(geometry)})


def describe_outlines(result: pd.DataFrame) -> tuple[int, list[str], list[str]]:
    """--check: how many outlines of each level, and their extent (longitudes, latitudes)."""
    levels = ", ".join(
        f"{n} {'communes' if lv == 'COM' else 'départements'}" for lv, n in result["level"].value_counts().items()
    )
    west, south, east, north = shapely.total_bounds(result["geometry"].to_numpy())
    return (
        len(result),
        [f"contours : {levels}", f"emprise : longitudes {west:.2f} à {east:.2f}, latitudes {south:.2f} à {north:.2f}"],
        [],
    )
