"""Raw files → ``data/processed/*.parquet`` → ``indicators.parquet``."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from .config import DISCLOSURE_THRESHOLD
from .indicators import compute_indicators
from .io import write_parquet
from .sources import read_raw_tables
from .territories import build_territories

PUBLISHED_TABLES = ["communes", "population", "deaths", "france_reference", "territories", "css", "care_spending",
                    "france_spending", "finess_places", "france_places"]


def build_processed(raw_dir: Path, processed_dir: Path, standard: str = "france",
                    threshold: int = DISCLOSURE_THRESHOLD) -> dict[str, pd.DataFrame]:
    """Read and validate the raw folder, compute every indicator, and write the Parquet tables.

    Everything is computed before anything is written, so a bad input leaves the previous
    ``data/processed`` untouched; each file is then replaced atomically.
    """
    tables = read_raw_tables(Path(raw_dir))
    tables["territories"] = build_territories(tables["territory_definitions"], tables["communes"], tables["population"])
    indicators, standard_pop = compute_indicators(tables, standard=standard, threshold=threshold)
    tables["indicators"] = indicators
    tables["standard_population"] = standard_pop
    processed_dir = Path(processed_dir)
    for name in PUBLISHED_TABLES + ["indicators", "standard_population"]:
        write_parquet(tables[name], processed_dir / f"{name}.parquet")
    return tables
