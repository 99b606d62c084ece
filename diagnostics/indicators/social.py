"""Contexte social (issue 19): census shares, Filosofi's median income and poverty rate, and the
territories' deprivation (FDep quintiles of their population, population-weighted mean FDep).

* Census shares (``unemployment_rate`` … ``share_80_plus_alone``): numerators and denominators of the
  communes summed over each area, Wilson interval. The census counts are weighted estimates (annual
  surveys pooled over five years, a quarter sample for the « exploitation complémentaire »); the interval
  treats them as counts of a simple random sample: an order of magnitude of the precision, not the
  census's sampling error (nil in the communes surveyed exhaustively, larger for the quarter sample). An
  area gets a value only when every one of its communes has the indicator; France's is the sum of the
  file's communes when the file covers France (INSEE's national files: every département).
* Filosofi (``median_income``, ``poverty_rate``; exhaustive tax data: no interval, « non testé »): the
  value INSEE publishes when the area is one of the file's levels (commune, EPCI, département, région,
  France — France métropolitaine when no France row); for a union of whole EPCI, their values combined;
  otherwise its communes' values. A poverty rate combined with the units' fiscal-household persons is the
  exact rate of the union (poor persons over persons, up to the rounding of the published rates); a median
  cannot be combined: the population-weighted mean of the units' medians is an approximation. Combined
  values are flagged (``level`` « estimation ») and their ``method`` says how they were obtained; from
  communes, they need values covering at least 80 % of the area's population (the communes without a value
  are secret: they are never filled in).
* Deprivation: ``share_population_fdep_q1`` … ``_q5`` (share of the area's population living in a commune
  of each FDep quintile; the rest lives in communes without FDep) and ``deprivation_fdep`` (mean FDep of its
  communes weighted by their population), from ``deprivation.parquet`` and the latest population year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from diagnostics.formatting import fr_number, fr_value
from diagnostics.methods import rates
from diagnostics.sources.census_bases import INDICATORS as CENSUS_INDICATORS

from ..config import FRANCE_CODE
from .common import rows, to_areas

LEVEL_ESTIMATE = "estimation"  # a Filosofi value combined from several units: not the territory's own figure
MIN_COVERAGE = 0.8  # share of an area's population whose communes give a value, for a value from communes
# a census file whose communes have this many two-character code prefixes (the départements of mainland France,
# 97 for overseas: a national file has 97) is a national file: France's value is the sum of its communes
FRANCE_PREFIXES = 90
NO_FDEP = "sans"  # the group of the communes without FDep (secret statistique, missing input)
QUINTILE_IDS = [f"share_population_fdep_q{k}" for k in range(1, 6)]
FILOSOFI_IDS = {"median_income": "€", "poverty_rate": "%"}
FILOSOFI_LEVELS = {"COM": "commune", "EPCI": "EPCI", "DEP": "département", "REG": "région", "FRANCE": "France"}


# --- census -------------------------------------------------------------------------------------------


def census_indicators(census: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """The six census shares for every area and census year (France when the file is national)."""
    frames = []
    for indicator in CENSUS_INDICATORS:
        num, den = f"{indicator}_numerator", f"{indicator}_denominator"
        if num not in census:
            continue
        part = census[["commune", "year", num, den]].dropna()
        part = part[part[den] > 0].rename(columns={num: "numerator", den: "denominator"})
        if part.empty:
            continue
        frames.append(_census_rows(part.assign(given=1.0), territories, indicator))
    return pd.concat(frames, ignore_index=True) if frames else rows(pd.DataFrame(), "unemployment_rate", "%")


def _census_rows(part: pd.DataFrame, territories: pd.DataFrame, indicator: str) -> pd.DataFrame:
    sums = to_areas(part, territories, ["year"], ["numerator", "denominator", "given"])
    size = territories.groupby("territory_code")["commune"].nunique()
    sums = sums[sums["given"] == sums["territory_code"].map(size)]  # every commune of the area counted
    if part["commune"].str[:2].nunique() >= FRANCE_PREFIXES:
        france = part.groupby("year", as_index=False)[["numerator", "denominator"]].sum()
        sums = pd.concat([sums, france.assign(territory_code=FRANCE_CODE)], ignore_index=True)
    sums = sums.reset_index(drop=True)
    share = rates.wilson_proportion(sums["numerator"], sums["denominator"], multiplier=100)
    out = pd.concat([sums[["territory_code", "numerator", "denominator"]], share], axis=1)
    return rows(out.assign(period=sums["year"].astype(str)), indicator, "%")


# --- Filosofi -----------------------------------------------------------------------------------------


WAYS = ("own", "EPCI", "COM")  # an area's Filosofi value: its own level, its whole EPCI, its communes


def filosofi_ways(territories: pd.DataFrame, communes: pd.DataFrame) -> pd.DataFrame:
    """``territory_code, way, level, code``: the Filosofi units each way of obtaining an area's value
    combines — ``own`` (the area is one commune, EPCI, département or région), ``EPCI`` (the area is a union
    of whole EPCI), ``COM`` (its communes)."""
    geo = communes.set_index("commune")
    members = territories[["territory_code", "commune"]].drop_duplicates()
    members = members.assign(
        EPCI=members["commune"].map(geo["epci_code"]),
        DEP=members["commune"].map(geo["departement_code"]),
        REG=members["commune"].map(geo["region_code"]),
    )
    n = members.groupby("territory_code")["commune"].transform("size")
    ways = [members.assign(way="COM", level="COM", code=members["commune"])]
    own = [members[n == 1].assign(way="own", level="COM", code=lambda d: d["commune"])]
    for level, column in (("EPCI", "epci_code"), ("DEP", "departement_code"), ("REG", "region_code")):
        whole = _whole_units(members, communes, level, column)
        units = members[members["territory_code"].isin(whole)].drop_duplicates(["territory_code", level])
        if level == "EPCI":
            ways.append(units.assign(way="EPCI", level="EPCI", code=units["EPCI"]))
        single = units.groupby("territory_code")[level].transform("size") == 1
        own.append(units[single].assign(way="own", level=level, code=units.loc[single, level]))
    own = pd.concat(own, ignore_index=True).drop_duplicates("territory_code")  # the smallest level first
    columns = ["territory_code", "way", "level", "code"]
    return pd.concat([own[columns], *(w[columns] for w in ways)], ignore_index=True).dropna(subset=["code"])


def _whole_units(members: pd.DataFrame, communes: pd.DataFrame, level: str, column: str) -> set[str]:
    """The areas made of whole units of ``level`` (every commune of each of their units)."""
    sizes = communes.groupby(column)["commune"].size()
    per = members.groupby(["territory_code", level], dropna=False).size().rename("n").reset_index()
    per["whole"] = per["n"] == per[level].map(sizes)
    whole = per.groupby("territory_code")["whole"].all()
    return set(whole.index[whole])


def filosofi_indicators(
    filosofi: pd.DataFrame, territories: pd.DataFrame, communes: pd.DataFrame, population: pd.DataFrame
) -> pd.DataFrame:
    """``median_income`` and ``poverty_rate`` of every area and France, for the latest Filosofi year."""
    given = filosofi.dropna(subset=list(FILOSOFI_IDS), how="all")
    if given.empty:
        return rows(pd.DataFrame(columns=["territory_code", "value"]), "median_income", "€")
    year = int(given["year"].max())
    table = filosofi[filosofi["year"] == year]
    ways = filosofi_ways(territories, communes)
    municipal = _municipal_population(population, year)
    frames = [
        rows(
            pd.concat([_chosen(ways, table, indicator, municipal, year), _france(table, indicator, year)]),
            indicator,
            unit,
            period=str(year),
        )
        for indicator, unit in FILOSOFI_IDS.items()
    ]
    return pd.concat(frames, ignore_index=True)


def _municipal_population(population: pd.DataFrame, year: int) -> pd.Series:
    """Population of each commune in the population year nearest to ``year`` (for coverage shares)."""
    years = sorted(population["year"].unique())
    nearest = min(years, key=lambda y: (abs(y - year), -y))
    return population[population["year"] == nearest].groupby("commune")["population"].sum()


def _chosen(ways: pd.DataFrame, table: pd.DataFrame, indicator: str, municipal: pd.Series, year: int) -> pd.DataFrame:
    """Per area: the first way that gives a value (own level; whole EPCI all given; communes covering at
    least :data:`MIN_COVERAGE` of the population), with its flag and method."""
    d = ways.merge(table[["level", "code", indicator, "population"]], on=["level", "code"], how="left")
    d["has"] = d[indicator].notna() & (d["population"].notna() | (d["way"] == "own"))
    d["weighted"] = np.where(d["has"], d[indicator] * d["population"].fillna(1.0), 0.0)
    d["persons"] = np.where(d["has"], d["population"].fillna(1.0), 0.0)
    d["pop"] = np.where(d["level"] == "COM", d["code"].map(municipal).fillna(0.0), 0.0)
    d["covered"] = np.where(d["has"], d["pop"], 0.0)
    g = d.groupby(["territory_code", "way"]).agg(
        weighted=("weighted", "sum"),
        persons=("persons", "sum"),
        units=("has", "size"),
        given=("has", "sum"),
        pop=("pop", "sum"),
        covered=("covered", "sum"),
    )
    g = g.reset_index()
    with np.errstate(divide="ignore", invalid="ignore"):
        g["value"] = g["weighted"] / g["persons"]
        g["coverage"] = np.where(g["pop"] > 0, g["covered"] / g["pop"], np.nan)
    usable = (g["given"] > 0) & (
        (g["way"] == "own")
        | ((g["way"] == "EPCI") & (g["given"] == g["units"]))
        | ((g["way"] == "COM") & (g["coverage"] >= MIN_COVERAGE))
    )
    g = g[usable].assign(rank=lambda x: x["way"].map({w: i for i, w in enumerate(WAYS)}))
    g = g.sort_values(["territory_code", "rank"]).drop_duplicates("territory_code")
    exact = (g["way"] == "own") | ((indicator == "poverty_rate") & (g["given"] == g["units"]))
    g["level"] = np.where(exact, "", LEVEL_ESTIMATE)
    own_level = ways[ways["way"] == "own"].set_index("territory_code")["level"]
    g["method"] = [_method(r, indicator, year, own_level.get(r.territory_code)) for r in g.itertuples()]
    return g[["territory_code", "value", "level", "method"]]


def _method(r, indicator: str, year: int, own_level: str | None) -> str:
    """How a Filosofi value was obtained, in French (the CSV's « methode » and the report's note)."""
    if r.way == "own":
        return f"Filosofi {year}, valeur publiée ({FILOSOFI_LEVELS[own_level]})"
    units = "EPCI" if r.way == "EPCI" else "communes"
    what = (
        f"taux de pauvreté de {fr_number(r.given)} {units} agrégé (personnes pauvres / personnes)"
        if indicator == "poverty_rate"
        else f"moyenne des médianes de {fr_number(r.given)} {units}, pondérée par leurs personnes (approximation)"
    )
    if r.way == "COM" and r.given < r.units:
        what += (
            f" ; {fr_number(r.units - r.given)} commune(s) au secret statistique, "
            f"{fr_value(100 * r.coverage, '%', 0)} de la population couverte"
        )
    return f"Filosofi {year}, {what}"


def _france(table: pd.DataFrame, indicator: str, year: int) -> pd.DataFrame:
    """France's row: Filosofi's France level, else France métropolitaine."""
    for level, label in (("FRANCE", "France"), ("METRO", "France métropolitaine")):
        row = table[(table["level"] == level) & table[indicator].notna()]
        if len(row):
            return pd.DataFrame(
                {
                    "territory_code": [FRANCE_CODE],
                    "value": [float(row[indicator].iloc[0])],
                    "level": [""],
                    "method": [f"Filosofi {year}, valeur publiée ({label})"],
                }
            )
    return pd.DataFrame(columns=["territory_code", "value", "level", "method"])


# --- deprivation --------------------------------------------------------------------------------------


def deprivation_indicators(
    deprivation: pd.DataFrame, population: pd.DataFrame, territories: pd.DataFrame, national: bool = False
) -> pd.DataFrame:
    """``share_population_fdep_q1`` … ``_q5`` and ``deprivation_fdep`` of every area, from the communes'
    population of the latest year; France too when the index is France's (from the index's own weights,
    the persons of the fiscal households of the communes that have an FDep)."""
    if deprivation["fdep"].isna().all():
        return rows(pd.DataFrame(columns=["territory_code", "value"]), "deprivation_fdep", "indice")
    year = int(population["year"].max())
    pop = population[population["year"] == year].groupby("commune", as_index=False)["population"].sum()
    d = pop.merge(deprivation[["commune", "fdep", "quintile"]], on="commune", how="left")
    by_group = to_areas(_weighted_groups(d), territories, ["group"], ["population", "weighted"])
    scored = deprivation.dropna(subset=["fdep", "population"])
    if national:  # the index is France's: France's own shares and mean
        by_group = pd.concat(
            [
                by_group,
                _weighted_groups(scored)
                .groupby("group", as_index=False)[["population", "weighted"]]
                .sum()
                .assign(territory_code=FRANCE_CODE),
            ],
            ignore_index=True,
        )
    total = by_group.groupby("territory_code")["population"].sum()
    period = str(int(deprivation["year"].iloc[0]))
    frames = []
    for k, indicator in enumerate(QUINTILE_IDS, start=1):
        n = by_group[by_group["group"] == str(k)].set_index("territory_code")["population"].reindex(total.index)
        part = pd.DataFrame(
            {"territory_code": total.index, "numerator": n.fillna(0.0).to_numpy(), "denominator": total.to_numpy()}
        )
        frames.append(
            rows(part.assign(value=100 * part["numerator"] / part["denominator"]), indicator, "%", period=period)
        )
    with_fdep = by_group[by_group["group"] != NO_FDEP].groupby("territory_code")[["population", "weighted"]].sum()
    with_fdep = with_fdep[with_fdep["population"] > 0].reset_index()
    mean = with_fdep.assign(value=with_fdep["weighted"] / with_fdep["population"], denominator=with_fdep["population"])
    frames.append(rows(mean[["territory_code", "value", "denominator"]], "deprivation_fdep", "indice", period=period))
    return pd.concat(frames, ignore_index=True)


def national_index(t: dict[str, pd.DataFrame]) -> bool:
    model = t.get("deprivation_model")
    return model is not None and len(model) > 0 and model["scope"].iloc[0] == "France"


def _weighted_groups(d: pd.DataFrame) -> pd.DataFrame:
    """Each commune's quintile (« sans » without FDep), population and population × FDep."""
    q = pd.to_numeric(d["quintile"], errors="coerce")
    return pd.DataFrame(
        {
            "commune": d["commune"].to_numpy(),
            "group": np.where(q.isna(), NO_FDEP, q.fillna(0).astype(int).astype(str)),
            "population": d["population"].to_numpy(float),
            "weighted": (d["fdep"].fillna(0.0) * d["population"]).to_numpy(float),
        }
    )


def social_indicators(t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Every indicator of the family's context part (the gradient is :mod:`.social_gradient`)."""
    frames = [
        census_indicators(t["census_bases"], t["territories"]),
        filosofi_indicators(t["filosofi"], t["territories"], t["communes"], t["population"]),
        deprivation_indicators(t["deprivation"], t["population"], t["territories"], national_index(t)),
    ]
    return pd.concat(frames, ignore_index=True)
