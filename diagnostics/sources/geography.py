"""INSEE table d'appartenance géographique des communes (commune → département, région, EPCI).

Accepted as published (``table-appartenance-geo-communes-AAAA.xlsx``: sheet ``COM``, sheet ``ARM``
for the arrondissements municipaux of Paris, Lyon and Marseille, header on row 6 under five title
rows) and as the CSV re-exports analysts make of it (``;``, cp1252 or UTF-8, leading zeros lost:
``1001`` for ``01001``, ``1`` for département ``01``). Required columns: ``CODGEO``, ``LIBGEO``,
``DEP``, ``REG``, ``EPCI``; labels ``LIBDEP``, ``LIBREG``, ``LIBEPCI`` are used when present,
otherwise département and région names come from the COG (``reference/cog_departements_regions.csv``)
and EPCI names from the « Intercommunalité-Métropole » file when one is given.

Codes stay text: Corsica (``2A004``) and overseas (``97411``) codes are kept as they are.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd

from .tables import check_commune_codes, check_unique, read_delimited, restore_leading_zeros
from .workbooks import open_workbook, sheet_table

REQUIRED = ["CODGEO", "LIBGEO", "DEP", "REG", "EPCI"]
LABELS = ["LIBDEP", "LIBREG", "LIBEPCI"]
NO_EPCI = "ZZZZZZZZZ"
REFERENCE = Path(__file__).with_name("reference") / "cog_departements_regions.csv"


@lru_cache(maxsize=1)
def cog_names() -> dict[tuple[str, str], str]:
    """(``DEP``|``REG``, code) → libellé."""
    ref = pd.read_csv(REFERENCE, sep=";", dtype=str, comment="#")
    return {(r.niveau, r.code): r.libelle for r in ref.itertuples()}


def _normalise(df: pd.DataFrame, path: Path) -> pd.DataFrame:
    df = df.copy()
    df["CODGEO"] = restore_leading_zeros(df["CODGEO"], 5)
    df["DEP"] = restore_leading_zeros(df["DEP"], 2)
    df["REG"] = restore_leading_zeros(df["REG"], 2)
    check_commune_codes(df.reset_index(drop=True), "CODGEO", path)
    check_unique(df.reset_index(drop=True), ["CODGEO"], path)
    names = cog_names()
    dep_name = df["LIBDEP"] if "LIBDEP" in df else df["DEP"].map(lambda c: names.get(("DEP", c), f"Département {c}"))
    reg_name = df["LIBREG"] if "LIBREG" in df else df["REG"].map(lambda c: names.get(("REG", c), f"Région {c}"))
    epci = df["EPCI"].where(~df["EPCI"].isin([NO_EPCI, ""]), None)
    epci_name = df["LIBEPCI"] if "LIBEPCI" in df else epci.map(lambda c: f"EPCI {c}" if c else None)
    return pd.DataFrame({
        "commune": df["CODGEO"].to_numpy(), "commune_name": df["LIBGEO"].to_numpy(),
        "departement_code": df["DEP"].to_numpy(), "departement_name": dep_name.to_numpy(),
        "region_code": df["REG"].to_numpy(), "region_name": reg_name.to_numpy(),
        "epci_code": epci.to_numpy(), "epci_name": epci_name.where(epci.notna(), None).to_numpy(),
    })


def read_communes(path: Path) -> pd.DataFrame:
    """One row per commune: commune, commune_name, departement_code/_name, region_code/_name, epci_code/_name."""
    return read_geography(path)[0]


def read_geography(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The communes, and the aliases of the arrondissements municipaux (alias → commune)."""
    if path.suffix.lower() in (".xlsx", ".xls"):
        wb = open_workbook(path)
        try:
            communes = _normalise(sheet_table(path, wb, "COM", REQUIRED), path)
            if "ARM" in wb.sheetnames:
                arm = sheet_table(path, wb, "ARM", ["CODGEO", "COM"])
                aliases = pd.DataFrame({"alias": restore_leading_zeros(arm["CODGEO"], 5).to_numpy(), "commune": restore_leading_zeros(arm["COM"], 5).to_numpy(),
                                        "reason": "arrondissement municipal"})
            else:
                aliases = pd.DataFrame(columns=["alias", "commune", "reason"])
        finally:
            wb.close()
        return communes, aliases
    df = read_delimited(path, REQUIRED, optional=LABELS)
    df.index = range(2, len(df) + 2)
    return _normalise(df, path), pd.DataFrame(columns=["alias", "commune", "reason"])


def read_epci_names(path: Path) -> dict[str, str]:
    """EPCI → LIBEPCI from INSEE's « Intercommunalité-Métropole au 01-01-AAAA » workbook (sheet ``EPCI``)."""
    wb = open_workbook(path)
    try:
        df = sheet_table(path, wb, "EPCI", ["EPCI", "LIBEPCI"])
    finally:
        wb.close()
    return dict(zip(df["EPCI"], df["LIBEPCI"]))
