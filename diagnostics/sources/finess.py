"""FINESS extractions (data.gouv, Etalab): établissements (cs1100507/cs1100502) and équipements
sociaux et médico-sociaux (cs1100505).

Both are ';'-separated, without header, ISO-8859-1 or UTF-8; line 1 is a manifest
(``finess;etalab;<version>;<date>``), then one record per line tagged by its first field
(``structureet``, ``equipementsocial``, ``geolocalisation``).
"""
from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import read_text

STRUCTURE_FIELDS = 32
GEOLOCALISATION_FIELDS = 6  # geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj
EQUIPMENT_FIELDS = 28
# FINESS writes overseas départements with letters: 9A + 101 → INSEE 97101.
FINESS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}


def _records(path: Path, tag: str, n_fields: int):
    text = read_text(path)
    lines = text.splitlines()
    if not lines[0].startswith("finess;"):
        raise RawDataError(path, "ligne de manifeste « finess;etalab;… » attendue en tête de fichier", line=1)
    for number, fields in enumerate(csv.reader(io.StringIO(text), delimiter=";"), start=1):
        if not fields or fields[0] != tag:
            continue
        if len(fields) < n_fields:
            raise RawDataError(path, f"{len(fields)} champs au lieu de {n_fields} pour une ligne « {tag} »", line=number)
        yield number, fields


def insee_commune_code(departement: str, commune: str) -> str:
    """INSEE commune code from FINESS's département and 3-digit commune fields."""
    departement = departement.strip()
    if departement in FINESS_OVERSEAS:
        return "97" + commune.strip()
    return departement + commune.strip()


def read_finess_establishments(path: Path) -> pd.DataFrame:
    """finess_et, name, commune, category, category_label — one row per établissement géographique."""
    rows = []
    for number, f in _records(path, "structureet", STRUCTURE_FIELDS):
        commune = insee_commune_code(f[13], f[12])
        if len(commune) != 5:
            raise RawDataError(path, f"commune « {f[13]} » + « {f[12]} » : code INSEE non reconstituable", line=number, column="13-14")
        rows.append((f[1].strip(), (f[4] or f[3]).strip(), commune, f[18].strip(), f[19].strip()))
    if not rows:
        raise RawDataError(path, "aucune ligne « structureet » : est-ce bien une extraction FINESS des établissements ?")
    out = pd.DataFrame(rows, columns=["finess_et", "name", "commune", "category", "category_label"])
    located = read_finess_locations(path)
    return out.merge(located, on="finess_et", how="left") if not located.empty else out.assign(lon=float("nan"), lat=float("nan"))


def read_finess_locations(path: Path) -> pd.DataFrame:
    """finess_et, lon, lat from the ``geolocalisation`` lines of cs1100507 (projected coordinates whose
    CRS is written in ``sourcecoordet``, e.g. ``…,EPSG:2154 RGF93 / Lambert-93 (Métropole)``)."""
    import re

    from pyproj import Transformer

    rows = []
    for number, f in _records(path, "geolocalisation", GEOLOCALISATION_FIELDS):
        epsg = re.search(r"EPSG:(\d+)", f[4])
        if not f[2].strip() and not f[3].strip():
            continue  # not geocoded
        try:
            x, y = float(f[2]), float(f[3])
        except ValueError:
            raise RawDataError(path, f"coordonnées « {f[2]} ; {f[3]} » : nombres attendus", line=number, column="3-4") from None
        if epsg is None:
            raise RawDataError(path, f"système de coordonnées introuvable dans « {f[4]} » (attendu EPSG:xxxx)", line=number, column="5")
        rows.append((f[1].strip(), int(epsg.group(1)), x, y))
    frame = pd.DataFrame(rows, columns=["finess_et", "epsg", "x", "y"])
    parts = []
    for epsg, part in frame.groupby("epsg"):
        lon, lat = Transformer.from_crs(int(epsg), 4326, always_xy=True).transform(part["x"].to_numpy(), part["y"].to_numpy())
        parts.append(pd.DataFrame({"finess_et": part["finess_et"].to_numpy(), "lon": lon, "lat": lat}))
    return pd.concat(parts, ignore_index=True).drop_duplicates("finess_et", keep="last") if parts else frame


def read_finess_installed_places(path: Path) -> pd.DataFrame:
    """finess_et, places — installed places (capacité installée totale) per établissement.

    Installations flagged as suppressed (indicateur de suppression « O ») are not counted.
    """
    rows = []
    for number, f in _records(path, "equipementsocial", EQUIPMENT_FIELDS):
        if f[15].strip() == "O":
            continue
        try:
            places = int(f[9])
        except ValueError:
            raise RawDataError(path, f"capacité installée « {f[9]} » : entier attendu", line=number, column="10") from None
        if places < 0:
            raise RawDataError(path, f"capacité installée négative ({places})", line=number, column="10")
        rows.append((f[1].strip(), places))
    if not rows:
        raise RawDataError(path, "aucune ligne « equipementsocial » : est-ce bien l'extraction des équipements sociaux ?")
    return pd.DataFrame(rows, columns=["finess_et", "places"]).groupby("finess_et", as_index=False)["places"].sum()


def finess_places_by_establishment(establishments: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Établissements with their installed places (0 when the capacities file lists none)."""
    out = establishments.merge(places, on="finess_et", how="left")
    out["places"] = out["places"].fillna(0).astype("int64")
    return out
