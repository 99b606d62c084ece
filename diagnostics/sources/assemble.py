"""From the files of a raw folder, whatever their publication, to the project's tidy tables.

Each file is read and validated by the reader its source declares in the registry
(:mod:`~diagnostics.sources.catalog`) and described for ``--check`` (:class:`FileCheck`); then
:func:`assemble` chooses among the sources (a residence-based deaths table is preferred to INSEE's
place-of-death file; a tidy population table to the census calibrated on INSEE's estimates), brings
commune codes to the current COG and restricts everything to the région of the reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import shapely

from .care_supply import care_supply_tables, with_zonages
from .catalog import BY_KEY, accepted_formats, scan
from .coherence import coherence_checks
from .commune_changes import resolve_aliases, to_current_communes
from .contracts import read_contracts, read_target_lines
from .errors import RawDataError
from .finess import finess_places_by_establishment
from .manifest import Manifest, read_manifest
from .population_model import commune_population_by_year
from .social_context import social_tables  # social context (issue 19)
from .tables import collected_warnings, warn
from .territory_definitions import read_commune_territory_mapping, read_territory_definitions

DEATHS_BY_RESIDENCE = "domicile"
DEATHS_BY_PLACE = "lieu de décès"


@dataclass
class FileCheck:
    """What ``--check`` says of one file."""

    path: Path
    source: str
    rows: int = 0
    details: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str = ""


def read_all(
    raw_dir: Path, options: dict | None = None, check: bool = False, indicators: dict | None = None
) -> tuple[dict, list[FileCheck], list[Path], Manifest]:
    """Every recognised file read; with ``check`` the errors are collected instead of raised.

    The warnings of the readers (lines skipped, a file that may be truncated) go to the file's check."""
    manifest = read_manifest(raw_dir)
    options = {**manifest.options, **(options or {})}
    found, unknown = scan(raw_dir, manifest.files)
    results, checks, used_paths = {}, [], {}
    for key in sorted(found, key=lambda k: list(BY_KEY).index(k)):
        source, paths = BY_KEY[key], found[key]
        used = used_paths[key] = sorted(paths) if source.series else sorted(paths)[-1:]
        try:
            with collected_warnings() as notes:
                results[key] = source.read(used, options)
            if source.gives is not None:  # e.g. the oppositions, read before the deaths files they apply to
                options = {**options, **source.gives(results[key])}
            rows, details, warnings = (0, [], []) if source.after_communes else source.describe(results[key])
            checks.append(FileCheck(used[0] if len(used) == 1 else Path(raw_dir), key, rows, details, notes + warnings))
            if len(used) > 1:
                checks[-1].details.insert(0, f"{len(used)} fichiers : {', '.join(p.name for p in used)}")
            for ignored in sorted(set(paths) - set(used)):
                checks.append(
                    FileCheck(
                        ignored, key, warnings=[f"ignoré : une version plus récente est utilisée ({used[0].name})"]
                    )
                )
        except RawDataError as exc:
            if not check:
                raise
            checks.append(FileCheck(exc.path, key, error=str(exc)))
    for key, read in _deferred_readers(results, options, indicators):
        entry = next(c for c in checks if c.path == results[key])
        try:
            with collected_warnings() as notes:
                entry.rows, entry.details = read(results[key])
            entry.warnings += notes
        except RawDataError as exc:
            if not check:
                raise
            entry.error = str(exc)
            if key in ("territory_definitions", "territory_mapping"):
                del results[key]
    for key, check_files in coherence_checks(results, used_paths):
        try:
            with collected_warnings() as notes:
                check_files()
            if notes:
                next(c for c in checks if c.source == key).warnings.extend(notes)
        except RawDataError as exc:
            if not check:
                raise
            checks.append(FileCheck(exc.path, key, error=str(exc)))
    return (
        results,
        checks,
        unknown,
        Manifest({k: v for k, v in options.items() if not k.startswith("_")}, manifest.files),
    )


def _deferred_readers(results: dict, options: dict, indicators: dict | None):
    """(source key, reader of its path → (rows, details)) for the files read once the communes are known:
    the territories (replaced in ``results`` by their table), then the contracts and targets, checked
    against the territories when a definitions file gives them and against ``indicators`` (the metadata the
    pipeline passes: the raw stage does not import the indicators; their baselines wait for the indicators)."""

    def territories(key, reader):
        def read(path):
            defs = results[key] = reader(path, results["communes"][0], options.get("territory_types", ()))
            rows = defs["territory_code"].nunique()
            return rows, [f"{rows} territoire(s), {defs['commune'].nunique()} commune(s)"]

        return read

    def codes():
        defined = [
            results[k]
            for k in ("territory_definitions", "territory_mapping")
            if isinstance(results.get(k), pd.DataFrame)
        ]
        return set(pd.concat(defined)["territory_code"]) if defined else None

    def contracts(path):
        table = read_contracts(path, codes())
        return len(table), [f"{len(table)} contrat(s), {table['territory_code'].nunique()} territoire(s)"]

    def targets(path):
        table = read_target_lines(path, codes(), indicators)
        return len(table), [f"{len(table)} objectif(s), {table['territory_code'].nunique()} territoire(s)"]

    if "communes" in results:
        for key, reader in (
            ("territory_definitions", read_territory_definitions),
            ("territory_mapping", read_commune_territory_mapping),
        ):
            if key in results:
                yield key, territories(key, reader)
    for key, read in (("contracts", contracts), ("targets", targets)):
        if key in results and (key != "targets" or indicators is not None):  # targets name indicators
            yield key, read


def _scope(communes: pd.DataFrame, definitions_communes: set[str], region: str | None) -> pd.DataFrame:
    """The communes of the région(s) of the reports."""
    if region:
        regions = {region}
    elif definitions_communes:
        regions = set(communes.loc[communes["commune"].isin(definitions_communes), "region_code"])
    else:
        regions = set(communes["region_code"])
    if len(regions) > 1 and not definitions_communes:
        raise RawDataError(
            Path("sources.toml"),
            "la table des communes couvre plusieurs régions : précisez celle des rapports "
            '(region = "32" dans [options] de sources.toml, ou --region 32)',
        )
    unknown = regions - set(communes["region_code"])
    if unknown:
        raise RawDataError(
            Path("sources.toml"), f"région « {', '.join(sorted(unknown))} » absente de la table des communes"
        )
    return communes[communes["region_code"].isin(regions)].reset_index(drop=True)


def default_territories(communes: pd.DataFrame) -> pd.DataFrame:
    """Without a definitions file: the départements and the EPCI of the région."""
    deps = communes.assign(
        territory_code="DEP-" + communes["departement_code"],
        territory_name=communes["departement_name"],
        kind="département",
    )
    epci = communes.dropna(subset=["epci_code"])
    epci = epci.assign(territory_code=epci["epci_code"], territory_name=epci["epci_name"], kind="EPCI")
    return pd.concat([deps, epci])[["territory_code", "territory_name", "kind", "commune"]].reset_index(drop=True)


def _current(df: pd.DataFrame, mapping: dict[str, str], keys: list[str], values: list[str]) -> pd.DataFrame:
    if not mapping or df.empty:
        return df
    return to_current_communes(df, mapping).groupby(keys, as_index=False)[values].sum()


def _required(results: dict, key: str, why: str) -> None:
    if key not in results:
        raise RawDataError(
            Path("."),
            f"fichier manquant : {BY_KEY[key].label} ({', '.join(BY_KEY[key].patterns)}), nécessaire pour {why}",
        )


def assemble(results: dict, options: dict) -> dict[str, pd.DataFrame]:
    """The tidy tables of ``data/processed`` (before indicators) from the sources read."""
    _required(results, "communes", "rattacher les communes")
    all_communes, arm = results["communes"]
    if "epci_names" in results:
        names = results["epci_names"]
        all_communes = all_communes.assign(
            epci_name=all_communes["epci_code"].map(names).fillna(all_communes["epci_name"])
        )
    aliases = pd.concat(
        [arm] + [results[k] for k in ("commune_changes", "commune_mapping") if k in results], ignore_index=True
    )
    mapping = resolve_aliases(aliases, set(all_communes["commune"]))

    given = [results[k] for k in ("territory_definitions", "territory_mapping") if k in results]
    definitions_file = bool(given)
    listed = set()
    if definitions_file:
        definitions = pd.concat(given, ignore_index=True)
        clash = definitions.drop_duplicates(["territory_code", "territory_name"])["territory_code"].duplicated()
        if clash.any():
            raise RawDataError(
                Path("territoires"),
                "un même code de territoire est défini dans territoires.csv et dans la "
                "correspondance commune → territoire",
            )
        listed = set(definitions["commune"])
    communes = _scope(all_communes, listed, options.get("region"))
    communes = with_zonages(communes, results)  # bassins de vie, zones d'emploi (issue 18)
    if not definitions_file:
        definitions = default_territories(communes)
    in_scope = set(communes["commune"])
    outside = definitions[~definitions["commune"].isin(in_scope)]
    if len(outside):
        warn(
            Path("territoires"),
            f"{outside['commune'].nunique()} commune(s) hors de la région des rapports retirée(s) de "
            f"{outside['territory_code'].nunique()} territoire(s) (ex. {outside['territory_code'].iloc[0]} : "
            f"{outside['commune'].iloc[0]})",
        )

    population, population_source = _population(results, communes, mapping)
    deaths, basis = _deaths(results, mapping)
    france = _france_reference(results, deaths if basis == DEATHS_BY_PLACE else None)
    places = (
        finess_places_by_establishment(results["finess_establishments"], results["finess_equipment"])
        if "finess_establishments" in results and "finess_equipment" in results
        else None
    )
    for key, why in (
        ("css", "le taux de bénéficiaires de la CSS"),
        ("finess_establishments", "l'équipement médico-social"),
        ("finess_equipment", "l'équipement médico-social"),
    ):
        _required(results, key, why)
    france_places = results.get("france_places")
    if france_places is None:
        france_places = _france_places_from_finess(places, options)
    care, by_departement, insured, france_spending = _care_spending(results, mapping)
    geometry = _geometry(results.get("geometry"), communes, mapping)
    social = social_tables(results, all_communes, communes, mapping)  # census bases, Filosofi, FDep (issue 19)
    return {
        "communes": communes,
        "population": population[population["commune"].isin(in_scope)].reset_index(drop=True),
        "deaths": deaths[deaths["commune"].isin(in_scope)].reset_index(drop=True),
        "france_reference": france,
        "css": results["css"],
        "care_spending": care[care["commune"].isin(in_scope)].reset_index(drop=True),
        "france_spending": france_spending,
        "departement_spending": by_departement,
        "insured_population": insured,
        "finess_places": to_current_communes(places, mapping),
        "france_places": france_places,
        "territory_definitions": definitions[definitions["commune"].isin(in_scope)].reset_index(drop=True),
        "geometry": geometry,
        "sources": pd.DataFrame(
            [
                {
                    "deaths_basis": basis,
                    "population_source": population_source,
                    "spending_level": "commune" if by_departement.empty else "département",
                }
            ]
        ),
        **care_supply_tables(results, communes, mapping, geometry),  # offre de soins de premier recours (issue 18)
        **social,
    }


SPENDING_COLUMNS = {
    "care_spending": ["year", "commune", "spending_band", "item", "amount"],
    "france_spending": ["year", "spending_band", "item", "amount", "population"],
    "departement_spending": ["year", "departement_code", "item", "amount"],
    "insured_population": ["year", "departement_code", "sex", "age_band", "insured"],
}
FRANCE_DEPARTEMENTS = 96  # R files are published for all of France; fewer départements cannot give France's value


def _care_spending(results: dict, mapping: dict) -> tuple[pd.DataFrame, ...]:
    """Commune amounts (preferred), or the Cnam R files by département with the RNIAM denominator."""
    empty = {
        k: pd.DataFrame({c: pd.Series(dtype="int64" if c == "year" else "object") for c in v})
        for k, v in SPENDING_COLUMNS.items()
    }
    if "care_spending" in results:
        _required(results, "france_spending", "la référence nationale des dépenses")
        care = _current(results["care_spending"], mapping, ["year", "commune", "spending_band", "item"], ["amount"])
        return care, empty["departement_spending"], empty["insured_population"], results["france_spending"]
    if "cnam_reimbursements" in results:
        _required(results, "insured_population", "les dépenses par personne protégée (fichiers R de la Cnam)")
        by_dep = results["cnam_reimbursements"]
        if by_dep.empty:
            raise RawDataError(Path("."), "fichiers R de la Cnam : aucune année de soins complète (12 mois)")
        covered = by_dep.loc[by_dep["year"] == by_dep["year"].max(), "departement_code"].nunique()
        if covered < FRANCE_DEPARTEMENTS:
            raise RawDataError(
                Path("."),
                f"fichiers R de la Cnam : {covered} département(s) seulement ; ils doivent couvrir "
                "toute la France (fichiers nationaux, non filtrés) pour la valeur de référence",
            )
        return (
            empty["care_spending"],
            by_dep,
            results["insured_population"],
            results.get("france_spending", empty["france_spending"]),
        )
    raise RawDataError(
        Path("."),
        "dépenses de soins manquantes : fournissez depenses_remboursees_communes_….csv "
        "(avec depenses_remboursees_france_….csv), ou les fichiers R de la Cnam (RAAAAMM.csv) "
        "avec la population protégée RNIAM",
    )


def _geometry(geo: pd.DataFrame | None, communes: pd.DataFrame, mapping: dict) -> pd.DataFrame:
    """Outlines of the région's communes (merged communes united under their current code) and
    départements: code, level, geometry as WKB (longitude / latitude)."""
    if geo is None:
        return pd.DataFrame(
            {"code": pd.Series(dtype=object), "level": pd.Series(dtype=object), "geometry": pd.Series(dtype=object)}
        )
    for _, frame in geo.groupby("level"):
        if frame["code"].duplicated().any():
            code = frame.loc[frame["code"].duplicated(), "code"].iloc[0]
            raise RawDataError(Path("."), f"contours : le code « {code} » figure dans deux fichiers de géométrie")
    com = geo[geo["level"] == "COM"].assign(code=lambda d: d["code"].map(lambda c: mapping.get(c, c)))
    com = com[com["code"].isin(set(communes["commune"]))]
    com = (
        com.groupby("code")["geometry"]
        .apply(lambda g: shapely.union_all(g.to_numpy()))
        .reset_index()
        .assign(level="COM")
    )
    dep = geo[(geo["level"] == "DEP") & geo["code"].isin(set(communes["departement_code"]))]
    out = pd.concat([com, dep[["code", "geometry", "level"]]], ignore_index=True)
    return out.assign(geometry=shapely.to_wkb(out["geometry"].to_numpy()))[["code", "level", "geometry"]]


def _population(results: dict, communes: pd.DataFrame, mapping: dict) -> tuple[pd.DataFrame, str]:
    if "population" in results:
        return _current(
            results["population"], mapping, ["commune", "year", "sex", "age_band"], ["population"]
        ), "communes"
    if "census_population" in results and "estimated_population" in results:
        census = _current(
            results["census_population"], mapping, ["commune", "census_year", "sex", "age_band"], ["population"]
        )
        return commune_population_by_year(
            census, results["estimated_population"], communes
        ), "recensement + estimations"
    raise RawDataError(
        Path("."),
        "population communale manquante : fournissez le tableau POP1B du recensement "
        "(BTT_TD_POP1B_AAAA.csv) et les estimations départementales (estim-pop-dep-sexe-aq-…xlsx), "
        "ou des fichiers population_communes_sexe_age5_AAAA.csv",
    )


def _deaths(results: dict, mapping: dict) -> tuple[pd.DataFrame, str]:
    keys, values = ["commune", "year", "sex", "age_band"], ["deaths"]
    if "deaths" in results:
        return _current(results["deaths"], mapping, keys, values), DEATHS_BY_RESIDENCE
    if "insee_deaths" in results:
        return _current(results["insee_deaths"][0], mapping, keys, values), DEATHS_BY_PLACE
    raise RawDataError(
        Path("."),
        "décès manquants : fournissez un fichier de décès domiciliés (deces_domicile_….csv) "
        "ou les fichiers des personnes décédées de l'Insee (deces-AAAA.txt)",
    )


def _france_reference(results: dict, national_deaths: pd.DataFrame | None) -> pd.DataFrame:
    if "france_reference" in results:
        return results["france_reference"]
    est = results.get("estimated_population")
    if est is not None and national_deaths is not None:
        pop = est[est["level"] == "FRANCE"][["year", "sex", "age_band", "population"]]
        dth = national_deaths.groupby(["year", "sex", "age_band"], as_index=False)["deaths"].sum()
        out = pop.merge(dth, on=["year", "sex", "age_band"], how="inner")
        missing = sorted(set(national_deaths["year"]) - set(out["year"]))
        if missing and not out.empty:
            raise RawDataError(
                Path("."),
                f"référence nationale : année(s) {', '.join(map(str, missing))} des décès absente(s) des "
                "estimations de population de l'Insee (feuilles d'année du classeur)",
            )
        if not out.empty:
            return out
    raise RawDataError(
        Path("."),
        "référence nationale manquante : fournissez france_population_deces.csv, ou les "
        "estimations de population de l'Insee avec les fichiers des personnes décédées de toute la France",
    )


def _france_places_from_finess(places: pd.DataFrame | None, options: dict) -> pd.DataFrame:
    """Places of France by category, from the national FINESS extraction (the file covers France)."""
    if places is None:
        raise RawDataError(
            Path("."), "FINESS manquant : extractions des établissements (cs1100507) et des équipements (cs1100505)"
        )
    year = options["years"][1] if "years" in options else 0
    totals = places.groupby("category", as_index=False)["places"].sum()
    return totals.assign(year=year)[["year", "category", "places"]]


def unknown_files_message(unknown: list[Path]) -> str:
    return (
        "fichier(s) non reconnu(s) : "
        + ", ".join(p.name for p in unknown)
        + "\nFichiers acceptés :\n"
        + accepted_formats()
    )
