"""Primary care supply and access (« offre de soins de premier recours »): the raw files of the health
professionals, their age structure, the optional access files and the commune coordinates, turned into the
project's tidy tables (commune codes brought to the current COG, restricted to the région of the reports).

- ``health_professionals``: commune, year, profession, mode, practitioners (RPPS extraction, shares of a
  practitioner between his sites summed: :mod:`~diagnostics.sources.rpps`).
- ``france_professionals``: year, profession, mode, practitioners of France: the national reference file
  (``professionnels_sante_france_AAAA.csv``) when given, else the sum of the RPPS extraction, which is
  national as downloaded (refused when it covers fewer than :data:`NATIONAL_DEPARTEMENTS` départements: a
  filtered extract cannot give France's density).
- ``practitioner_ages``: the Ameli « démographie » rows of the région's départements and of France.
- ``commune_coordinates``: commune, longitude, latitude, source — from a tidy file, data.gouv.fr's
  communes-france, IGN's chef-lieu points, else a point inside each commune outline (first found wins).
- ``travel_times`` (not published), ``care_zoning`` (ARS zoning) and ``apl_drees`` (DREES APL by commune).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..formatting import fr_number
from .bassins_de_vie import merge_zonages
from .care_access_optional import coordinates_from_geometry, read_chef_lieu_points
from .commune_changes import to_current_communes
from .errors import RawDataError
from .rpps import read_rpps_activities
from .tables import calendar_years, check_allowed, check_unique, counts, read_delimited, warn

NATIONAL_DEPARTEMENTS = 90  # a national RPPS extraction has the 101 départements; a regional cut a handful
PROFESSION_LABELS = {
    "médecin généraliste": "general_practitioner",
    "médecin spécialiste": "specialist",
    "infirmier": "nurse",
    "masseur-kinésithérapeute": "physiotherapist",
    "chirurgien-dentiste": "dentist",
    "sage-femme": "midwife",
    "pharmacien": "pharmacist",
}
MODE_LABELS = {"libéral": "liberal", "salarié": "salaried"}
PROFESSIONAL_COLUMNS = ["commune", "year", "profession", "mode", "practitioners"]
ZONAGE_COLUMNS = ["bassin_de_vie", "bassin_de_vie_name", "zone_emploi", "zone_emploi_name"]


def _empty(columns: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=t) for c, t in columns.items()})


EMPTY = {
    "health_professionals": {
        "commune": "object",
        "year": "int64",
        "profession": "object",
        "mode": "object",
        "practitioners": "float64",
    },
    "france_professionals": {"year": "int64", "profession": "object", "mode": "object", "practitioners": "float64"},
    "practitioner_ages": {
        "departement_code": "object",
        "year": "int64",
        "profession": "object",
        "age_band": "object",
        "sex": "object",
        "practitioners": "int64",
    },
    "commune_coordinates": {"commune": "object", "longitude": "float64", "latitude": "float64", "source": "object"},
    "travel_times": {"origin": "object", "destination": "object", "minutes": "float64"},
    "care_zoning": {"commune": "object", "zone": "object", "zone_label": "object"},
    "apl_drees": {
        "commune": "object",
        "year": "int64",
        "apl": "float64",
        "unit": "object",
        "standardised_population": "float64",
        "population": "float64",
    },
}


# ---- readers called by the registry (catalog.py) ------------------------------------------------------------


def read_rpps(paths: list[Path], options: dict) -> pd.DataFrame:
    """The latest RPPS extraction, its sites located by their FINESS number when a FINESS extraction was read."""
    return read_rpps_activities(paths[0], finess_communes=options.get("_finess_communes"))


def read_chef_lieu(paths: list[Path], options: dict) -> pd.DataFrame:
    """IGN ADMIN EXPRESS chef-lieu points; ``COMMUNE.shp`` of the same folder turns ``ID_COM`` into codes."""
    chef_lieu = paths[0]
    sibling = next((p for p in chef_lieu.parent.iterdir() if p.name.lower() == "commune.shp"), None)
    return read_chef_lieu_points(chef_lieu, sibling)


def read_france_professionals(path: Path) -> pd.DataFrame:
    """year, profession, mode, practitioners from ``annee;profession;mode;effectif`` (France entière).

    ``profession`` in :data:`PROFESSION_LABELS` (« médecin généraliste », « infirmier »…), ``mode``
    « libéral » or « salarié »; ``effectif`` a number (shares of practitioners between sites may be decimal)."""
    path = Path(path)
    df = read_delimited(path, ["annee", "profession", "mode", "effectif"])
    df["profession"] = df["profession"].str.lower()
    df["mode"] = df["mode"].str.lower()
    check_allowed(df, "profession", list(PROFESSION_LABELS), path)
    check_allowed(df, "mode", list(MODE_LABELS), path)
    check_unique(df, ["annee", "profession", "mode"], path)
    out = pd.DataFrame(
        {
            "year": calendar_years(df, "annee", path),
            "profession": df["profession"].map(PROFESSION_LABELS),
            "mode": df["mode"].map(MODE_LABELS),
            "practitioners": counts(df, "effectif", path, integer=False),
        }
    )
    out.attrs["details"] = [
        f"France {y} : "
        + ", ".join(f"{p} {fr_number(v)}" for p, v in g.groupby("profession")["practitioners"].sum().items())
        for y, g in out.groupby("year")
    ]
    return out


def describe_rpps(table: pd.DataFrame) -> tuple[int, list[str], list[str]]:
    """--check: the reader's own summary (lines, practitioners by profession, what was not counted)."""
    return len(table), list(table.attrs.get("details", [])), list(table.attrs.get("warnings", []))


def savoir_faire_path(paths: list[Path], options: dict) -> Path:
    """Read with the activities file it completes (the RPPS reader finds it next to that file)."""
    return paths[0]


# ---- assembly ------------------------------------------------------------------------------------------------


def with_zonages(communes: pd.DataFrame, results: dict) -> pd.DataFrame:
    """The communes with their bassin de vie and zone d'emploi: those of the INSEE zoning files when given
    (they replace the table d'appartenance's columns), else the table's own (``BV2022``, ``ZE2020``)."""
    bv, ze = results.get("bassins_de_vie"), results.get("zones_emploi")
    if bv is None and ze is None:
        return communes
    given = merge_zonages(bv, ze) if bv is not None and ze is not None else (bv if bv is not None else ze)
    given = given.drop_duplicates("commune")
    out = communes.drop(columns=[c for c in given.columns if c != "commune" and c in communes])
    out = out.merge(given, on="commune", how="left")
    return out[list(communes.columns) + [c for c in ZONAGE_COLUMNS if c in out and c not in communes.columns]]


def care_supply_tables(results: dict, communes: pd.DataFrame, mapping: dict, geometry: pd.DataFrame) -> dict:
    """The tables of this family (empty ones, with their columns, when the raw folder lacks the files)."""
    in_scope = set(communes["commune"])
    departements = set(communes["departement_code"])
    out = {name: _empty(columns) for name, columns in EMPTY.items()}
    if "rpps" in results:
        national = _current(results["rpps"], mapping)
        _warn_unknown(national, communes, results["rpps"])
        out["health_professionals"] = national[national["commune"].isin(in_scope)].reset_index(drop=True)
        out["france_professionals"] = _france(national, results.get("france_professionals"))
    elif "france_professionals" in results:
        out["france_professionals"] = results["france_professionals"]
    if "ameli_demography" in results:
        ages = results["ameli_demography"]
        out["practitioner_ages"] = ages[ages["departement_code"].isin(departements | {"FRANCE"})].reset_index(drop=True)
    out["commune_coordinates"] = _coordinates(results, communes, mapping, geometry)
    if "travel_times" in results:
        out["travel_times"] = _travel_times(results["travel_times"], mapping, in_scope)
    if "ars_zoning" in results:
        zoning = to_current_communes(results["ars_zoning"], mapping).drop_duplicates("commune")
        out["care_zoning"] = zoning[zoning["commune"].isin(in_scope)].reset_index(drop=True)
    if "apl" in results:
        apl = to_current_communes(results["apl"], mapping)
        out["apl_drees"] = apl.drop_duplicates(["commune", "year"]).reset_index(drop=True)
    return out


def _current(professionals: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    keys = ["commune", "year", "profession", "mode"]
    current = to_current_communes(professionals[PROFESSIONAL_COLUMNS], mapping)
    return current.groupby(keys, as_index=False, sort=True)["practitioners"].sum()


def _warn_unknown(national: pd.DataFrame, communes: pd.DataFrame, raw: pd.DataFrame) -> None:
    """Practitioners in a commune of the région's départements that the table d'appartenance does not know."""
    dep = national["commune"].str[:2].where(~national["commune"].str.startswith("97"), national["commune"].str[:3])
    mine = dep.isin(set(communes["departement_code"])) | national["commune"].str[:3].isin(
        set(communes["departement_code"])
    )
    unknown = national[mine & ~national["commune"].isin(set(communes["commune"]))]
    if len(unknown):
        warn(
            Path("RPPS"),
            f"{fr_number(unknown['practitioners'].sum(), 1)} praticien(s) dans {unknown['commune'].nunique()} "
            f"commune(s) inconnue(s) de la table d'appartenance (par ex. {unknown['commune'].iloc[0]}), "
            "non comptés : table d'appartenance plus ancienne que l'extraction ?",
        )


def _france(national: pd.DataFrame, reference: pd.DataFrame | None) -> pd.DataFrame:
    """France's practitioners: the reference file, else the whole (national) RPPS extraction."""
    if reference is not None:
        return reference.reset_index(drop=True)
    code = national["commune"]
    departements = code.str[:2].where(~code.str.startswith("97"), code.str[:3]).nunique()
    if departements < NATIONAL_DEPARTEMENTS:
        raise RawDataError(
            Path("."),
            f"extraction RPPS limitée à {departements} département(s) : la densité de la France ne "
            "peut pas en être tirée ; utilisez l'extraction nationale telle que téléchargée, ou "
            "donnez les effectifs de la France (professionnels_sante_france_AAAA.csv : "
            "annee;profession;mode;effectif)",
        )
    return national.groupby(["year", "profession", "mode"], as_index=False)["practitioners"].sum()


COORDINATE_SOURCES = (
    ("commune_coordinates", "fichier de coordonnées des communes"),
    ("communes_france", "communes de France (data.gouv.fr), point de la mairie"),
    ("chef_lieu", "chefs-lieux des communes (IGN ADMIN EXPRESS)"),
)


def _coordinates(results: dict, communes: pd.DataFrame, mapping: dict, geometry: pd.DataFrame) -> pd.DataFrame:
    """One point per commune of the région: the first source that has it (a file's point, else a point inside
    the commune's outline)."""
    parts = []
    for key, label in COORDINATE_SOURCES:
        if key in results:
            parts.append(to_current_communes(results[key], mapping).assign(source=label))
    com = geometry[geometry["level"] == "COM"] if len(geometry) else geometry
    if len(com):
        import shapely

        outlines = com.assign(geometry=shapely.from_wkb(com["geometry"].to_numpy()))
        parts.append(coordinates_from_geometry(outlines).assign(source="contours des communes (point intérieur)"))
    if not parts:
        return _empty(EMPTY["commune_coordinates"])
    points = pd.concat(parts, ignore_index=True).drop_duplicates("commune")
    return points[points["commune"].isin(set(communes["commune"]))].sort_values("commune", ignore_index=True)


def _travel_times(times: pd.DataFrame, mapping: dict, in_scope: set[str]) -> pd.DataFrame:
    """The pairs of the région's communes (merged communes: the shortest time of their former ones)."""
    current = to_current_communes(to_current_communes(times, mapping, "origin"), mapping, "destination")
    current = current[current["origin"].isin(in_scope) & current["destination"].isin(in_scope)]
    return current.groupby(["origin", "destination"], as_index=False)["minutes"].min()
