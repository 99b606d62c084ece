"""Readers of the raw files, one module per official format, and the discovery of a raw folder."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .care_spending import read_commune_spending
from .css import read_css_beneficiaries
from .deaths import read_residence_deaths
from .errors import RawDataError
from .finess import finess_places_by_establishment, read_finess_establishments, read_finess_installed_places
from .france import read_france_places, read_france_reference, read_france_spending
from .geography import read_communes
from .population import read_commune_population
from .territory_definitions import read_territory_definitions

# What a raw folder must hold: name, glob pattern, whether several files are expected.
EXPECTED_FILES = {
    "communes": ("table-appartenance-geo-communes*.csv", False),
    "population": ("population_communes_sexe_age5_*.csv", True),
    "deaths": ("deces_domicile_communes_*.csv", False),
    "france_reference": ("france_population_deces.csv", False),
    "css": ("beneficiaires_css*.csv", False),
    "care_spending": ("depenses_remboursees_communes_*.csv", False),
    "france_spending": ("depenses_remboursees_france_*.csv", False),
    "finess_establishments": ("etalab-cs110050[27]-stock-*.csv", False),
    "finess_equipment": ("etalab-cs1100505-stock-*.csv", False),
    "france_places": ("places_medico_sociales_france_*.csv", False),
    "territory_definitions": ("territoires.csv", False),
}


def find_raw_files(raw_dir: Path) -> dict[str, Path | list[Path]]:
    """Locate every expected file under ``raw_dir``; the latest one when several match (by name)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise RawDataError(raw_dir, "dossier de données brutes introuvable")
    found: dict[str, Path | list[Path]] = {}
    for key, (pattern, several) in EXPECTED_FILES.items():
        matches = sorted(p for p in raw_dir.rglob(pattern) if not p.name.startswith("."))
        if not matches:
            raise RawDataError(raw_dir, f"aucun fichier « {pattern} » ({key}) dans ce dossier ni ses sous-dossiers")
        found[key] = matches if several else matches[-1]
    return found


def read_raw_tables(raw_dir: Path) -> dict[str, pd.DataFrame]:
    """Read and validate every raw file: the tidy tables of ``data/processed`` (before indicators)."""
    f = find_raw_files(raw_dir)
    communes = read_communes(f["communes"])
    establishments = read_finess_establishments(f["finess_establishments"])
    places = read_finess_installed_places(f["finess_equipment"])
    return {
        "communes": communes,
        "population": read_commune_population(f["population"]),
        "deaths": read_residence_deaths(f["deaths"]),
        "france_reference": read_france_reference(f["france_reference"]),
        "css": read_css_beneficiaries(f["css"]),
        "care_spending": read_commune_spending(f["care_spending"]),
        "france_spending": read_france_spending(f["france_spending"]),
        "finess_places": finess_places_by_establishment(establishments, places),
        "france_places": read_france_places(f["france_places"]),
        "territory_definitions": read_territory_definitions(f["territory_definitions"], communes),
        "_files": f,
    }
