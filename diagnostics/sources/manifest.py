"""The optional manifest of a raw folder (``sources.toml``): which file is which source, and the
options of the build. Example::

    [options]
    region = "32"                 # région of the reports (code INSEE)
    years = [2015, 2023]          # first and last year read
    mortality_period = 5          # years pooled for mortality
    standard = "france"           # or "esp2013"
    threshold = 11                # secret statistique
    invalid_death_records = "ignorer"   # or "erreur" (default)
    geometry_code = "INSEE_COM"   # code property of the map outlines (found among usual names otherwise)
    geometry_crs = "EPSG:2154"    # CRS of outlines that do not state theirs (WGS 84 otherwise)
    geometry_layer = "commune"    # layer of a GeoPackage (the first otherwise)
    territory_types = ["territoire opérationnel de proximité"]   # types of territoires.csv beyond the usual ones

    [[files]]
    path = "deces/mes_deces_domicilies.csv"
    source = "deaths"
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from .catalog import BY_KEY
from .errors import RawDataError

MANIFEST_NAME = "sources.toml"
OPTIONS = {
    "region": str,
    "years": list,
    "mortality_period": int,
    "standard": str,
    "threshold": int,
    "invalid_death_records": str,
    "geometry_code": str,
    "geometry_crs": str,
    "geometry_layer": str,
    "territory_types": list,
}


@dataclass
class Manifest:
    options: dict = field(default_factory=dict)
    files: dict[Path, str] = field(default_factory=dict)


def read_manifest(raw_dir: Path) -> Manifest:
    path = Path(raw_dir) / MANIFEST_NAME
    if not path.exists():
        return Manifest()
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise RawDataError(path, "encodage illisible : sources.toml s'écrit en UTF-8") from None
    except tomllib.TOMLDecodeError as exc:
        found = re.search(r"at line (\d+)", str(exc))  # Python 3.11's error has no lineno attribute
        line = getattr(exc, "lineno", None) or (int(found.group(1)) if found else None)
        raise RawDataError(path, f"syntaxe TOML invalide ({exc})", line=line) from None
    unknown = set(data) - {"options", "files"}
    if unknown:
        raise RawDataError(
            path, f"section(s) inconnue(s) : {', '.join(sorted(unknown))} (attendu [options] et [[files]])"
        )
    options = data.get("options", {})
    for key, value in options.items():
        if key not in OPTIONS:
            raise RawDataError(path, f"option inconnue « {key} » ; options acceptées : {', '.join(OPTIONS)}")
        if not isinstance(value, OPTIONS[key]):
            raise RawDataError(path, f"option « {key} » : valeur « {value} » de type inattendu")
    years = options.get("years")
    if years is not None and (len(years) != 2 or not all(isinstance(y, int) for y in years) or years[0] > years[1]):
        raise RawDataError(path, "option « years » : [première année, dernière année] attendu")
    types = options.get("territory_types", [])
    if not all(isinstance(t, str) and t.strip() for t in types):
        raise RawDataError(
            path, 'option « territory_types » : liste de noms de types attendue, ex. ["territoire de proximité"]'
        )
    if options.get("invalid_death_records", "erreur") not in ("erreur", "ignorer"):
        raise RawDataError(path, "option « invalid_death_records » : « erreur » ou « ignorer » attendu")
    files = {}
    for i, entry in enumerate(data.get("files", []), start=1):
        if "path" not in entry or "source" not in entry:
            raise RawDataError(path, f"[[files]] n° {i} : « path » et « source » sont obligatoires")
        if entry["source"] not in BY_KEY:
            raise RawDataError(
                path, f"[[files]] n° {i} : source « {entry['source']} » inconnue ; sources : {', '.join(BY_KEY)}"
            )
        target = (Path(raw_dir) / entry["path"]).resolve()
        if not target.exists():
            raise RawDataError(path, f"[[files]] n° {i} : fichier « {entry['path']} » introuvable")
        files[target] = entry["source"]
    return Manifest(options, files)
