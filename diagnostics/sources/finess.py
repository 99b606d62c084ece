"""FINESS extractions (data.gouv, Etalab): établissements (cs1100507/cs1100502) and équipements
sociaux et médico-sociaux (cs1100505).

Both are ';'-separated, without header, ISO-8859-1 or UTF-8; line 1 is a manifest
(``finess;etalab;<version>;<date>``), then one record per line tagged by its first field: ``structureet``
and ``geolocalisation`` in the établissements, ``structureet`` (établissement → entité juridique, not
used) and ``equipementsocial`` in the équipements. Any other line is refused with its number: a record
whose tag is damaged would otherwise vanish with its places.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RawDataError
from .tables import COMMUNE_CODE, FINESS_CATEGORY, FINESS_NUMBER, read_text, warn_truncated

ESTABLISHMENT_RECORDS = {
    "structureet": 32,
    "geolocalisation": 6,
}  # geolocalisation;nofinesset;coordxet;coordyet;sourcecoordet;datemaj
EQUIPMENT_RECORDS = {"structureet": 3, "equipementsocial": 28}  # structureet;nofinesset;nofinessej
COORDINATE = re.compile(r"^-?[0-9]+(?:\.[0-9]+)?\Z")
SUPPRESSED = {"O": True, "N": False, "": False}  # indicateur de suppression de l'installation

# FINESS writes overseas départements with letters: 9A + 101 → INSEE 97101.
FINESS_DEPARTEMENT = re.compile(r"^(?:[0-9]{2}|2[AB]|9[A-F])\Z")
FINESS_OVERSEAS = {"9A": "971", "9B": "972", "9C": "973", "9D": "974", "9E": "975", "9F": "976"}


def _records(path: Path, accepted: dict[str, int]) -> dict[str, list[tuple[int, list[str]]]]:
    """tag → (line number, fields) of every record of a FINESS file holding the ``accepted`` kinds of
    record (tag → number of fields)."""
    text = read_text(path)
    if not text.startswith("finess;"):
        raise RawDataError(path, "ligne de manifeste « finess;etalab;… » attendue en tête de fichier", line=1)
    wanted = accepted
    records: dict[str, list] = {tag: [] for tag in wanted}
    lines = csv.reader(io.StringIO(text), delimiter=";")
    next(lines)
    blank = None
    for fields in lines:
        number = lines.line_num
        if not any(f.strip() for f in fields):
            blank = blank or number
            continue
        if blank:
            raise RawDataError(
                path, "ligne vide au milieu des enregistrements : supprimez-la (deux extractions collées ?)", line=blank
            )
        tag = fields[0]
        if tag not in wanted:
            what = (
                "manifeste répété (deux extractions collées bout à bout ?)"
                if tag == "finess"
                else f"type d'enregistrement « {tag} » inconnu"
            )
            raise RawDataError(path, f"{what} ; attendu {', '.join(wanted)} en premier champ", line=number, column="1")
        if len(fields) < wanted[tag]:
            raise RawDataError(
                path, f"{len(fields)} champs au lieu de {wanted[tag]} pour une ligne « {tag} »", line=number
            )
        if not FINESS_NUMBER.match(fields[1].strip()):
            raise RawDataError(
                path,
                f"numéro FINESS « {fields[1]} » invalide (attendu 9 caractères, ex. 010000024, 2A0000013)",
                line=number,
                column="2",
            )
        records[tag].append((number, fields))
    if not text.endswith("\n"):
        warn_truncated(path, text.count("\n") + 1)
    return records


def insee_commune_code(departement: str, commune: str) -> str:
    """INSEE commune code from FINESS's département and 3-digit commune fields."""
    departement = departement.strip()
    if departement in FINESS_OVERSEAS:
        return "97" + commune.strip()
    return departement + commune.strip()


def read_finess_establishments(path: Path) -> pd.DataFrame:
    """finess_et, name, commune, category, category_label — one row per établissement géographique."""
    records = _records(path, ESTABLISHMENT_RECORDS)
    rows, lines = [], {}
    for number, f in records["structureet"]:
        commune = insee_commune_code(f[13], f[12])
        if not (
            FINESS_DEPARTEMENT.match(f[13].strip())
            and re.match(r"^[0-9]{3}\Z", f[12].strip())
            and COMMUNE_CODE.match(commune)
        ):
            raise RawDataError(
                path, f"commune « {f[13]} » + « {f[12]} » : code INSEE non reconstituable", line=number, column="13-14"
            )
        if not FINESS_CATEGORY.match(f[18].strip()):
            raise RawDataError(
                path,
                f"catégorie d'établissement « {f[18]} » invalide (attendu 3 chiffres, ex. 500)",
                line=number,
                column="19",
            )
        et = f[1].strip()
        if et in lines:
            raise RawDataError(
                path, f"établissement {et} décrit deux fois (déjà ligne {lines[et]})", line=number, column="2"
            )
        lines[et] = number
        rows.append((et, (f[4] or f[3]).strip(), commune, f[18].strip(), f[19].strip()))
    if not rows:
        raise RawDataError(
            path, "aucune ligne « structureet » : est-ce bien une extraction FINESS des établissements ?"
        )
    out = pd.DataFrame(rows, columns=["finess_et", "name", "commune", "category", "category_label"])
    located = _locations(path, records["geolocalisation"])
    return (
        out.merge(located, on="finess_et", how="left")
        if not located.empty
        else out.assign(lon=float("nan"), lat=float("nan"))
    )


def _locations(path: Path, lines: list[tuple[int, list[str]]]) -> pd.DataFrame:
    """finess_et, lon, lat from the ``geolocalisation`` lines of cs1100507 (projected coordinates whose
    CRS is written in ``sourcecoordet``, e.g. ``…,EPSG:2154 RGF93 / Lambert-93 (Métropole)``)."""
    from pyproj import CRS, Transformer
    from pyproj.exceptions import CRSError

    rows = []
    for number, f in lines:
        epsg = re.search(r"EPSG:(\d+)", f[4])
        if not f[2].strip() and not f[3].strip():
            continue  # not geocoded
        if not (COORDINATE.match(f[2].strip()) and COORDINATE.match(f[3].strip())):
            raise RawDataError(path, f"coordonnées « {f[2]} ; {f[3]} » : nombres attendus", line=number, column="3-4")
        x, y = float(f[2]), float(f[3])
        if epsg is None:
            raise RawDataError(
                path, f"système de coordonnées introuvable dans « {f[4]} » (attendu EPSG:xxxx)", line=number, column="5"
            )
        rows.append((f[1].strip(), int(epsg.group(1)), x, y, number))
    frame = pd.DataFrame(rows, columns=["finess_et", "epsg", "x", "y", "line"])
    parts = []
    for epsg, part in frame.groupby("epsg"):
        try:
            crs = CRS.from_epsg(int(epsg))
        except CRSError:
            raise RawDataError(
                path, f"système de coordonnées EPSG:{epsg} inconnu", line=int(part["line"].iloc[0]), column="5"
            ) from None
        lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(part["x"].to_numpy(), part["y"].to_numpy())
        area = crs.area_of_use
        outside = (
            ~(np.isfinite(lon) & np.isfinite(lat))
            if area is None
            else ~((lon >= area.west - 1) & (lon <= area.east + 1) & (lat >= area.south - 1) & (lat <= area.north + 1))
        )
        if outside.any():  # x and y swapped, or a digit lost: the point would be placed elsewhere without a word
            i = int(np.flatnonzero(outside)[0])
            raise RawDataError(
                path,
                f"coordonnées « {part['x'].iloc[i]} ; {part['y'].iloc[i]} » hors de la zone du système "
                f"EPSG:{epsg} ({area.name if area else 'inconnue'}) : x et y inversés ?",
                line=int(part["line"].iloc[i]),
                column="3-4",
            )
        parts.append(pd.DataFrame({"finess_et": part["finess_et"].to_numpy(), "lon": lon, "lat": lat}))
    return pd.concat(parts, ignore_index=True).drop_duplicates("finess_et", keep="last") if parts else frame


def read_finess_installed_places(path: Path) -> pd.DataFrame:
    """finess_et, places — installed places (capacité installée totale) per établissement.

    Installations flagged as suppressed (indicateur de suppression « O ») are not counted; their number
    is in ``attrs["details"]``. A line repeated word for word is refused (its places would count twice).
    """
    rows, seen, suppressed = [], {}, 0
    for number, f in _records(path, EQUIPMENT_RECORDS)["equipementsocial"]:
        key = tuple(field.strip() for field in f)
        if key in seen:
            raise RawDataError(
                path,
                f"ligne répétée à l'identique (déjà ligne {seen[key]}) : ses places compteraient deux fois",
                line=number,
            )
        seen[key] = number
        if f[15].strip() not in SUPPRESSED:
            raise RawDataError(
                path, f"indicateur de suppression « {f[15]} » : O ou N attendu", line=number, column="16"
            )
        if SUPPRESSED[f[15].strip()]:
            suppressed += 1
            continue
        if not re.match(r"^-?[0-9]+\Z", f[9].strip()):
            raise RawDataError(path, f"capacité installée « {f[9]} » : entier attendu", line=number, column="10")
        places = int(f[9])
        if places < 0:
            raise RawDataError(path, f"capacité installée négative ({places})", line=number, column="10")
        rows.append((f[1].strip(), places))
    if not rows:
        raise RawDataError(
            path, "aucune ligne « equipementsocial » : est-ce bien l'extraction des équipements sociaux ?"
        )
    out = pd.DataFrame(rows, columns=["finess_et", "places"]).groupby("finess_et", as_index=False)["places"].sum()
    out.attrs["details"] = [
        f"{len(rows) + suppressed} installations, dont {suppressed} supprimée(s) (indicateur « O ») non comptée(s)"
    ]
    return out


def finess_places_by_establishment(establishments: pd.DataFrame, places: pd.DataFrame) -> pd.DataFrame:
    """Établissements with their installed places (0 when the capacities file lists none)."""
    out = establishments.merge(places, on="finess_et", how="left")
    out["places"] = out["places"].fillna(0).astype("int64")
    return out
