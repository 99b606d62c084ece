"""The social context's processed tables, from the census bases and Filosofi as read: commune codes brought
to the current COG, and the FDep deprivation index of the communes (``deprivation.parquet``).

* ``census_bases``: ``commune, year`` and the numerators / denominators of the six census indicators
  (:mod:`~diagnostics.sources.census_bases`), every commune of the files (a national file gives France's
  totals); former codes summed into their current commune (a part missing leaves the sum missing).
* ``filosofi``: ``level, code, year`` and the Filosofi fields, every level of the files. Former commune
  codes merged into one current commune keep their summed households and persons and their
  population-weighted poverty rate (an exact aggregate: poor persons over persons); their median is
  left missing, a median of several communes being unknown.
* ``deprivation``: the FDep of every commune of its scope (France when the files and the table
  d'appartenance cover it, else the région of the reports), from the latest census vintage and the latest
  Filosofi vintage, weighted by the persons of the fiscal households (Filosofi ``NBPERSMENFISC``: the
  population the median describes, published wherever the median is); a commune whose median or census
  shares are missing (secret statistique, absence) has no FDep and no quintile.
* ``deprivation_model``: one row per FDep variable (weight, loading, weighted mean and standard deviation)
  with the scope, vintages, explained variance and the communes left out, for the methods annex.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..formatting import fr_number, fr_value
from ..methods.deprivation import FDEP_VARIABLES, VARIABLE_LABELS, fdep, fdep_inputs
from .census_bases import PAIR_COLUMNS
from .commune_changes import to_current_communes
from .filosofi import COLUMNS as FILOSOFI_COLUMNS
from .filosofi import filosofi_communes

DEPRIVATION_COLUMNS = ["commune", "year", *FDEP_VARIABLES, "population", "fdep", "quintile"]
MODEL_COLUMNS = [
    "variable",
    "label",
    "weight",
    "loading",
    "mean",
    "sd",
    "scope",
    "census_year",
    "filosofi_year",
    "explained_variance",
    "communes_used",
    "communes_excluded",
    "population_used",
    "population_excluded",
    "signs_as_expected",
    "details",
    "reason",
]
FRANCE_COVERAGE = 0.8  # share of the table d'appartenance's communes with an FDep for the index to be France's
SCOPE_FRANCE = "France"
ADDITIVE_FIELDS = ["households", "population", "consumption_units"]


def social_tables(
    results: dict, all_communes: pd.DataFrame, communes: pd.DataFrame, mapping: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """The four processed tables (empty when the raw folder has neither census bases nor Filosofi)."""
    census = current_census(results.get("census_bases"), mapping)
    income = current_filosofi(results.get("filosofi"), mapping)
    deprivation, model = deprivation_tables(census, income, all_communes, communes)
    return {"census_bases": census, "filosofi": income, "deprivation": deprivation, "deprivation_model": model}


def _strict_sum(df: pd.DataFrame, keys: list[str], values: list[str]) -> pd.DataFrame:
    """Sum of ``values`` by ``keys``; a group with one missing value has a missing sum (not a partial one)."""
    by = [df[k] for k in keys]
    return df[values].groupby(by).sum().mask(df[values].isna().groupby(by).any()).reset_index()


def current_census(census: pd.DataFrame | None, mapping: dict[str, str]) -> pd.DataFrame:
    if census is None:
        columns = {"commune": pd.Series(dtype=str), "year": pd.Series(dtype="int64")}
        return pd.DataFrame(columns | {c: pd.Series(dtype=float) for c in PAIR_COLUMNS})
    table = to_current_communes(census, mapping).reindex(columns=["commune", "year", *PAIR_COLUMNS])
    return _strict_sum(table, ["commune", "year"], PAIR_COLUMNS)[["commune", "year", *PAIR_COLUMNS]]


def current_filosofi(table: pd.DataFrame | None, mapping: dict[str, str]) -> pd.DataFrame:
    """Every level of the files; the commune rows (arrondissements municipaux where their commune is not
    given) under the current codes."""
    if table is None:
        empty = {
            c: pd.Series(dtype=str if c in ("level", "code") else "int64" if c == "year" else float)
            for c in FILOSOFI_COLUMNS
        }
        return pd.DataFrame(empty)
    com = filosofi_communes(table)
    com = to_current_communes(com, mapping) if mapping else com
    merged = com.duplicated(["commune", "year"], keep=False)
    alone = com[~merged]
    groups = com[merged]
    groups = groups.assign(poor=groups["poverty_rate"] * groups["population"])
    if len(groups):
        summed = _strict_sum(groups, ["commune", "year"], [*ADDITIVE_FIELDS, "poor"])
        summed["poverty_rate"] = summed.pop("poor") / summed["population"]
        summed["median_income"] = np.nan  # the median of a union of communes is unknown
        alone = pd.concat([alone, summed], ignore_index=True)
    com = alone.rename(columns={"commune": "code"}).assign(level="COM")
    others = table[~table["level"].isin(["COM", "ARM"])]
    out = pd.concat([com[FILOSOFI_COLUMNS], others[FILOSOFI_COLUMNS]], ignore_index=True)
    return out.sort_values(["level", "code", "year"], ignore_index=True)


def _latest_year(df: pd.DataFrame, columns: list[str]) -> int | None:
    years = df.loc[df[columns].notna().any(axis=1), "year"] if len(df) else pd.Series(dtype="int64")
    return int(years.max()) if len(years) else None


def deprivation_tables(
    census: pd.DataFrame, income: pd.DataFrame, all_communes: pd.DataFrame, communes: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``deprivation`` and ``deprivation_model`` (see the module docstring)."""
    census_year = _latest_year(census, [f"{v}_denominator" for v in FDEP_VARIABLES[1:]])
    com = income[income["level"] == "COM"]
    filosofi_year = _latest_year(com, ["median_income"])
    if census_year is None or filosofi_year is None:
        missing = " et ".join(
            name
            for name, year in (("bases communales du recensement", census_year), ("Filosofi communal", filosofi_year))
            if year is None
        )
        return _not_computed(communes, census_year, filosofi_year, f"données absentes ({missing})")
    com = com[com["year"] == filosofi_year].rename(columns={"code": "commune"})
    inputs = fdep_inputs(census[census["year"] == census_year], com, com[["commune", "population"]])
    known = inputs[inputs["commune"].isin(set(all_communes["commune"]))]
    complete = known[list(FDEP_VARIABLES) + ["population"]].notna().all(axis=1)
    national = all_communes["region_code"].nunique() > 1 and complete.sum() >= FRANCE_COVERAGE * len(all_communes)
    scope_communes = all_communes if national else communes
    scope = SCOPE_FRANCE if national else f"région {communes['region_name'].iloc[0]}"
    rows = pd.DataFrame({"commune": sorted(scope_communes["commune"])}).merge(inputs, on="commune", how="left")
    scores, info = fdep(rows, scope=scope)
    table = rows.assign(year=census_year, fdep=scores["fdep"].to_numpy(), quintile=scores["quintile"].array)
    return table[DEPRIVATION_COLUMNS], _model(info, census_year, filosofi_year)


def _model(info: dict, census_year, filosofi_year) -> pd.DataFrame:
    details = " ; ".join(info["details"])
    common = {
        "scope": info["scope"],
        "census_year": census_year,
        "filosofi_year": filosofi_year,
        "explained_variance": info.get("explained_variance", np.nan),
        "communes_used": info["communes_used"],
        "communes_excluded": info["communes_excluded"],
        "population_used": info["population_used"],
        "population_excluded": info["population_excluded"],
        "signs_as_expected": bool(info.get("signs_as_expected", False)),
        "details": details,
        "reason": info["reason"] or "",
    }
    if info["reason"]:
        return pd.DataFrame([{"variable": "", "label": "", **common}]).reindex(columns=MODEL_COLUMNS)
    return pd.DataFrame(
        [
            {
                "variable": v,
                "label": VARIABLE_LABELS[v],
                "weight": info["weights"][v],
                "loading": info["loadings"][v],
                "mean": info["means"][v],
                "sd": info["sds"][v],
                **common,
            }
            for v in info["variables"]
        ]
    )[MODEL_COLUMNS]


def _not_computed(communes: pd.DataFrame, census_year, filosofi_year, reason: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    table = pd.DataFrame({"commune": sorted(communes["commune"])}).assign(
        year=census_year or 0, **{v: np.nan for v in [*FDEP_VARIABLES, "population", "fdep"]}
    )
    table["quintile"] = pd.array([pd.NA] * len(table), dtype="Int64")
    info = {
        "scope": f"région {communes['region_name'].iloc[0]}" if len(communes) else "",
        "communes_used": 0,
        "communes_excluded": len(table),
        "population_used": 0.0,
        "population_excluded": 0.0,
        "details": [f"FDep non calculé : {reason}"],
        "reason": reason,
    }
    return table[DEPRIVATION_COLUMNS], _model(info, census_year, filosofi_year)


def describe_deprivation(model: pd.DataFrame) -> str:
    """What ``--check`` says of the FDep the build will compute ("" without social files)."""
    if model.empty:
        return ""
    m = model.iloc[0]
    if m["reason"]:
        return f"Indice de défavorisation FDep : non calculé ({m['reason']})."
    return (
        f"Indice de défavorisation FDep : {fr_number(m['communes_used'])} communes ({m['scope']}, recensement "
        f"{m['census_year']}, Filosofi {m['filosofi_year']}), {fr_number(m['communes_excluded'])} sans indice "
        "(donnée manquante ou secret statistique) ; variance expliquée "
        f"{fr_value(100 * m['explained_variance'], '%', 0)}."
    )
