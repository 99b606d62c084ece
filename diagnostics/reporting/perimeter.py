"""An ad hoc perimeter's report data, computed for it alone from the current processed tables.

The perimeter becomes one more reported area; the build's own functions (:mod:`diagnostics.indicators.compute`,
nothing duplicated) run on it and on the areas its figures depend on (comparators, bassins de vie, zones d'emploi),
not on the other reported territories. Its rows then join the built rows, so that the report has the same
comparators, intervals, significance and secret statistique as a built territory, plus the disclosure-by-difference
check against the published territories nested with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from diagnostics.config import PROCESSED_DIR
from diagnostics.formatting import fr_number
from diagnostics.indicators.compute import finished_indicators, indicator_frames
from diagnostics.indicators.icm_power import icm_power_table
from diagnostics.indicators.metadata import indicator_metadata
from diagnostics.indicators.mortality import STANDARDS
from diagnostics.methods.differencing import differencing_suppression, nested_territories
from diagnostics.methods.disclosure import build_threshold, publishable_indicators
from diagnostics.territories.areas import build_territories
from diagnostics.territories.perimeter import ADHOC_KIND, perimeter_communes, perimeter_slug
from diagnostics.territories.shapes import territory_outlines

from .html import render
from .territory import load_territory, read_table, require_tables


@dataclass
class Perimeter:
    code: str  # the slug of its name: its report's file name
    name: str
    communes: list[str]
    tables: dict = field(repr=False)
    notices: list[str] = field(default_factory=list)  # disclosure by difference, in French


# what a perimeter's figures need beyond the tables of a built territory's report (a folder built by an older version
# lacks icm_power: said before anything is computed)
PERIMETER_TABLES = ("communes", "territories", "indicators", "icm_power")


def all_tables(processed_dir: Path | str | None = None) -> dict[str, pd.DataFrame]:
    folder = Path(processed_dir or PROCESSED_DIR)
    require_tables(folder, PERIMETER_TABLES)
    return {p.stem: read_table(p) for p in sorted(folder.glob("*.parquet"))}


def build_region(territories: pd.DataFrame) -> str | None:
    """The région of the built territories (code without ``REG-``), None if they span several."""
    regions = territories.loc[territories["reported"], "region_code"].dropna().unique()
    return regions[0].removeprefix("REG-") if len(regions) == 1 else None


def _period_years(indicators: pd.DataFrame) -> int:
    label = indicators.loc[indicators["indicator"] == "mortality_icm", "period"].max()
    first, _, last = str(label).partition("-")
    return int(last) - int(first) + 1 if last else 1


def _comparison_subset(tables: dict, definition: pd.DataFrame) -> tuple[pd.DataFrame, dict, dict]:
    """(the new areas' territory rows, the tables restricted to them and the areas their figures depend on,
    the build's options) for :func:`~diagnostics.indicators.compute.indicator_frames`."""
    terr = tables["territories"]
    rows = build_territories(definition, tables["communes"], tables["population"])
    rows = rows[rows["territory_code"].isin(definition["territory_code"])]
    needed = set(terr.loc[~terr["reported"], "territory_code"]) | set(rows["departement_code"].dropna())
    needed |= set(rows["region_code"].dropna()) | set(terr["departement_code"].dropna())
    needed |= set(terr["region_code"].dropna())
    subset = dict(tables)
    subset["territories"] = pd.concat([terr[terr["territory_code"].isin(needed)], rows], ignore_index=True)
    subset.pop("life_table_inputs", None)  # per area: recomputed for these areas
    subset.pop("indicators", None)
    standard = tables["standard_population"]["standard"].iloc[0]
    options = {
        "standard": standard if standard in STANDARDS else "france",
        "threshold": build_threshold(tables),
        "period_years": _period_years(tables["indicators"]),
    }
    return rows, subset, options


def perimeter_indicators(
    tables: dict, definition: pd.DataFrame, frames: list[pd.DataFrame] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(territory rows, indicator rows) of new perimeters (``definition``: territory_code, territory_name, kind,
    commune), from the processed tables of a build; ``frames``: their families' rows when already computed
    (:func:`perimeter_frames`, in other processes)."""
    rows, subset, options = _comparison_subset(tables, definition)
    if frames is None:
        frames = indicator_frames(subset, **options)
    indicators = finished_indicators(frames, subset["territories"], options["threshold"])
    return rows, indicators[indicators["territory_code"].isin(definition["territory_code"])]


def perimeter_frames(members, name: str | None, processed_dir, families: tuple[str, ...]) -> list[pd.DataFrame]:
    """The rows of some families of indicators (``indicator_frames``) for the perimeter that
    :func:`perimeter_tables` would build from the same arguments: a share of its work, for another process."""
    tables = all_tables(processed_dir)
    _, subset, options = _comparison_subset(tables, _definition(members, name or DEFAULT_NAME, tables))
    return indicator_frames(subset, **options, families=families)


def _definition(members, name: str, tables: dict) -> pd.DataFrame:
    terr = tables["territories"]
    communes = perimeter_communes(members, tables["communes"], build_region(terr))
    code = perimeter_slug(name, set(terr["territory_code"]))
    return pd.DataFrame(
        {"territory_code": code, "territory_name": " ".join(str(name).split()), "kind": ADHOC_KIND, "commune": communes}
    )


_PREPARED: dict[tuple, Perimeter] = {}  # computed ahead, taken once by perimeter_tables


def _prepared_key(members, name: str, processed_dir) -> tuple:
    folder = Path(processed_dir or PROCESSED_DIR)
    files = tuple((p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(folder.glob("*.parquet")))
    return str(members), str(name), str(folder.resolve()), files


def offer_perimeter(perimeter: Perimeter, members, name: str, processed_dir=None) -> None:
    """A perimeter computed ahead (``run_all.py --communes`` computes its families in two child processes while this
    one loads the report's modules, then finishes it): the notebook's :func:`perimeter_tables` with the same
    arguments and unchanged tables then takes it, once."""
    _PREPARED.clear()
    _PREPARED[_prepared_key(members, name or DEFAULT_NAME, processed_dir)] = perimeter


DEFAULT_NAME = "Périmètre à la demande"  # a perimeter given without a name


def perimeter_tables(
    members, name: str | None, processed_dir=None, tables: dict | None = None, frames: list | None = None
) -> Perimeter:
    """The processed tables with one more reported territory, the perimeter (its indicator rows checked for
    disclosure by difference; ``name`` empty or None: « Périmètre à la demande »). Raises
    :class:`~diagnostics.territories.perimeter.PerimeterError` on a bad list. ``frames``: its families' rows
    computed ahead by :func:`perimeter_frames` from the same arguments."""
    name = name or DEFAULT_NAME
    if tables is None and _PREPARED:
        prepared = _PREPARED.pop(_prepared_key(members, name, processed_dir), None)
        _PREPARED.clear()
        if prepared is not None:
            return prepared
    tables = dict(tables or all_tables(processed_dir))
    terr = tables["territories"]
    definition = _definition(members, name, tables)
    code, communes = definition["territory_code"].iloc[0], list(definition["commune"])
    rows, indicators = perimeter_indicators(tables, definition, frames)
    indicators, notices = _mask_differences(indicators, set(communes), tables)
    tables["territories"] = pd.concat([terr, rows], ignore_index=True)
    tables["indicators"] = pd.concat([tables["indicators"], indicators], ignore_index=True)
    if "geometry" in tables and "territory_shapes" in tables:
        tables["territory_shapes"] = pd.concat(
            [tables["territory_shapes"], territory_outlines(tables["geometry"], rows)], ignore_index=True
        )
    tables["icm_power"] = pd.concat([tables["icm_power"], icm_power_table(indicators)], ignore_index=True)
    tables["published"] = publishable_indicators(tables["indicators"])
    return Perimeter(code, definition["territory_name"].iloc[0], communes, tables, notices)


def _mask_differences(indicators: pd.DataFrame, members: set[str], tables: dict) -> tuple[pd.DataFrame, list[str]]:
    terr = tables["territories"]
    published = {c: set(g["commune"]) for c, g in terr[terr["reported"]].groupby("territory_code")}
    nested = nested_territories(members, published)
    if not nested:
        return indicators, []
    threshold = build_threshold(tables)
    count_based = {k for k, v in indicator_metadata().items() if v["count_based"]}
    others = tables["indicators"][tables["indicators"]["territory_code"].isin(nested)]
    small = differencing_suppression(indicators, others, threshold, count_based)
    masked = int((small & ~indicators["small_count"].astype(bool)).sum())
    names = dict(zip(terr["territory_code"], terr["territory_name"]))
    close = [c for c, diff in nested.items() if len(diff) < threshold]
    notices = []
    if close or masked:
        listed = ", ".join(f"{names[c]} ({fr_number(len(nested[c]))} commune(s) d'écart)" for c in (close or nested))
        notices.append(
            f"Ce périmètre diffère d'un territoire publié de quelques communes seulement : {listed}. Les effectifs "
            "de la différence pourraient être retrouvés par soustraction ; "
            + (
                f"{fr_number(masked)} effectif(s) concerné(s) sont masqués (secret statistique par différence)."
                if masked
                else "aucun effectif de la différence n'est inférieur au seuil : rien à masquer."
            )
        )
    return indicators.assign(small_count=small), notices


def perimeter_territory(members, name: str, processed_dir=None, tables: dict | None = None):
    """(Territory, Perimeter): the report data of an ad hoc perimeter, for the report notebook."""
    perimeter = perimeter_tables(members, name, processed_dir, tables)
    return load_territory(perimeter.code, tables=perimeter.tables), perimeter


def perimeter_notices_html(perimeter: Perimeter | None) -> str:
    """The ad hoc perimeter's notes for the report header (empty for a built territory)."""
    if perimeter is None:
        return ""
    text = [
        f"Périmètre à la demande ({fr_number(len(perimeter.communes))} communes) : rapport produit hors du lot, "
        "non repris dans l'index ; ses indicateurs sont calculés avec les mêmes méthodes et comparateurs que "
        "ceux des territoires publiés."
    ]
    return render("note.html.j2", paragraphs=text + perimeter.notices, warning=bool(perimeter.notices))
