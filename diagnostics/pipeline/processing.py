"""Raw files → ``data/processed/*.parquet`` → ``indicators.parquet``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from diagnostics.config import DISCLOSURE_THRESHOLD, MORTALITY_PERIOD_YEARS
from diagnostics.indicators.compute import compute_indicators, health_life_table_inputs
from diagnostics.indicators.declared import declarations
from diagnostics.indicators.icm_power import icm_power_table
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.primary_care import commune_gp_accessibility
from diagnostics.methods.disclosure import THRESHOLD_COLUMN
from diagnostics.pipeline.io import write_parquet_set
from diagnostics.pipeline.state import BUILD_FILE, build_record, raw_fingerprints, read_json, write_build_record
from diagnostics.sources.assemble import assemble, read_all
from diagnostics.sources.catalog import BY_KEY, SOURCES
from diagnostics.sources.cause_deaths_table import cause_deaths_table
from diagnostics.sources.contracts import read_contracts, read_targets
from diagnostics.sources.declared_files import read_declared_counts
from diagnostics.territories.areas import build_territories
from diagnostics.territories.shapes import territory_outlines

PUBLISHED_TABLES = [
    "sources",
    "communes",
    "population",
    "deaths",
    "france_reference",
    "territories",
    "css",
    "care_spending",
    "france_spending",
    "departement_spending",
    "insured_population",
    "finess_places",
    "france_places",
    "geometry",
    "territory_shapes",
    "declared_counts",
    "contracts",
    "targets",
    # offre de soins de premier recours (issue 18)
    "health_professionals",
    "france_professionals",
    "practitioner_ages",
    "commune_coordinates",
    "care_zoning",
    "gp_accessibility",
    # health status (issue 17)
    "cause_deaths",
    "life_table_inputs",
    # social context and health inequalities (issue 19)
    "census_bases",
    "filosofi",
    "deprivation",
    "deprivation_model",
]


def build_processed(raw_dir: Path, processed_dir: Path, options: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read and validate the raw folder, compute every indicator, and write the Parquet tables.

    ``options`` (region, standard, threshold, years…) override those of the folder's ``sources.toml``.
    Everything is computed before anything is written, so a bad input leaves the previous
    ``data/processed`` untouched; the tables are then replaced together (all old or all new).
    """
    # the raw files as they are before reading: the record of the build says what was read
    raw = raw_fingerprints(raw_dir, read_json(Path(processed_dir) / BUILD_FILE).get("raw"))
    results, _, _, manifest = read_all(Path(raw_dir), options, indicators=indicator_metadata())
    tables = processed_tables(Path(raw_dir), results, manifest.options)
    names = published_names(tables)
    write_parquet_set({name: tables[name] for name in names}, processed_dir)
    terr = tables["territories"]
    reported = list(dict.fromkeys(terr.loc[terr["reported"], "territory_code"]))
    write_build_record(processed_dir, build_record(raw_dir, processed_dir, options or {}, names, reported, raw))
    return tables


def published_names(tables: dict) -> list[str]:
    """The tables a build writes: the project's, and those of the sources no step transforms (saved as read)."""
    core = PUBLISHED_TABLES + ["indicators", "standard_population", "icm_power"]
    return core + [name for name in kept_as_read_names() if name in tables and name not in core]


def kept_as_read_names() -> list[str]:
    """Tables named by a source of the registry that no step of the build produces (a source added by
    docs/ajouter-une-source.md): the source's table is saved as its reader gives it."""
    return [s.tables[0] for s in SOURCES if len(s.tables) == 1 and s.tables[0] not in PUBLISHED_TABLES]


def processed_tables(raw_dir: Path, results: dict, options: dict) -> dict[str, pd.DataFrame]:
    """Every table of ``data/processed`` from the files :func:`read_all` read, nothing written: the build,
    and ``--check`` (a folder that passes the check builds)."""
    tables = assemble(results, options)
    tables["declared_counts"] = read_declared_counts(raw_dir, declarations())
    tables["territories"] = build_territories(tables["territory_definitions"], tables["communes"], tables["population"])
    tables["territory_shapes"] = territory_outlines(tables["geometry"], tables["territories"])
    threshold = options.get("threshold", DISCLOSURE_THRESHOLD)
    tables["sources"] = tables["sources"].assign(**{THRESHOLD_COLUMN: threshold})  # every output of the build uses it
    tables["gp_accessibility"] = commune_gp_accessibility(tables)  # commune APL, mapped by the reports (issue 18)
    tables["cause_deaths"] = cause_deaths_table(results, tables["communes"])  # issue 17
    tables["life_table_inputs"] = health_life_table_inputs(
        tables, options.get("mortality_period", MORTALITY_PERIOD_YEARS)
    )
    indicators, standard_pop = compute_indicators(
        tables,
        standard=options.get("standard", "france"),
        threshold=threshold,
        period_years=options.get("mortality_period", MORTALITY_PERIOD_YEARS),
    )
    tables["indicators"] = indicators
    tables["standard_population"] = standard_pop
    tables["icm_power"] = icm_power_table(indicators)  # issue 20; read by the reports, which then need no scipy
    tables["contracts"], tables["targets"] = contracts_and_targets(results, tables["territories"], indicators)
    for key, result in results.items():
        table = BY_KEY[key].tables[0] if len(BY_KEY[key].tables) == 1 else None
        if table in kept_as_read_names() and isinstance(result, pd.DataFrame):
            tables[table] = result
    return tables


def contracts_and_targets(
    results: dict, territories: pd.DataFrame, indicators: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The contracts and targets files, checked against the territories and the computed indicators
    (empty tables when the raw folder has none)."""

    codes = set(territories.loc[territories["reported"], "territory_code"])
    contracts = (
        read_contracts(results["contracts"], codes)
        if "contracts" in results
        else pd.DataFrame(columns=["territory_code", "contract", "status", "start", "end"])
    )
    rows = indicators[(indicators["sex"] == "ensemble") & (indicators["category"] == "total")]
    targets = (
        read_targets(results["targets"], codes, rows, indicator_metadata())
        if "targets" in results
        else pd.DataFrame(
            {
                "territory_code": pd.Series(dtype=str),
                "indicator": pd.Series(dtype=str),
                "baseline_period": pd.Series(dtype=str),
                "target": pd.Series(dtype=float),
                "direction": pd.Series(dtype="int64"),
                "due_year": pd.Series(dtype="int64"),
            }
        )
    )
    return contracts, targets
