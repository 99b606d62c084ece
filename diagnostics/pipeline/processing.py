"""Raw files → ``data/processed/*.parquet`` → ``indicators.parquet``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from diagnostics.config import DISCLOSURE_THRESHOLD, MORTALITY_PERIOD_YEARS
from diagnostics.indicators import compute_indicators
from diagnostics.indicators.declared import declarations
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.methods.disclosure import THRESHOLD_COLUMN
from diagnostics.pipeline.io import write_parquet_set
from diagnostics.sources.assemble import assemble, read_all
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
]


def build_processed(raw_dir: Path, processed_dir: Path, options: dict | None = None) -> dict[str, pd.DataFrame]:
    """Read and validate the raw folder, compute every indicator, and write the Parquet tables.

    ``options`` (region, standard, threshold, years…) override those of the folder's ``sources.toml``.
    Everything is computed before anything is written, so a bad input leaves the previous
    ``data/processed`` untouched; the tables are then replaced together (all old or all new).
    """
    results, _, _, manifest = read_all(Path(raw_dir), options, indicators=indicator_metadata())
    tables = processed_tables(Path(raw_dir), results, manifest.options)
    write_parquet_set(
        {name: tables[name] for name in PUBLISHED_TABLES + ["indicators", "standard_population"]}, processed_dir
    )
    return tables


def processed_tables(raw_dir: Path, results: dict, options: dict) -> dict[str, pd.DataFrame]:
    """Every table of ``data/processed`` from the files :func:`read_all` read, nothing written: the build,
    and ``--check`` (a folder that passes the check builds)."""
    tables = assemble(results, options)
    tables["declared_counts"] = read_declared_counts(raw_dir, declarations())
    tables["territories"] = build_territories(tables["territory_definitions"], tables["communes"], tables["population"])
    tables["territory_shapes"] = territory_outlines(tables["geometry"], tables["territories"])
    threshold = options.get("threshold", DISCLOSURE_THRESHOLD)
    tables["sources"] = tables["sources"].assign(**{THRESHOLD_COLUMN: threshold})  # every output of the build uses it
    indicators, standard_pop = compute_indicators(
        tables,
        standard=options.get("standard", "france"),
        threshold=threshold,
        period_years=options.get("mortality_period", MORTALITY_PERIOD_YEARS),
    )
    tables["indicators"] = indicators
    tables["standard_population"] = standard_pop
    tables["contracts"], tables["targets"] = contracts_and_targets(results, tables["territories"], indicators)
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
