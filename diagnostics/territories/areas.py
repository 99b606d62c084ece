"""Territories and their comparators.

A territory is a set of communes. Its comparators are the département and the région that hold
the majority of its population, and France. Comparators are areas of their own
(``DEP-<code>``, ``REG-<code>``), so that one vectorised pass computes every indicator for
territories and comparators alike.
"""

from __future__ import annotations

import pandas as pd

from diagnostics.config import FRANCE_CODE

KIND_DEPARTEMENT = "département"
KIND_REGION = "région"
KIND_BASSIN_DE_VIE = "bassin de vie"  # INSEE BV2022 (issue 18)
KIND_ZONE_EMPLOI = "zone d'emploi"  # INSEE ZE2020
ZONAGE_AREAS = {  # kind → (communes' column, its name column, prefix of the area code)
    KIND_BASSIN_DE_VIE: ("bassin_de_vie", "bassin_de_vie_name", "BV-"),
    KIND_ZONE_EMPLOI: ("zone_emploi", "zone_emploi_name", "ZE-"),
}


def departement_area(code: str) -> str:
    return f"DEP-{code}"


def region_area(code: str) -> str:
    return f"REG-{code}"


def _majority(members: pd.DataFrame, weights: pd.Series, column: str) -> pd.Series:
    w = members.assign(w=members["commune"].map(weights).fillna(0))
    by = w.groupby(["territory_code", column])["w"].sum().reset_index()
    by = by.sort_values(["territory_code", "w", column], ascending=[True, False, True])
    return by.drop_duplicates("territory_code").set_index("territory_code")[column]


def build_territories(definitions: pd.DataFrame, communes: pd.DataFrame, population: pd.DataFrame) -> pd.DataFrame:
    """``territories.parquet``: every reported territory and every comparator, one row per commune.

    Columns: territory_code, territory_name, kind, commune, departement_code, region_code, reported.
    """
    latest = population[population["year"] == population["year"].max()]
    weights = latest.groupby("commune")["population"].sum()
    geo = communes.set_index("commune")

    deps = communes.assign(
        territory_code=communes["departement_code"].map(departement_area),
        territory_name=communes["departement_name"],
        kind=KIND_DEPARTEMENT,
    )
    regs = communes.assign(
        territory_code=communes["region_code"].map(region_area),
        territory_name=communes["region_name"],
        kind=KIND_REGION,
    )
    comparators = pd.concat([deps, regs])[["territory_code", "territory_name", "kind", "commune"]]
    comparators = pd.concat([comparators, zonage_areas(communes)], ignore_index=True)  # issue 18
    comparators["reported"] = False

    reported = definitions.assign(reported=True)
    clash = set(reported["territory_code"]) & set(comparators["territory_code"])
    for code in clash:  # a département listed as a territory must be exactly the comparator
        a = set(reported.loc[reported.territory_code == code, "commune"])
        b = set(comparators.loc[comparators.territory_code == code, "commune"])
        if a != b:
            raise ValueError(f"le territoire « {code} » porte le code d'un comparateur mais pas les mêmes communes")
    comparators = comparators[~comparators["territory_code"].isin(clash)]
    areas = pd.concat([reported, comparators], ignore_index=True)

    members = areas.assign(
        dep=areas["commune"].map(geo["departement_code"]), reg=areas["commune"].map(geo["region_code"])
    )
    areas["departement_code"] = areas["territory_code"].map(_majority(members, weights, "dep").map(departement_area))
    areas["region_code"] = areas["territory_code"].map(_majority(members, weights, "reg").map(region_area))
    # a région is compared with France only
    areas.loc[areas["kind"] == KIND_REGION, "departement_code"] = None
    return areas[["territory_code", "territory_name", "kind", "commune", "departement_code", "region_code", "reported"]]


def zonage_areas(communes: pd.DataFrame) -> pd.DataFrame:
    """The bassins de vie and zones d'emploi of the communes (``BV-<code>``, ``ZE-<code>``), when the communes
    have them: areas of their own like the comparators, not reported (the overview maps them, the indicators
    of every family are computed for them). A bassin de vie that straddles the région's border has its communes
    of the région only."""
    frames = []
    for kind, (column, name, prefix) in ZONAGE_AREAS.items():
        if column in communes:
            part = communes.dropna(subset=[column])
            frames.append(
                pd.DataFrame(
                    {
                        "territory_code": prefix + part[column],
                        "territory_name": part[name].fillna(part[column]),
                        "kind": kind,
                        "commune": part["commune"],
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["territory_code", "territory_name", "kind", "commune"])
    return pd.concat(frames, ignore_index=True)


def area_list(territories: pd.DataFrame) -> pd.DataFrame:
    """One row per area (territory or comparator), France included, without the communes."""
    areas = territories.drop(columns="commune").drop_duplicates("territory_code")
    france = pd.DataFrame(
        [
            {
                "territory_code": FRANCE_CODE,
                "territory_name": "France",
                "kind": "France",
                "departement_code": None,
                "region_code": None,
                "reported": False,
            }
        ]
    )
    return pd.concat([areas, france], ignore_index=True)
