"""Outlines of every area (territory or comparator) from the outlines of its communes, for the maps.

Computed once per build (``territory_shapes.parquet``) so that no report has to unite thousands of
commune polygons. With département outlines only, the départements and the région get theirs and
smaller territories none (their maps show their département instead).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import shapely

from diagnostics.territories.areas import KIND_DEPARTEMENT, KIND_REGION, departement_area

# Outlines are simplified to about 100 m: invisible on a map of a région, many times lighter to draw.
SIMPLIFY_DEGREES = 0.001


def shapes(table: pd.DataFrame) -> pd.Series:
    """code → shapely geometry, from a table whose ``geometry`` column holds WKB."""
    if table.empty:
        return pd.Series(dtype=object)
    key = "territory_code" if "territory_code" in table else "code"
    return pd.Series(shapely.from_wkb(table["geometry"].to_numpy()), index=table[key].to_numpy())


def territory_outlines(geometry: pd.DataFrame, territories: pd.DataFrame) -> pd.DataFrame:
    """territory_code, geometry (WKB): the union of each area's communes, or département outlines."""
    com = geometry[geometry["level"] == "COM"]
    areas = territories.drop_duplicates("territory_code")
    if not com.empty:
        members = territories[["territory_code", "commune"]].merge(
            com[["code", "geometry"]], left_on="commune", right_on="code"
        )
        members = members.assign(geometry=shapely.from_wkb(members["geometry"].to_numpy()))
        united = members.groupby("territory_code")["geometry"].apply(lambda g: shapely.union_all(g.to_numpy()))
    else:
        dep = shapes(geometry[geometry["level"] == "DEP"])
        dep.index = [departement_area(c) for c in dep.index]
        united = dep[dep.index.isin(areas.loc[areas["kind"] == KIND_DEPARTEMENT, "territory_code"])]
        regions = areas[areas["kind"] == KIND_REGION]["territory_code"]
        if len(united):
            for code in regions:
                united[code] = shapely.union_all(united.to_numpy())
    if united.empty:
        return pd.DataFrame({"territory_code": pd.Series(dtype=object), "geometry": pd.Series(dtype=object)})
    simplified = shapely.simplify(np.asarray(united.to_numpy(), dtype=object), SIMPLIFY_DEGREES, preserve_topology=True)
    return pd.DataFrame({"territory_code": united.index.to_numpy(), "geometry": shapely.to_wkb(simplified)})
