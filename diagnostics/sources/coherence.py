"""Checks across raw files, once each file is valid on its own: every commune of a commune-level file
is known to the table d'appartenance (or is a former code it maps), and deaths or CSS beneficiaries
never outnumber the population they are counted in. Each error names the file and the line to fix.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .errors import RawDataError
from .tables import read_text, warn

# source key → the file's column holding the commune code (for the message)
COMMUNE_COLUMNS = {
    "population": "CODGEO",
    "census_population": "CODGEO",
    "deaths": "commune",
    "care_spending": "commune",
    "css": "territoire_code",
    "finess_establishments": "13-14",
    "insee_deaths": "163-167 (lieu de décès)",
}
ABROAD_PREFIX = "99"  # INSEE's code of foreign countries: never a commune of a commune-level table


def line_of(path: Path, code: str) -> int | None:
    """File line number (1 = header) of the first line holding ``code`` as a whole field."""
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        if code in (field.strip().strip('"') for field in line.replace(",", ";").split(";")):
            return number
    return None


def _communes_of(key: str, table: pd.DataFrame) -> pd.Series:
    if key == "css":
        return table.loc[table["level"] == "COM", "code"]
    if key == "insee_deaths":
        return table[0]["commune"]  # (table, summary)
    return table["commune"]


def check_known_communes(
    key: str, table: pd.DataFrame, paths: list[Path], known: set[str], departements: set[str]
) -> None:
    """Codes of a département of the table (or abroad codes 99…) that are neither a commune nor a former
    code: a typo, or a table d'appartenance older than the file. Codes of other départements belong to
    other régions of a national file and are left for the région filter."""
    codes = pd.Series(_communes_of(key, table).unique())
    ours = codes.str[:2].isin(departements) | codes.str[:3].isin(departements) | codes.str.startswith(ABROAD_PREFIX)
    unknown = sorted(set(codes[ours]) - known)
    if not unknown:
        return
    code = unknown[0]
    path = next((p for p in sorted(paths) if line_of(p, code)), sorted(paths)[0])
    more = (
        f" (et {len(unknown) - 1} autre(s) : {', '.join(unknown[1:6])}{'…' if len(unknown) > 6 else ''})"
        if len(unknown) > 1
        else ""
    )
    raise RawDataError(
        path,
        f"commune « {code} » inconnue de la table d'appartenance et des tables de passage{more} ; "
        "attendu un code commune du COG en vigueur ou un ancien code connu",
        line=line_of(path, code),
        column=COMMUNE_COLUMNS[key],
    )


def check_deaths_within_population(deaths: pd.DataFrame, population: pd.DataFrame, path: Path) -> None:
    """A commune's deaths of a year ≤ its population of that year.

    Checked on the commune's total, not by sex and age: in a small cell the deaths of a year may
    legitimately exceed the population of 1 January (people who reach 95 during the year, residents
    moving into an EHPAD). ``deaths`` is the reader's table, in the file's order (row i is line i + 2)."""
    keys = ["commune", "year"]
    # the line named is the commune-year's largest count: the likely typo
    totals = (
        deaths.reset_index(drop=True)
        .groupby(keys, as_index=False)
        .agg(deaths=("deaths", "sum"), index=("deaths", "idxmax"))
    )
    r = _first_above_population(totals, "deaths", population)
    if r is not None:
        raise RawDataError(
            path,
            f"{r['deaths']} décès en {r['year']} pour une population de {r['population']:.0f} (commune "
            f"{r['commune']}) : les décès d'une commune ne peuvent dépasser sa population",
            line=int(r["index"]) + 2,
            column="deces",
        )


def check_beneficiaries_within_population(css: pd.DataFrame, population: pd.DataFrame, path: Path) -> None:
    """CSS beneficiaries of a commune and year ≤ its population of the same year (``css`` in file order)."""
    com = css[css["level"] == "COM"].reset_index().rename(columns={"code": "commune"})
    r = _first_above_population(com, "beneficiaries", population)
    if r is not None:
        raise RawDataError(
            path,
            f"{r['beneficiaries']} bénéficiaires pour une population de {r['population']:.0f} (commune "
            f"{r['commune']}, {r['year']}) : les bénéficiaires ne peuvent dépasser la population",
            line=int(r["index"]) + 2,
            column="nb_beneficiaires_css",
        )


def _first_above_population(counts: pd.DataFrame, value: str, population: pd.DataFrame) -> pd.Series | None:
    """The first row (by ``index``, the file line − 2) of commune-year ``counts`` whose ``value``
    exceeds the commune's population of that year, with that population; None when there is none."""
    keys = ["commune", "year"]
    both = counts.merge(population.groupby(keys, as_index=False)["population"].sum(), on=keys, how="inner")
    bad = both[both[value] > both["population"]]
    return None if bad.empty else bad.sort_values("index").iloc[0]


def check_places_of_known_establishments(establishments: pd.DataFrame, places: pd.DataFrame, path: Path) -> None:
    """Installed places of an établissement absent from the établissements file cannot be placed in a
    commune: said (with their number) rather than dropped in silence."""
    lost = places[~places["finess_et"].isin(set(establishments["finess_et"]))]
    if len(lost):
        first = lost["finess_et"].iloc[0]
        warn(
            path,
            f"{lost['places'].sum()} place(s) installée(s) de {len(lost)} établissement(s) absent(s) de l'extraction "
            "des "
            f"établissements (ex. {first}) : non comptée(s) ; les deux extractions sont-elles de la même date ?",
            line=line_of(path, first),
        )


def check_reference_years(france: pd.DataFrame, deaths: pd.DataFrame, path: Path) -> None:
    """The national reference covers every year of deaths (the ICM of a year needs France's rates of that year)."""
    missing = sorted(set(deaths["year"]) - set(france["year"]))
    if missing:
        raise RawDataError(
            path,
            f"année(s) {', '.join(map(str, missing))} absente(s) alors que les fichiers de décès les "
            f"couvrent : la référence nationale doit avoir toutes les années des décès",
            column="annee",
        )


def coherence_checks(results: dict, found: dict[str, list[Path]]):
    """(source key, check) pairs to run once every file is read; each check raises RawDataError."""
    if "communes" not in results:
        return []
    communes, arm = results["communes"]
    aliases = [arm] + [results[k] for k in ("commune_changes", "commune_mapping") if k in results]
    known = set(communes["commune"]) | set(pd.concat(aliases)["alias"])
    departements = set(communes["departement_code"])
    checks = [
        (key, lambda key=key: check_known_communes(key, results[key], found[key], known, departements))
        for key in COMMUNE_COLUMNS
        if key in results
    ]
    if "population" in results and "deaths" in results:
        checks.append(
            (
                "deaths",
                lambda: check_deaths_within_population(results["deaths"], results["population"], found["deaths"][-1]),
            )
        )
    deaths = (
        results["deaths"] if "deaths" in results else results["insee_deaths"][0] if "insee_deaths" in results else None
    )
    if "france_reference" in results and deaths is not None:
        checks.append(
            (
                "france_reference",
                lambda: check_reference_years(results["france_reference"], deaths, found["france_reference"][-1]),
            )
        )
    if "finess_establishments" in results and "finess_equipment" in results:
        checks.append(
            (
                "finess_equipment",
                lambda: check_places_of_known_establishments(
                    results["finess_establishments"], results["finess_equipment"], found["finess_equipment"][-1]
                ),
            )
        )
    if "population" in results and "css" in results:
        checks.append(
            (
                "css",
                lambda: check_beneficiaries_within_population(results["css"], results["population"], found["css"][-1]),
            )
        )
    return checks
