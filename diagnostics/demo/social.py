"""The social context's files in the other official layouts, for the official-format demo (issue 19): Filosofi
as INSEE's Melodi catalogue gives it (``DS_FILOSOFI_CC_2021_data.csv``: one line per territory and measure,
confidential cells ``CONF_STATUS`` « C » without a value) and the census « diplômes - formation » base by IRIS
(``base-ic-diplomes-formation-2021.CSV``: large communes cut into three IRIS, ISO-8859-1 as INSEE writes it);
the activity and families bases are the commune bases of the demo, copied."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd

MELODI_MEASURES = {
    "households": "NUM_HH",
    "population": "NUM_PER",
    "median_income": "MED_SL",
    "poverty_rate": "PR_MD60",
}
MELODI_UNITS = {"NUM_HH": "HH", "NUM_PER": "PS", "MED_SL": "EUR_YR", "PR_MD60": "PT"}
MELODI_LEVELS = {"COM": "COM", "EPCI": "EPCI", "DEP": "DEP", "REG": "REG", "METRO": "FRANCE"}
IRIS_SPLIT = (0.5, 0.3, 0.2)  # shares of a large commune's counts in its three IRIS
LARGE_COMMUNE = 10_000  # inhabitants: a commune cut into IRIS
IRIS_LABELS = ["IRIS", "REG", "DEP", "UU2020", "COM", "LIBCOM", "TRIRIS", "GRD_QUART", "LIBIRIS", "TYP_IRIS",
               "MODIF_IRIS", "LAB_IRIS"]  # fmt: skip


def melodi_filosofi_csv(path: Path, filosofi: pd.DataFrame) -> None:
    """The Filosofi table (``level, code, year`` and fields) as Melodi's long file; France métropolitaine
    becomes the France row (code ``FR``); a missing value is a confidential cell."""
    table = filosofi[filosofi["level"].isin(MELODI_LEVELS)]
    long = table.melt(id_vars=["level", "code", "year"], value_vars=list(MELODI_MEASURES), var_name="field")
    long = long.assign(
        GEO=np.where(long["level"] == "METRO", "FR", long["code"]),
        GEO_OBJECT=long["level"].map(MELODI_LEVELS),
        FILOSOFI_MEASURE=long["field"].map(MELODI_MEASURES),
    )
    value = long["value"].map(lambda v: "" if v != v else f"{v:.10g}")
    out = pd.DataFrame(
        {
            "GEO": long["GEO"],
            "GEO_OBJECT": long["GEO_OBJECT"],
            "FILOSOFI_MEASURE": long["FILOSOFI_MEASURE"],
            "UNIT_MEASURE": long["FILOSOFI_MEASURE"].map(MELODI_UNITS),
            "UNIT_MULT": "0",
            "CONF_STATUS": np.where(value == "", "C", "F"),
            "OBS_STATUS": "A",
            "TIME_PERIOD": long["year"].astype(int).astype(str),
            "OBS_VALUE": value,
        }
    ).sort_values(["GEO_OBJECT", "GEO", "FILOSOFI_MEASURE"], kind="stable")
    out.to_csv(path, sep=";", index=False, lineterminator="\n")


def iris_census_csv(path: Path, base: pd.DataFrame, communes: pd.DataFrame, population: pd.Series) -> None:
    """A commune base (``CODGEO`` and counts) as INSEE's IRIS base: a commune of at least
    :data:`LARGE_COMMUNE` inhabitants in three IRIS sharing its counts, the others in one IRIS (``…0000``)."""
    names = communes.set_index("commune")
    codes = base["CODGEO"]
    large = codes.map(population).fillna(0).to_numpy() >= LARGE_COMMUNE
    parts = np.where(large, len(IRIS_SPLIT), 1)
    rows = base.loc[base.index.repeat(parts)].reset_index(drop=True)
    rank = rows.groupby("CODGEO").cumcount().to_numpy()
    share = np.where(np.repeat(large, parts), np.asarray(IRIS_SPLIT)[np.minimum(rank, 2)], 1.0)
    values = rows.drop(columns="CODGEO").mul(share, axis=0)
    com = rows["CODGEO"]
    ours = com.isin(names.index)
    iris = pd.DataFrame(
        {
            "IRIS": com + np.where(np.repeat(large, parts), [f"{r + 1:04d}" for r in rank], "0000"),
            "REG": np.where(ours, com.map(names["region_code"]), ""),
            "DEP": np.where(ours, com.map(names["departement_code"]), com.str[:2]),
            "UU2020": "",
            "COM": com,
            "LIBCOM": com.map(names["commune_name"]).fillna(""),
            "TRIRIS": "",
            "GRD_QUART": "",
            "LIBIRIS": np.where(
                np.repeat(large, parts), [f"Quartier {r + 1}" for r in rank], com.map(names["commune_name"]).fillna("")
            ),
            "TYP_IRIS": np.where(np.repeat(large, parts), "H", "Z"),
            "MODIF_IRIS": "00",
            "LAB_IRIS": np.where(np.repeat(large, parts), "1", "5"),
        }
    )
    table = pd.concat([iris, values], axis=1)
    text = table.to_csv(sep=";", index=False, float_format="%.10g", lineterminator="\n")
    path.write_bytes(text.encode("latin-1"))


def write_social_files(out: Path, tables: dict, demo_raw: Path) -> None:
    """Filosofi in Melodi's layout, the diplomas base by IRIS, the other census bases copied."""
    melodi_filosofi_csv(out / "DS_FILOSOFI_CC_2021_data.csv", tables["filosofi"])
    census = demo_raw / "recensement"
    for name in ("base-cc-emploi-pop-active-2021.CSV", "base-cc-coupl-fam-men-2021.CSV"):
        shutil.copy(census / name, out / name)
    diplomas = pd.read_csv(census / "base-cc-diplomes-formation-2021.CSV", sep=";", dtype={"CODGEO": str})
    pop = tables["population"]
    latest = pop[pop["year"] == pop["year"].max()].groupby("commune")["population"].sum()
    iris_census_csv(out / "base-ic-diplomes-formation-2021.CSV", diplomas, tables["communes"], latest)
