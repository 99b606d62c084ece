"""A territory's report data: its identity, comparators and publishable indicator rows, loaded once.

Every figure goes through :func:`diagnostics.methods.disclosure.publishable_indicators` first, so the
notebook, the HTML and the CSV cannot show a masked count or a rate computed on one.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from diagnostics.config import FRANCE_CODE, PROCESSED_DIR
from diagnostics.indicators.common import ENSEMBLE, TOTAL
from diagnostics.methods.disclosure import (
    build_threshold,
    publishable_indicators,
)

TABLES = [
    "indicators",
    "territories",
    "communes",
    "population",
    "deaths",
    "france_reference",
    "finess_places",
    "standard_population",
    "icm_power",  # statistical power of the ICM (issue 20)
    "sources",
    "territory_shapes",
    "contracts",
    "targets",
    "geometry",  # commune outlines and APL: accessibility map (issue 18)
    "gp_accessibility",
    # social context and health inequalities (issue 19)
    "deprivation",
    "deprivation_model",
    "filosofi",
]


def load_tables(processed_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    """The processed tables a report needs (read once per process while the files are unchanged: a
    worker building hundreds of reports reads them once; callers must not modify the frames)."""
    processed_dir = Path(processed_dir or PROCESSED_DIR)
    require_tables(processed_dir, TABLES)
    files = tuple((t, (processed_dir / f"{t}.parquet").stat()) for t in TABLES)
    return dict(_read_tables(str(processed_dir.resolve()), tuple((t, st.st_mtime_ns, st.st_size) for t, st in files)))


def require_tables(folder: Path, names) -> None:
    """FileNotFoundError naming the tables of ``names`` missing from the processed folder (never built, or built
    by a version that did not write them)."""
    missing = [t for t in names if not (Path(folder) / f"{t}.parquet").exists()]
    if missing:
        raise FileNotFoundError(
            f"{folder} : table(s) {', '.join(missing)} absente(s) ; lancez d'abord « python run_all.py »"
        )


def published_indicators(tables: dict) -> pd.DataFrame:
    """The publishable indicator rows (computed once when the tables come from :func:`load_tables`)."""
    return tables["published"] if "published" in tables else publishable_indicators(tables["indicators"])


def read_table(path: Path) -> pd.DataFrame:
    """A processed table as ``pd.read_parquet`` gives it (same values and dtypes, tested), its columns in one
    piece: the reader hands a column over in pieces of 131 072 rows, and taking a few rows of a column in pieces
    copies the whole column first (10 ms instead of 0,3 for one area's rows of 1 250 territories' indicators)."""
    import pyarrow.parquet as pq

    return pq.read_table(path).combine_chunks().to_pandas()


@lru_cache(maxsize=2)
def _read_tables(directory: str, identity: tuple) -> tuple:
    """Keyed by every file's modification time and size, so a rebuilt table is read again."""
    tables = {t: read_table(Path(directory) / f"{t}.parquet") for t, _, _ in identity}
    tables["published"] = publishable_indicators(tables["indicators"])
    return tuple(tables.items())


@dataclass
class Territory:
    """One territory's report data: identity, comparators and publishable indicator rows."""

    code: str
    name: str
    kind: str
    communes: list[str]
    departement_code: str
    departement_name: str
    region_code: str
    region_name: str
    indicators: pd.DataFrame = field(repr=False)
    all_indicators: pd.DataFrame = field(repr=False)
    tables: dict = field(repr=False)
    threshold: int  # of the secret statistique, as the build used it (load_territory reads it)

    @property
    def comparator_codes(self) -> list[str]:
        return [c for c in (self.departement_code, self.region_code, FRANCE_CODE) if c and c != self.code]

    def area_name(self, code: str) -> str:
        return area_names(self.tables)[code]

    def value_row(
        self,
        indicator: str,
        sex: str = ENSEMBLE,
        category: str = TOTAL,
        period: str | None = None,
        code: str | None = None,
    ) -> pd.Series | None:
        """The row of one indicator (the latest period unless ``period``), or None."""
        code = code or self.code

        def by_key() -> dict:  # one pass per area asked for, not a scan of every row at each call
            d = area_rows(self.all_indicators, code).sort_values("period", kind="stable")
            grouped = {}
            # records, not frame rows: a row of a frame of mixed types costs ≈ 0,7 ms to take, a Series of a dict 0,05
            for record in d.to_dict("records"):
                grouped.setdefault((record["indicator"], record["sex"], record["category"]), []).append(record)
            return grouped

        records = self.memo(("rows", code), by_key).get((indicator, sex, category))
        if records and period is not None:
            records = [r for r in records if r["period"] == period]
        return pd.Series(records[-1], name=None) if records else None

    def region_rows(self, indicator: str, sex: str = ENSEMBLE, category: str = TOTAL) -> pd.DataFrame:
        """The rows (every period) of one indicator for every reported territory of the région."""
        groups = _region_groups(self.all_indicators, self.tables["territories"], self.region_code)
        return groups.get((indicator, sex, category), self.all_indicators.iloc[:0])

    def memo(self, key, compute):
        """``compute()``, once per report: several sections ask for the same derived table (callers must not
        modify it)."""
        cache = self.__dict__.setdefault("_memo", {})
        if key not in cache:
            cache[key] = compute()
        return cache[key]


_DERIVED: dict[tuple[int, object], tuple] = {}
_NO_ROWS = np.array([], dtype=np.intp)


def derived(frame: pd.DataFrame, name, compute):
    """``compute()``, once per ``frame`` and ``name``: what every report of a worker derives from the same tables
    (read once per process), derived once — a scan of the indicators of 1 250 territories at each report made the
    batch quadratic. Keyed by the frame's identity, checked through a weak reference; what was derived from a frame
    no longer alive is dropped."""
    key = (id(frame), name)
    cached = _DERIVED.get(key)
    if cached is not None and cached[0]() is frame:
        return cached[1]
    value = compute()
    for gone in [k for k, (ref, _) in _DERIVED.items() if ref() is None]:
        del _DERIVED[gone]
    _DERIVED[key] = (weakref.ref(frame), value)
    return value


def area_rows(indicators: pd.DataFrame, code: str) -> pd.DataFrame:
    """The rows of one area, in the table's order."""
    positions = derived(indicators, "area_positions", lambda: indicators.groupby("territory_code", sort=False).indices)
    return indicators.take(positions.get(code, _NO_ROWS))


def _region_groups(indicators: pd.DataFrame, territories: pd.DataFrame, region_code: str) -> dict:
    """The reported territories' rows of a région by (indicator, sex, category), grouped once per process for the
    tables a worker reads once (a report asks for ≈ 20 indicators' peers)."""

    def grouped() -> dict:
        terr = territories.drop_duplicates("territory_code")
        codes = terr.loc[terr["reported"] & (terr["region_code"] == region_code), "territory_code"]
        d = indicators[indicators.territory_code.isin(codes)]
        return dict(tuple(d.groupby(["indicator", "sex", "category"], sort=False)))

    return derived(indicators, ("region", region_code), grouped)


def area_names(tables) -> dict[str, str]:
    t = tables["territories"].drop_duplicates("territory_code")
    names = dict(zip(t.territory_code, t.territory_name))
    names[FRANCE_CODE] = "France"
    return names


def load_territory(code: str, processed_dir: Path | str | dict | None = None, tables=None) -> Territory:
    """``processed_dir``: the folder of the processed tables, or the tables themselves (an ad hoc perimeter's,
    :func:`diagnostics.reporting.perimeter.perimeter_tables`)."""
    if isinstance(processed_dir, dict):
        tables = processed_dir
    tables = tables or load_tables(processed_dir)
    terr = tables["territories"]
    rows = terr[terr["territory_code"] == code]
    if rows.empty:
        known = ", ".join(sorted(terr.loc[terr["reported"], "territory_code"].unique()))
        raise KeyError(f"territoire « {code} » inconnu ; territoires disponibles : {known}")
    first = rows.iloc[0]
    names = area_names(tables)
    published = published_indicators(tables)
    return Territory(
        code=code,
        name=first.territory_name,
        kind=first.kind,
        communes=sorted(rows["commune"]),
        departement_code=first.departement_code,
        departement_name=names.get(first.departement_code, ""),
        region_code=first.region_code,
        region_name=names.get(first.region_code, ""),
        indicators=area_rows(published, code),
        all_indicators=published,
        tables=tables,
        threshold=build_threshold(tables),
    )


def latest_period(rows: pd.DataFrame, indicator: str) -> str:
    return sorted(rows.loc[rows.indicator == indicator, "period"].unique())[-1]
