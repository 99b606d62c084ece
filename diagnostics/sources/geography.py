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

from .errors import RawDataError
from .tables import (
    DEPARTEMENT_CODE,
    EPCI_CODE,
    REGION_CODE,
    check_codes,
    check_commune_codes,
    check_unique,
    first_bad,
    read_delimited,
    restore_leading_zeros,
)
from .workbooks import DAMAGED, damaged, open_workbook, sheet_table

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
    _check_codes(df, path)
    names = cog_names()
    dep_name = df["LIBDEP"] if "LIBDEP" in df else df["DEP"].map(lambda c: names.get(("DEP", c), f"Département {c}"))
    reg_name = df["LIBREG"] if "LIBREG" in df else df["REG"].map(lambda c: names.get(("REG", c), f"Région {c}"))
    epci = df["EPCI"].where(~df["EPCI"].isin([NO_EPCI, ""]), None)
    epci_name = df["LIBEPCI"] if "LIBEPCI" in df else epci.map(lambda c: f"EPCI {c}" if c else None)
    out = pd.DataFrame(
        {
            "commune": df["CODGEO"].to_numpy(),
            "commune_name": df["LIBGEO"].to_numpy(),
            "departement_code": df["DEP"].to_numpy(),
            "departement_name": dep_name.to_numpy(),
            "region_code": df["REG"].to_numpy(),
            "region_name": reg_name.to_numpy(),
            "epci_code": epci.to_numpy(),
            "epci_name": epci_name.where(epci.notna(), None).to_numpy(),
        }
    )
    return _with_zonages(out, df, path)


# Bassins de vie and zones d'emploi (issue 18): the table's BV2022 (BV2012 before 2023) and ZE2020 columns,
# when it has both, become the communes' bassin_de_vie, zone_emploi and their names.
ZONAGES = ["BV2022", "BV2012", "ZE2020", "LIBBV2022", "LIBZE2020"]


def _with_zonages(out: pd.DataFrame, df: pd.DataFrame, path: Path) -> pd.DataFrame:
    from .bassins_de_vie import zonages_from_appartenance

    if "ZE2020" not in df or not {"BV2022", "BV2012"} & set(df.columns):
        return out
    zones = zonages_from_appartenance(df, path).drop_duplicates("commune")
    return out.merge(zones, on="commune", how="left")


def _check_codes(df: pd.DataFrame, path: Path) -> None:
    """Each code in its format, each commune in its département (INSEE codes begin with the
    département's), each département in one région: a damaged code is named, not silently moved.
    ``df`` is indexed by its rows' line (or spreadsheet row) numbers."""
    rows = df.reset_index(drop=True)
    try:
        check_commune_codes(rows, "CODGEO", path)
        check_unique(rows, ["CODGEO"], path)
        check_codes(rows, "DEP", DEPARTEMENT_CODE, "code de département", "01…95, 2A, 2B, 971…", path)
        check_codes(rows, "REG", REGION_CODE, "code de région", "2 chiffres, ex. 32", path)
        check_codes(
            rows,
            "EPCI",
            EPCI_CODE,
            "code d'EPCI",
            f"SIREN à 9 chiffres, ou {NO_EPCI} pour une commune isolée",
            path,
            allowed=[NO_EPCI, ""],
        )
        outside = ~pd.Series([c.startswith(d) for c, d in zip(rows["CODGEO"], rows["DEP"])], dtype=bool)
        if outside.any():
            r = rows.iloc[first_bad(outside) - 2]
            raise RawDataError(
                path,
                f"commune « {r['CODGEO']} » rattachée au département « {r['DEP']} » : le code d'une "
                "commune commence par celui de son département",
                line=first_bad(outside),
                column="DEP",
            )
        usual = rows.groupby("DEP")["REG"].transform(lambda regions: regions.mode().iloc[0])
        if (rows["REG"] != usual).any():
            line = first_bad(rows["REG"] != usual)
            r = rows.iloc[line - 2]
            raise RawDataError(
                path,
                f"département « {r['DEP']} » en région « {r['REG']} » sur cette ligne, « {usual.iloc[line - 2]} » "
                "sur les autres : un département est dans une seule région",
                line=line,
                column="REG",
            )
    except RawDataError as exc:  # position in the table → the file's own line (a workbook's row)
        line = int(df.index[exc.line - 2]) if exc.line else None
        raise RawDataError(path, exc.problem, line=line, column=exc.column) from None


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
                codes = pd.DataFrame({c: restore_leading_zeros(arm[c], 5).to_numpy() for c in ("CODGEO", "COM")})
                for column in codes:
                    try:
                        check_commune_codes(codes, column, path)
                    except RawDataError as exc:
                        raise RawDataError(
                            path, f"feuille « ARM » : {exc.problem}", line=int(arm.index[exc.line - 2]), column=column
                        ) from None
                aliases = pd.DataFrame(
                    {"alias": codes["CODGEO"], "commune": codes["COM"], "reason": "arrondissement municipal"}
                )
            else:
                aliases = pd.DataFrame(columns=["alias", "commune", "reason"])
        except DAMAGED as exc:
            raise damaged(path, exc) from None
        finally:
            wb.close()
        return communes, aliases
    df = read_delimited(path, REQUIRED, optional=LABELS + ZONAGES)
    df.index = range(2, len(df) + 2)
    return _normalise(df, path), pd.DataFrame(columns=["alias", "commune", "reason"])


def read_epci_names(path: Path) -> dict[str, str]:
    """EPCI → LIBEPCI from INSEE's « Intercommunalité-Métropole au 01-01-AAAA » workbook (sheet ``EPCI``)."""
    wb = open_workbook(path)
    try:
        df = sheet_table(path, wb, "EPCI", ["EPCI", "LIBEPCI"])
    except DAMAGED as exc:
        raise damaged(path, exc) from None
    finally:
        wb.close()
    return dict(zip(df["EPCI"], df["LIBEPCI"]))


def describe_geography(result: tuple[pd.DataFrame, pd.DataFrame]) -> tuple[int, list[str], list[str]]:
    """--check: the communes of the table d'appartenance and the arrondissements municipaux set aside."""
    communes, aliases = result
    return (
        len(communes),
        [
            f"{communes['departement_code'].nunique()} département(s), {communes['region_code'].nunique()} "
            f"région(s), {len(aliases)} arrondissement(s) municipal(aux)"
        ],
        [],
    )
