"""Indicators added by epidemiologists without touching the machinery (« indicateurs déclarés »).

Each is a pair of files in ``diagnostics/indicators/declared/``: ``<nom>.yaml`` declares it once
(metadata shown by the report, raw file and columns, statistic) and ``<nom>.py`` holds the function
that turns the raw counts into a numerator and a denominator by commune. The package does the rest:
sums over the communes of every territory, département, région; rate or proportion with its
confidence interval; comparison with France; secret statistique; the tables, the synthesis chart,
the CSV and the methods annex. Walk-through: ``docs/ajouter-un-indicateur.md``.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
import yaml

from diagnostics.methods import rates

from ..config import FRANCE_CODE
from .common import rows
from .families import FAMILY_LABELS

# libyaml's parser (in PyYAML's wheels) reads metadata.yaml ten times faster than the pure-Python one
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
DECLARED_DIR = Path(__file__).with_name("declared")
METADATA_FIELDS = [
    "label",
    "family",
    "definition",
    "numerator",
    "denominator",
    "unit",
    "source",
    "method",
    "higher_is",
    "tested",
    "count_based",
    "decimals",
]
FIELDS = ["id", *METADATA_FIELDS, "raw_file", "columns", "statistic", "per"]
OPTIONAL = ["headline"]
COLUMNS = ("commune", "year", "count")
STATISTICS = {"rate": ("taux", rates.crude_rate), "proportion": ("proportion", rates.wilson_proportion)}
FUNCTION = "numerator_denominator"


class DeclarationError(ValueError):
    """A declaration that cannot be used; the message names the file and the line to fix."""

    def __init__(self, path: Path, problem: str, line: int | None = None):
        where = f"{path}, ligne {line}" if line else str(path)
        super().__init__(f"{where} : {problem}")


@dataclass(frozen=True)
class Declaration:
    id: str
    meta: dict
    raw_file: str
    columns: dict
    statistic: str
    per: float
    headline: bool
    compute: Callable[[pd.DataFrame, pd.DataFrame], pd.DataFrame]
    path: Path


def _lines(node) -> dict[str, int]:
    """Line (1-based) of each top-level key of a YAML mapping node."""
    return {k.value: k.start_mark.line + 1 for k, _ in node.value} if isinstance(node, yaml.MappingNode) else {}


def _function(py: Path, yaml_path: Path):
    if not py.exists():
        raise DeclarationError(yaml_path, f"fichier {py.name} absent : il doit définir {FUNCTION}(counts, population)")
    spec = importlib.util.spec_from_file_location(f"diagnostics_declared_{py.stem}", py)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        raise DeclarationError(py, f"erreur de syntaxe Python ({exc.msg})", exc.lineno) from None
    function = getattr(module, FUNCTION, None)
    if not callable(function):
        raise DeclarationError(py, f"fonction {FUNCTION}(counts, population) introuvable")
    return function


def read_declaration(path: Path, families: set[str]) -> Declaration:
    text = path.read_text(encoding="utf-8")
    try:
        node = yaml.compose(text, Loader=YAML_LOADER)
        data = yaml.load(text, Loader=YAML_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DeclarationError(
            path, f"syntaxe YAML invalide ({getattr(exc, 'problem', None) or exc})", mark.line + 1 if mark else None
        ) from None
    if not isinstance(data, dict):
        raise DeclarationError(path, "une déclaration est une suite de lignes « champ: valeur »", 1)
    lines = _lines(node)
    unknown = [k for k in data if k not in FIELDS + OPTIONAL]
    if unknown:
        raise DeclarationError(
            path,
            f"champ « {unknown[0]} » inconnu ; champs attendus : {', '.join(FIELDS + OPTIONAL)}",
            lines.get(unknown[0]),
        )
    missing = [k for k in FIELDS if k not in data]
    if missing:
        raise DeclarationError(path, f"champ(s) manquant(s) : {', '.join(missing)}", 1)
    checks = [
        ("id", str(data["id"]) == path.stem, f"l'identifiant doit être le nom du fichier (« {path.stem} »)"),
        ("higher_is", data["higher_is"] in ("worse", "better", "neither"), "attendu worse, better ou neither"),
        ("family", data["family"] in families, f"famille inconnue ; familles : {', '.join(sorted(families))}"),
        ("statistic", data["statistic"] in STATISTICS, f"attendu {' ou '.join(STATISTICS)}"),
        (
            "per",
            isinstance(data["per"], (int, float)) and data["per"] > 0,
            "nombre positif attendu (100, 1000, 10000…)",
        ),
        ("decimals", isinstance(data["decimals"], int) and 0 <= data["decimals"] <= 3, "entier de 0 à 3 attendu"),
        (
            "columns",
            isinstance(data["columns"], dict) and set(data["columns"]) == set(COLUMNS),
            f"attendu les trois colonnes du fichier brut : {', '.join(COLUMNS)}",
        ),
    ]
    for key, ok, problem in checks:
        if not ok:
            raise DeclarationError(path, f"{key} : « {data[key]} » : {problem}", lines.get(key))
    return Declaration(
        id=path.stem,
        meta={k: data[k] for k in METADATA_FIELDS},
        raw_file=str(data["raw_file"]),
        columns=dict(data["columns"]),
        statistic=data["statistic"],
        per=float(data["per"]),
        headline=bool(data.get("headline", False)),
        compute=_function(path.with_suffix(".py"), path),
        path=path,
    )


@cache
def declarations(folder: Path = DECLARED_DIR) -> tuple[Declaration, ...]:
    return tuple(read_declaration(p, set(FAMILY_LABELS)) for p in sorted(Path(folder).glob("*.yaml")))


def declared_indicator(
    decl: Declaration, counts: pd.DataFrame, population: pd.DataFrame, france: pd.DataFrame, territories: pd.DataFrame
) -> pd.DataFrame:
    """The indicator rows of one declaration, for its latest year: every area whose communes are all
    in the raw file, and France when the file has a ``FRANCE`` line."""
    pop = pd.concat([population, france.assign(commune=FRANCE_CODE)], ignore_index=True)
    local = decl.compute(counts[["commune", "year", "count"]].copy(), pop)
    missing = {"commune", "year", "numerator", "denominator"} - set(local.columns)
    if missing:
        raise DeclarationError(
            decl.path.with_suffix(".py"),
            f"{FUNCTION} doit rendre les colonnes commune, year, numerator, "
            f"denominator (manquent : {', '.join(sorted(missing))})",
        )
    year = int(local["year"].max())
    local = local[local["year"] == year]
    members = territories[["territory_code", "commune"]].drop_duplicates().merge(local, on="commune", how="left")
    sums = (
        members.assign(counted=members["numerator"].notna())
        .groupby("territory_code")
        .agg(numerator=("numerator", "sum"), denominator=("denominator", "sum"), counted=("counted", "all"))
        .reset_index()
    )
    sums = sums[sums["counted"]]  # a territory with a commune missing from the file has no value
    france_row = local[local["commune"] == FRANCE_CODE].assign(territory_code=FRANCE_CODE)
    both = pd.concat([sums, france_row], ignore_index=True)[["territory_code", "numerator", "denominator"]]
    both = both[both["denominator"] > 0].reset_index(drop=True)
    _, statistic = STATISTICS[decl.statistic]
    value = statistic(both["numerator"], both["denominator"], multiplier=decl.per)
    out = pd.concat([both[["territory_code"]], value], axis=1).assign(
        numerator=both["numerator"], denominator=both["denominator"]
    )
    return rows(out, decl.id, decl.meta["unit"], period=str(year))
