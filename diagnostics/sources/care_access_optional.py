"""Optional files a user may have for access to care (none is required: without them the project computes its
own accessibility from commune coordinates).

- DREES « Accessibilité potentielle localisée (APL) aux médecins généralistes » by commune, as published
  (xlsx: one sheet per year ``APL AAAA``, eight title and note rows, the header with ``Code commune INSEE`` on
  row 9, a row of units under it, notes at the end) or as a tidy CSV ``commune;annee;apl``.
- The ARS zoning of general practice (« zonage médecins », arrêté du directeur général de l'ARS, art.
  L. 1434-4 CSP): commune → ZIP (zone d'intervention prioritaire), ZAC (zone d'action complémentaire), ZV (zone
  de vigilance, used by some ARS) or HZ (hors zonage); CSV or xlsx with a commune and a zoning column.
- A commune-to-commune travel-time matrix (a road « distancier »): ``origine;destination;minutes``, sparse
  (only the pairs that matter, e.g. under 20 minutes).
- Commune coordinates: a tidy ``commune;longitude;latitude`` (WGS 84 decimal degrees), the data.gouv.fr
  « communes-france-AAAA.csv » (mairie point, else centre), IGN ADMIN EXPRESS chef-lieu points
  (``CHFLIEU_COMMUNE.shp`` joined to ``COMMUNE.shp``), or the centres of the commune outlines already read.
  Every point is checked against its territory's extent (metropolitan France or the overseas one of its code).
"""

from __future__ import annotations

import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ..formatting import fr_number
from .errors import RawDataError
from .tables import COMMUNE_CODE, check_layout, first_bad, read_delimited, read_text, restore_leading_zeros, warn
from .workbooks import cell_text, column_letter, open_workbook, sheet_table

APL_UNIT = "consultations/visites accessibles par an et par habitant standardisé"
APL_SHEET = re.compile(r"^apl\s+(\d{4})$", re.IGNORECASE)
APL_CODE = "Code commune INSEE"
NO_VALUE = {"", "-", "nd", "n.d.", "na", "n/a", "nc"}  # cells of communes without an APL
APL_COLUMNS = {"all_ages": "apl aux médecins généralistes", "65_or_less": "apl aux médecins généralistes de 65 ans"}
ZONES = {
    "ZIP": "zone d'intervention prioritaire",
    "ZAC": "zone d'action complémentaire",
    "ZV": "zone de vigilance",
    "HZ": "hors zonage",
}
OUT_OF_ZONING = {
    "hz",
    "hors zonage",
    "hors zone",
    "non zone",
    "non zonee",
    "sans zonage",
    "aucun",
    "aucune",
    "zone non prioritaire",
    "autre",
    "autres",
}
# code columns first: a file may have both « CODGEO » and a « Commune » name column
COMMUNE_HEADERS = ("code commune insee", "code commune", "codgeo", "code insee", "insee", "depcom", "commune", "com")
ZONE_HEADERS = (
    "zonage",
    "zone",
    "zonage medecins",
    "zonage medecin",
    "zonage_medecins",
    "classement",
    "type de zone",
    "type_zone",
    "zonage ars",
)
# (longitude min, max, latitude min, max) of each territory, with a margin; metropolitan France (and the
# project's fictional demo region, 96x, placed off its west coast) by default
EXTENTS = {
    "": (-5.6, 9.8, 41.2, 51.2),
    "971": (-61.9, -60.9, 15.8, 16.6),
    "972": (-61.3, -60.7, 14.3, 14.95),
    "973": (-54.7, -51.5, 2.0, 6.0),
    "974": (55.1, 56.0, -21.5, -20.8),
    "975": (-56.6, -56.0, 46.7, 47.2),
    "976": (44.9, 45.4, -13.1, -12.5),
    "977": (-63.0, -62.7, 17.8, 18.0),
    "978": (-63.2, -62.9, 18.0, 18.2),
    "986": (-178.3, -175.9, -14.5, -13.0),
    "987": (-154.9, -134.3, -28.0, -7.8),
    "988": (163.5, 168.3, -22.9, -19.4),
}
COORDINATE_COLUMNS = ["commune", "longitude", "latitude"]


def _plain(text) -> str:
    """Lower case, no accents, apostrophes and underscores as spaces, single spaces."""
    text = unicodedata.normalize("NFKD", str(text).replace("\u00a0", " ").replace("’", "'"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower().replace("_", " ")
    return " ".join(text.split())


def _numbers(values: pd.Series) -> pd.Series:
    """Numbers from cells or text (decimal comma, thin spaces); NaN where not a number."""
    text = values.astype(str).str.replace("\u202f", "", regex=False).str.replace("\u00a0", "", regex=False)
    return pd.to_numeric(text.str.replace(" ", "", regex=False).str.replace(",", ".", regex=False), errors="coerce")


def _commune_codes(codes: pd.Series, path: Path, lines: pd.Index, column: str) -> pd.Series:
    """Commune codes with their leading zeros; an invalid one is an error at its line."""
    codes = restore_leading_zeros(codes.astype(str).str.strip(), 5)
    bad = ~codes.str.match(COMMUNE_CODE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(
            path,
            f"code commune INSEE invalide « {codes.iloc[i]} » (attendu 5 caractères, ex. 01004, 2A004)",
            line=int(lines[i]),
            column=column,
        )
    return codes


def _check_known(codes: pd.Series, communes, path: Path, lines: pd.Index, column: str) -> None:
    if communes is None:
        return
    unknown = ~codes.isin(set(communes))
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise RawDataError(
            path,
            f"commune « {codes.iloc[i]} » inconnue de la table des communes ({fr_number(unknown.sum())} "
            "code(s) inconnu(s))",
            line=int(lines[i]),
            column=column,
        )


# ---- DREES APL ------------------------------------------------------------------------------------------


def _apl_columns(path: Path, sheet: str, header: list[str], variant: str) -> tuple[str, str | None, str | None]:
    plain = {_plain(h): h for h in header}
    wanted = _plain(APL_COLUMNS[variant])
    apl = next((h for p, h in plain.items() if p == wanted or (variant != "all_ages" and p.startswith(wanted))), None)
    if apl is None:
        other = next((h for p, h in plain.items() if p.startswith("apl aux ")), None)
        hint = f" ; ce classeur porte sur « {other} »" if other else ""
        raise RawDataError(
            path,
            f"feuille « {sheet} » : colonne « {APL_COLUMNS[variant]} » introuvable{hint} (attendu l'APL "
            "aux médecins généralistes de la DREES)",
        )
    standardised = next((h for p, h in plain.items() if p.startswith("population standardisee")), None)
    total = next((h for p, h in plain.items() if p.startswith("population totale")), None)
    return apl, standardised, total


def _apl_rows(path: Path, frame: pd.DataFrame, year: int, columns, sheet: str) -> tuple[pd.DataFrame, dict]:
    """Commune rows of one APL sheet; the units row, notes and totals are counted, not read."""
    apl, standardised, total = columns
    code = restore_leading_zeros(frame[APL_CODE].astype(str).str.strip(), 5)
    is_code = code.str.match(COMMUNE_CODE)
    looks_like_code = code.str.fullmatch(r"(?=(?:\D*\d){2})\S{3,7}")  # notes and totals have words, codes digits
    if (looks_like_code & ~is_code).any():
        i = int(np.flatnonzero((looks_like_code & ~is_code).to_numpy())[0])
        raise RawDataError(
            path,
            f"feuille « {sheet} » : code commune INSEE invalide « {code.iloc[i]} »",
            line=int(frame.index[i]),
            column=column_letter(list(frame.columns).index(APL_CODE)),
        )
    units = frame.loc[~is_code & (code == ""), apl].astype(str)
    unit = next((u for u in units if u and _numbers(pd.Series([u])).isna().all()), APL_UNIT)
    rows = frame[is_code]
    text = rows[apl].astype(str).str.strip()
    value = _numbers(text.where(~text.str.lower().isin(NO_VALUE), ""))
    bad = (value.isna() & ~text.str.lower().isin(NO_VALUE)) | (value < 0)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        col = column_letter(list(frame.columns).index(apl))
        raise RawDataError(
            path,
            f"feuille « {sheet} » : APL « {text.iloc[i]} » : nombre positif ou nul attendu",
            line=int(rows.index[i]),
            column=col,
        )
    out = pd.DataFrame(
        {
            "commune": code[is_code].to_numpy(),
            "year": year,
            "apl": value.to_numpy(),
            "unit": unit,
            "standardised_population": _numbers(rows[standardised]).to_numpy() if standardised else np.nan,
            "population": _numbers(rows[total]).to_numpy() if total else np.nan,
        },
        index=rows.index,
    )
    dup = out["commune"].duplicated()
    if dup.any():
        raise RawDataError(
            path,
            f"feuille « {sheet} » : commune « {out.loc[dup, 'commune'].iloc[0]} » en double",
            line=int(out.index[np.flatnonzero(dup.to_numpy())[0]]),
            column=column_letter(list(frame.columns).index(APL_CODE)),
        )
    counts = {"other_rows": int((~is_code).sum()), "no_value": int(out["apl"].isna().sum())}
    return out[out["apl"].notna()], counts


def read_apl(path: Path, variant: str = "all_ages") -> pd.DataFrame:
    """commune, year, apl, unit, standardised_population, population (NaN when the file has none).

    ``variant``: ``all_ages`` (« APL aux médecins généralistes », every GP, as the project's own accessibility)
    or ``65_or_less`` (« … de 65 ans ou moins », GPs aged 65 or less, also published by the DREES). The unit
    is the one written under the header (:data:`APL_UNIT` by default). Aggregate an APL weighted by the
    standardised population. Communes without a value are left out and counted in ``attrs["details"]``."""
    path = Path(path)
    if variant not in APL_COLUMNS:
        raise ValueError(f"variante d'APL inconnue « {variant} » (attendu : {', '.join(APL_COLUMNS)})")
    if path.suffix.lower() not in (".xlsx", ".xls"):
        return _read_apl_csv(path)
    wb = open_workbook(path)
    try:
        sheets = {int(m.group(1)): n for n in wb.sheetnames if (m := APL_SHEET.match(n.strip()))}
        if not sheets:
            found = re.findall(r"(?<!\d)(20\d{2})(?!\d)", path.stem)
            if len(wb.sheetnames) != 1 or not found:
                raise RawDataError(
                    path,
                    f"aucune feuille « APL AAAA » (feuilles : {', '.join(wb.sheetnames)}) ni "
                    "année dans le nom d'un classeur d'une seule feuille (…_AAAA.xlsx)",
                )
            sheets = {int(found[-1]): wb.sheetnames[0]}
        parts, counts = [], {"other_rows": 0, "no_value": 0}
        for year, name in sorted(sheets.items()):
            frame = sheet_table(path, wb, name, [APL_CODE])
            rows, n = _apl_rows(path, frame, year, _apl_columns(path, name, list(frame.columns), variant), name)
            parts.append(rows)
            counts = {k: counts[k] + n[k] for k in counts}
    finally:
        wb.close()
    out = pd.concat(parts, ignore_index=True)
    out.attrs["details"] = [
        f"APL {', '.join(map(str, sorted(sheets)))} : {fr_number(len(out))} commune(s)-année(s) ; "
        f"{fr_number(counts['no_value'])} sans valeur ; {fr_number(counts['other_rows'])} ligne(s) "
        "d'unités, de notes ou de total non lues",
        f"unité : {out['unit'].iloc[0]}",
    ]
    return out


def _read_apl_csv(path: Path) -> pd.DataFrame:
    df = read_delimited(path, ["commune", "annee", "apl"], optional=["population_standardisee", "population"])
    lines = pd.RangeIndex(2, len(df) + 2)
    commune = _commune_codes(df["commune"], path, lines, "commune")
    year = _numbers(df["annee"])
    bad = year.isna() | (year < 2000) | (year > 2100) | (year != year.round())
    if bad.any():
        raise RawDataError(
            path, f"année « {df['annee'].iloc[first_bad(bad) - 2]} » invalide", line=first_bad(bad), column="annee"
        )
    apl = _numbers(df["apl"])
    bad = (apl.isna() & (df["apl"] != "")) | (apl < 0)
    if bad.any():
        raise RawDataError(
            path,
            f"APL « {df['apl'].iloc[first_bad(bad) - 2]} » : nombre positif ou nul attendu",
            line=first_bad(bad),
            column="apl",
        )
    out = pd.DataFrame(
        {
            "commune": commune,
            "year": year.astype("int64"),
            "apl": apl,
            "unit": APL_UNIT,
            "standardised_population": _numbers(df["population_standardisee"])
            if "population_standardisee" in df
            else np.nan,
            "population": _numbers(df["population"]) if "population" in df else np.nan,
        }
    )
    dup = out.duplicated(["commune", "year"])
    if dup.any():
        raise RawDataError(path, "ligne en double pour (commune, annee)", line=first_bad(dup))
    out.attrs["details"] = [f"{fr_number(out['apl'].isna().sum())} commune(s) sans valeur non retenue(s)"]
    return out[out["apl"].notna()].reset_index(drop=True)


# ---- ARS zoning -------------------------------------------------------------------------------------------


def zone_class(label) -> str | None:
    """``ZIP``, ``ZAC``, ``ZV`` or ``HZ`` from an ARS zoning label (code or words, any case and accents);
    None when not recognised or when it names two classes."""
    plain = _plain(label)
    words = set(re.findall(r"[a-z]+", plain))
    found = {"ZIP"} if "zip" in words or "intervention prioritaire" in plain else set()
    found |= {"ZAC"} if "zac" in words or "action complementaire" in plain else set()
    found |= {"ZV"} if "zv" in words or "vigilance" in plain else set()
    found |= {"HZ"} if plain in OUT_OF_ZONING or "hors zonage" in plain else set()
    return found.pop() if len(found) == 1 else None


def _table_with_aliases(path: Path) -> tuple[pd.DataFrame, str, str]:
    """A zoning table (CSV or first sheet of an xlsx) and its commune and zoning columns."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        wb = open_workbook(path)
        try:
            rows = [[cell_text(c) for c in r] for r in wb[wb.sheetnames[0]].iter_rows(values_only=True)]
        finally:
            wb.close()
        for number, header in enumerate(rows[:15], start=1):
            names = {_plain(h): h for h in header if h}
            commune = next((names[a] for a in COMMUNE_HEADERS if a in names), None)
            zone = next((names[a] for a in ZONE_HEADERS if a in names), None)
            if commune and zone:
                body = [r[: len(header)] for r in rows[number:] if any(r)]
                frame = pd.DataFrame(body, columns=header, index=range(number + 1, number + 1 + len(body)), dtype=str)
                return frame, commune, zone
        raise RawDataError(
            path,
            "colonnes commune et zonage introuvables dans les 15 premières lignes (attendu par ex. "
            "« commune » et « zonage »)",
        )
    text = read_text(path).replace("\r\n", "\n").replace("\r", "\n")
    first = text.splitlines()[0]
    sep = max((";", ",", "\t"), key=first.count)
    frame = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)
    check_layout(text, len(frame), sep, path)  # a short or cut line, a blank line: refused or warned, as elsewhere
    frame.index = range(2, len(frame) + 2)
    names = {_plain(c): c for c in frame.columns}
    commune = next((names[a] for a in COMMUNE_HEADERS if a in names), None)
    zone = next((names[a] for a in ZONE_HEADERS if a in names), None)
    if not (commune and zone):
        raise RawDataError(
            path, f"colonnes attendues : commune et zonage (trouvées : {', '.join(frame.columns)})", line=1
        )
    return frame, commune, zone


def read_ars_zoning(path: Path, communes=None) -> pd.DataFrame:
    """commune, zone (:data:`ZONES`: ``ZIP``, ``ZAC``, ``ZV``, ``HZ``), zone_label (as written).

    Accepted labels (any case, accents or spacing): ``ZIP`` / « zone d'intervention prioritaire »;
    ``ZAC`` / « zone d'action complémentaire »; ``ZV`` / « zone de vigilance »; ``HZ`` / « hors zonage »,
    « hors zone », « non zoné », « sans zonage », « aucun », « autre ». Headers: the commune in ``commune``,
    ``code_commune``, ``CODGEO``, ``code_insee``…, the class in ``zonage``, ``zone``, ``classement``…
    ``communes``: the known commune codes (an unknown one is an error)."""
    path = Path(path)
    frame, commune_col, zone_col = _table_with_aliases(path)
    commune = _commune_codes(frame[commune_col], path, frame.index, commune_col)
    labels = frame[zone_col].astype(str).str.strip()
    classes = labels.map(zone_class)
    if classes.isna().any():
        i = int(np.flatnonzero(classes.isna().to_numpy())[0])
        raise RawDataError(
            path,
            f"zonage « {labels.iloc[i]} » non reconnu ; valeurs acceptées : ZIP (zone d'intervention "
            "prioritaire), ZAC (zone d'action complémentaire), ZV (zone de vigilance), HZ (hors zonage)",
            line=int(frame.index[i]),
            column=zone_col,
        )
    dup = commune.duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(
            path, f"commune « {commune.iloc[i]} » en double", line=int(frame.index[i]), column=commune_col
        )
    _check_known(commune, communes, path, frame.index, commune_col)
    out = pd.DataFrame({"commune": commune.to_numpy(), "zone": classes.to_numpy(), "zone_label": labels.to_numpy()})
    out.attrs["details"] = ["zonage : " + ", ".join(f"{k} {fr_number((out['zone'] == k).sum())}" for k in ZONES)]
    return out


# ---- travel times -----------------------------------------------------------------------------------------


def read_travel_times(path: Path, communes=None) -> pd.DataFrame:
    """origin, destination, minutes (float) from ``origine;destination;minutes``.

    Refused: an invalid or (when ``communes`` is given) unknown commune code, a time that is not a number,
    negative or infinite, a pair given twice. Pairs absent from the file are « beyond reach »."""
    path = Path(path)
    df = read_delimited(path, ["origine", "destination", "minutes"])
    lines = pd.RangeIndex(2, len(df) + 2)
    origin = _commune_codes(df["origine"], path, lines, "origine")
    destination = _commune_codes(df["destination"], path, lines, "destination")
    minutes = _numbers(df["minutes"])
    bad = minutes.isna() | (minutes < 0) | ~np.isfinite(minutes.fillna(0))
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path,
            f"durée « {df['minutes'].iloc[line - 2]} » : nombre de minutes positif ou nul attendu",
            line=line,
            column="minutes",
        )
    pair = pd.Series(origin.to_numpy(), dtype=object) + ">" + destination.to_numpy()
    if pair.duplicated().any():
        line = first_bad(pair.duplicated())
        raise RawDataError(path, f"couple ({origin.iloc[line - 2]}, {destination.iloc[line - 2]}) en double", line=line)
    _check_known(origin, communes, path, lines, "origine")
    _check_known(destination, communes, path, lines, "destination")
    out = pd.DataFrame(
        {"origin": origin.to_numpy(), "destination": destination.to_numpy(), "minutes": minutes.to_numpy(float)}
    )
    out.attrs["details"] = [
        f"{fr_number(len(out))} couples de communes, {fr_number(out['origin'].nunique())} communes "
        f"d'origine, durées {fr_number(out['minutes'].min(), 1)} à {fr_number(out['minutes'].max(), 1)} min"
    ]
    return out


# ---- coordinates ------------------------------------------------------------------------------------------


def _territory(codes: pd.Series) -> pd.Series:
    prefix = codes.str[:3]
    return prefix.where(prefix.isin(list(EXTENTS)), "")


def check_coordinates(out: pd.DataFrame, path: Path, lines: pd.Index) -> None:
    """Every point inside its territory's extent (:data:`EXTENTS`); swapped or projected values are named."""
    bounds = np.array([EXTENTS[t] for t in _territory(out["commune"])]).reshape(-1, 4)
    lon, lat = out["longitude"].to_numpy(float), out["latitude"].to_numpy(float)

    def inside(x, y):
        return (x >= bounds[:, 0]) & (x <= bounds[:, 1]) & (y >= bounds[:, 2]) & (y <= bounds[:, 3])

    bad = ~inside(lon, lat)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        if inside(lat, lon)[i]:
            why = "longitude et latitude inversées ?"
        elif abs(lon[i]) > 360 or abs(lat[i]) > 90:
            why = "coordonnées projetées (Lambert-93 ?) : attendu longitude / latitude WGS 84 en degrés décimaux"
        else:
            why = "hors de l'emprise du territoire de la commune"
        raise RawDataError(
            path,
            f"commune {out['commune'].iloc[i]} : point ({lon[i]}, {lat[i]}) : {why}",
            line=int(lines[i]),
            column="longitude",
        )


def _finish(path: Path, out: pd.DataFrame, lines: pd.Index, details: list[str]) -> pd.DataFrame:
    for column in ("longitude", "latitude"):
        if out[column].isna().any():
            i = int(np.flatnonzero(out[column].isna().to_numpy())[0])
            raise RawDataError(
                path,
                f"{column} manquante ou non numérique pour la commune {out['commune'].iloc[i]}",
                line=int(lines[i]),
                column=column,
            )
    dup = out["commune"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(
            path, f"commune « {out['commune'].iloc[i]} » en double", line=int(lines[i]), column="commune"
        )
    check_coordinates(out, path, lines)
    out = out.reset_index(drop=True)
    out.attrs["details"] = [f"{fr_number(len(out))} communes localisées"] + details
    return out


def read_commune_coordinates(path: Path) -> pd.DataFrame:
    """commune, longitude, latitude (WGS 84) from a tidy ``commune;longitude;latitude`` file or from
    data.gouv.fr's « communes-france-AAAA.csv » (``code_insee``; the mairie point, else the centre)."""
    path = Path(path)
    text = read_text(path)
    first = text.splitlines()[0]
    if "code_insee" in first and "latitude_mairie" in first:
        return _communes_france(path, text)
    df = read_delimited(path, COORDINATE_COLUMNS)
    lines = pd.RangeIndex(2, len(df) + 2)
    out = pd.DataFrame(
        {
            "commune": _commune_codes(df["commune"], path, lines, "commune"),
            "longitude": _numbers(df["longitude"]),
            "latitude": _numbers(df["latitude"]),
        }
    )
    return _finish(path, out, lines, [])


def _communes_france(path: Path, text: str) -> pd.DataFrame:
    columns = ["code_insee", "latitude_mairie", "longitude_mairie", "latitude_centre", "longitude_centre"]
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    df = pd.read_csv(io.StringIO(text), sep=",", dtype=str, keep_default_na=False, usecols=lambda c: c in columns)
    check_layout(text, len(df), ",", path)
    missing = [c for c in columns[:3] if c not in df]
    if missing:
        raise RawDataError(path, f"colonne(s) manquante(s) : {', '.join(missing)}", line=1)
    lines = pd.RangeIndex(2, len(df) + 2)
    mairie = _numbers(df["longitude_mairie"]).notna() & _numbers(df["latitude_mairie"]).notna()

    def pick(kind: str) -> pd.Series:
        centre = _numbers(df[f"{kind}_centre"]) if f"{kind}_centre" in df else np.nan
        return _numbers(df[f"{kind}_mairie"]).where(mairie, centre)

    out = pd.DataFrame(
        {
            "commune": _commune_codes(df["code_insee"], path, lines, "code_insee"),
            "longitude": pick("longitude"),
            "latitude": pick("latitude"),
        }
    )
    return _finish(
        path, out, lines, [f"point de la mairie : {fr_number(mairie.sum())}, centre : {fr_number((~mairie).sum())}"]
    )


def coordinates_from_geometry(geometry: pd.DataFrame) -> pd.DataFrame:
    """commune, longitude, latitude: a point inside each commune outline (``read_geometry`` rows of level
    ``COM``). ``point_on_surface`` rather than the centroid, which may fall outside a concave commune."""
    import shapely

    communes = geometry[geometry["level"] == "COM"]
    points = shapely.point_on_surface(np.asarray(communes["geometry"].to_numpy(), dtype=object))
    return pd.DataFrame(
        {"commune": communes["code"].to_numpy(), "longitude": shapely.get_x(points), "latitude": shapely.get_y(points)}
    )


def read_chef_lieu_points(chef_lieu: Path, communes: Path | None = None) -> pd.DataFrame:
    """commune, longitude, latitude from IGN ADMIN EXPRESS ``CHFLIEU_COMMUNE.shp`` (the town-hall point).

    Its records name the commune by ``INSEE_COM`` when present, else by ``ID_COM``, which ``communes``
    (``COMMUNE.shp`` or its ``.dbf``) turns into ``INSEE_COM``. The ``.prj`` gives the CRS (Lambert-93,
    WGS 84…); points are brought to longitude / latitude."""
    from pyproj import Transformer

    from .geometry import crs_from, read_shapefile  # shapely and pyproj: only when a Shapefile is read

    chef_lieu = Path(chef_lieu)
    records, shapes, crs_text = read_shapefile(chef_lieu)
    points = np.array([s.coords[0] if not s.is_empty else (np.nan, np.nan) for s in shapes], dtype=float).reshape(-1, 2)
    table = pd.DataFrame(records)
    if "INSEE_COM" in table:
        codes = table["INSEE_COM"].astype(str)
    elif "ID_COM" in table:
        if communes is None:
            raise RawDataError(
                chef_lieu, "champ ID_COM sans INSEE_COM : donnez aussi COMMUNE.shp pour la correspondance"
            )
        codes = table["ID_COM"].astype(str).map(_insee_by_id(Path(communes))).fillna("")
    else:
        raise RawDataError(chef_lieu, f"champ INSEE_COM ou ID_COM attendu (champs : {', '.join(table.columns)})")
    crs = crs_from(chef_lieu.with_suffix(".prj"), crs_text, None)
    lon, lat = Transformer.from_crs(crs, 4326, always_xy=True).transform(points[:, 0], points[:, 1])
    lines = pd.RangeIndex(1, len(table) + 1)  # entity number in the shapefile
    known = (codes != "").to_numpy()
    if not known.all():
        warn(
            Path(communes).with_suffix(".dbf"),
            f"{fr_number((~known).sum())} chef(s)-lieu(x) de {chef_lieu.name} sans commune correspondante (ID_COM "
            f"inconnu, par ex. « {table['ID_COM'].astype(str)[~known].iloc[0]} ») : non localisé(s) ; fichiers "
            "d'éditions différentes ou endommagés ?",
        )
    out = pd.DataFrame({"commune": codes, "longitude": lon, "latitude": lat})[known]
    out["commune"] = _commune_codes(out["commune"], chef_lieu, lines[known], "INSEE_COM")
    return _finish(chef_lieu, out, lines[known], [f"{fr_number((~known).sum())} point(s) sans commune connue"])


def _insee_by_id(communes: Path) -> dict[str, str]:
    """ADMIN EXPRESS ``ID`` → ``INSEE_COM`` from the ``.dbf`` of ``COMMUNE.shp`` (its outlines are not needed)."""
    import shapefile  # pyshp

    dbf = communes.with_suffix(".dbf")
    try:
        with shapefile.Reader(dbf=open(dbf, "rb")) as reader:
            names = [f[0] for f in reader.fields[1:]]
            if not {"ID", "INSEE_COM"} <= set(names):
                raise RawDataError(dbf, f"champs ID et INSEE_COM attendus (champs : {', '.join(names)})")
            at, insee = names.index("ID"), names.index("INSEE_COM")
            return {str(r[at]): str(r[insee]) for r in reader.iterRecords() if r is not None}
    except (shapefile.ShapefileException, OSError, ValueError, IndexError, UnicodeDecodeError) as exc:
        raise RawDataError(
            dbf, f"table .dbf illisible ou endommagée ({type(exc).__name__} : {str(exc)[:120]})"
        ) from None


SOURCE_INFO = [
    {
        "key": "apl",
        "label": "Accessibilité potentielle localisée (APL) aux médecins généralistes (DREES)",
        "publisher": "DREES, data.drees ou data.gouv.fr « L'accessibilité potentielle localisée (APL) » "
        "(classeur par commune)",
        "use": "accessibilité aux médecins généralistes publiée par la DREES, au lieu de celle calculée par le projet",
        "patterns": ("apl*generalistes*.xlsx", "apl_mg*.xlsx", "apl-mg*.xlsx", "apl_communes*.csv"),
        "header": ("commune", "annee", "apl"),
    },
    {
        "key": "ars_zoning",
        "label": "Zonage médecins de l'ARS (ZIP, ZAC)",
        "publisher": "ARS, arrêté de zonage des médecins (à écrire ou exporter : commune;zonage)",
        "use": "part de la population en zone d'intervention prioritaire",
        "patterns": ("zonage*medecin*.csv", "zonage*medecin*.xlsx", "zonage_ars*.csv", "zonage_ars*.xlsx"),
        "header": ("commune", "zonage"),
    },
    {
        "key": "travel_times",
        "label": "Distancier : temps de trajet entre communes",
        "publisher": "à fournir (origine;destination;minutes), par ex. un distancier routier de l'ORS ou de l'ARS",
        "use": "temps de trajet de l'accessibilité aux médecins généralistes (sinon, distances à vol d'oiseau)",
        "patterns": ("distancier*.csv", "temps_trajet*.csv", "temps_de_trajet*.csv"),
        "header": ("origine", "destination", "minutes"),
    },
    {
        "key": "commune_coordinates",
        "label": "Coordonnées des communes (format tidy)",
        "publisher": "à fournir (commune;longitude;latitude, WGS 84)",
        "use": "distances entre communes",
        "patterns": ("coordonnees_communes*.csv",),
        "header": ("commune", "longitude", "latitude"),
    },
    {
        "key": "communes_france",
        "label": "Communes de France avec coordonnées (data.gouv.fr)",
        "publisher": "data.gouv.fr « Communes et villes de France en CSV… » (communes-france-AAAA.csv)",
        "use": "distances entre communes (point de la mairie)",
        "patterns": ("communes-france-*.csv",),
        "header": ("code_insee", "latitude_mairie", "longitude_mairie"),
    },
    {
        "key": "chef_lieu",
        "label": "Chefs-lieux des communes (IGN ADMIN EXPRESS)",
        "publisher": "IGN, ADMIN EXPRESS (CHFLIEU_COMMUNE.shp, avec COMMUNE.shp)",
        "use": "distances entre communes",
        "patterns": ("chflieu_commune.shp",),
        "header": (),
    },
]
