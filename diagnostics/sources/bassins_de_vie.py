"""INSEE bassins de vie 2022 (BV2022) and zones d'emploi 2020 (ZE2020): commune → bassin de vie → zone d'emploi.

Two sources give the same membership:
- the columns ``BV2022`` (from the 2023 millésime; ``BV2012`` before) and ``ZE2020`` of the table
  d'appartenance géographique des communes (sheet ``COM``, header on row 6): :func:`zonages_from_appartenance`
  takes that table with its raw column names (it has no zone names: the name of a bassin de vie is the name
  of its pole commune, INSEE's own naming, found in ``LIBGEO``; zones d'emploi are named from ``LIBZE2020``
  when present, else « Zone d'emploi <code> »);
- the zoning files ``BV2022_au_01-01-AAAA.xlsx`` and ``ZE2020_au_01-01-AAAA.xlsx`` (sheet
  ``Composition_communale``, header on row 6: ``CODGEO``, ``LIBGEO``, ``BV2022``, ``LIBBV2022``, ``TYPE_COM`` …
  / ``ZE2020``, ``LIBZE2020``, ``ZE2020_PARTIE_REG`` …), or their CSV re-exports: :func:`read_bassins_de_vie`,
  :func:`read_zones_emploi`, joined by :func:`merge_zonages`.

Codes: commune 5 characters (leading zeros restored after a spreadsheet); bassin de vie 5 characters (the
code of its pole commune), ``ZZZZZ`` = no bassin de vie (kept as missing, counted); zone d'emploi 4 digits,
left-padded (``51`` → ``0051``: the interregional zones ``00xx``; ``01xx``–``06xx`` overseas). The municipal
arrondissements of Paris, Lyon and Marseille (``751xx``, ``6938x``, ``132xx``), listed by some files, are
dropped when their commune is listed, otherwise replaced by it (their zones must then agree).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..formatting import fr_number
from .errors import RawDataError
from .tables import COMMUNE_CODE, read_delimited, restore_leading_zeros
from .workbooks import open_workbook, sheet_table

NO_BASSIN = "ZZZZZ"
ZONE_EMPLOI = re.compile(r"^\d{4}$")
ARRONDISSEMENT = re.compile(r"^(?:751(?:0[1-9]|1\d|20)|6938[1-9]|132(?:0[1-9]|1[0-6]))$")
PARENT_COMMUNE = {"751": "75056", "693": "69123", "132": "13055"}
COMPOSITION_SHEET = "Composition_communale"
OUTPUT_COLUMNS = ["commune", "bassin_de_vie", "bassin_de_vie_name", "zone_emploi", "zone_emploi_name"]


def _lines(table: pd.DataFrame) -> np.ndarray:
    """File line (or spreadsheet row) of each row: the index when it carries them, else position + 2."""
    index = table.index
    if isinstance(index, pd.RangeIndex) and index.start == 0:
        return np.arange(len(table)) + 2
    return np.asarray(index, dtype=np.int64)


def _fail(path: Path, bad: pd.Series, values: pd.Series, lines: np.ndarray, column: str, expected: str) -> None:
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(path, f"valeur « {values.iloc[i]} » : {expected}", line=int(lines[i]), column=column)


def _communes(table: pd.DataFrame, path: Path, lines: np.ndarray) -> pd.Series:
    codes = restore_leading_zeros(table["CODGEO"].astype(str).str.strip(), 5).reset_index(drop=True)
    _fail(
        path,
        ~codes.str.match(COMMUNE_CODE),
        codes,
        lines,
        "CODGEO",
        "code commune INSEE attendu (5 caractères, ex. 01004)",
    )
    return codes


def _bassins(values: pd.Series, path: Path, lines: np.ndarray, column: str) -> pd.Series:
    codes = restore_leading_zeros(values.astype(str).str.strip().str.upper(), 5).reset_index(drop=True)
    missing = codes.isin([NO_BASSIN, ""])
    _fail(
        path,
        ~missing & ~codes.str.match(COMMUNE_CODE),
        codes,
        lines,
        column,
        f"code de bassin de vie attendu (code à 5 caractères de la commune pôle, ou {NO_BASSIN})",
    )
    return codes.where(~missing, None)


def _zones(values: pd.Series, path: Path, lines: np.ndarray, column: str) -> pd.Series:
    codes = values.astype(str).str.strip().reset_index(drop=True)
    codes = codes.where(~codes.str.fullmatch(r"\d{1,3}"), codes.str.zfill(4))
    missing = codes.isin(["", "ZZZZ"])
    _fail(
        path,
        ~missing & ~codes.str.match(ZONE_EMPLOI),
        codes,
        lines,
        column,
        "code de zone d'emploi à 4 chiffres attendu (ex. 8416, 0051)",
    )
    return codes.where(~missing, None)


def _fold_arrondissements(
    out: pd.DataFrame, path: Path, lines: np.ndarray, zone_columns: list[str]
) -> tuple[pd.DataFrame, int]:
    """Arrondissements municipaux dropped (their commune listed) or replaced by their commune."""
    arrondissement = out["commune"].str.match(ARRONDISSEMENT).to_numpy()
    if not arrondissement.any():
        return out, 0
    parent = out["commune"].str[:3].map(PARENT_COMMUNE)
    rows = np.flatnonzero(arrondissement & ~parent.isin(set(out.loc[~arrondissement, "commune"])).to_numpy())
    replaced = out.iloc[rows].assign(commune=parent.iloc[rows].to_numpy())
    zones = replaced[zone_columns].fillna("")
    differ = (zones != zones.groupby(replaced["commune"]).transform("first")).any(axis=1).to_numpy()
    if differ.any():
        i = int(rows[np.flatnonzero(differ)[0]])
        raise RawDataError(
            path,
            f"arrondissement {out['commune'].iloc[i]} dans une autre zone que les autres "
            f"arrondissements de {parent.iloc[i]} : impossible de les ramener à leur commune",
            line=int(lines[i]),
        )
    kept = pd.concat([out[~arrondissement], replaced.drop_duplicates("commune")])
    return kept, int(arrondissement.sum())


def _unique(out: pd.DataFrame, path: Path, lines: np.ndarray) -> None:
    dup = out["commune"].duplicated()
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise RawDataError(path, f"commune « {out['commune'].iloc[i]} » en double", line=int(lines[i]), column="CODGEO")


def _pole_names(codes: pd.Series, communes: pd.Series, names: pd.Series | None) -> pd.Series:
    """A bassin de vie is named after its pole commune."""
    if names is None:
        return pd.Series([None] * len(codes), dtype=object)
    by_code = dict(zip(communes, names))
    return codes.map(lambda c: by_code.get(c) if c else None)


def _text(table: pd.DataFrame, column: str) -> pd.Series | None:
    return table[column].astype(str).str.strip().reset_index(drop=True) if column in table else None


def zonages_from_appartenance(table: pd.DataFrame, path: Path | str = "table d'appartenance") -> pd.DataFrame:
    """commune, bassin_de_vie, bassin_de_vie_name, zone_emploi, zone_emploi_name from the table d'appartenance
    with its raw columns (``CODGEO``, ``LIBGEO``, ``BV2022`` or ``BV2012``, ``ZE2020``; ``LIBBV2022``,
    ``LIBZE2020`` when present). The index gives the line numbers of messages when it holds them (a sheet read
    by ``sheet_table``), else rows are numbered from line 2. ``path`` names the file in messages."""
    path = Path(path)
    bv_column = next((c for c in ("BV2022", "BV2012") if c in table), None)
    missing = [c for c in ("CODGEO", "ZE2020") if c not in table] + ([] if bv_column else ["BV2022"])
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} (table d'appartenance de 2023 ou plus "
            "récente pour BV2022)",
            line=1,
        )
    lines = _lines(table)
    communes = _communes(table, path, lines)
    bassins = _bassins(table[bv_column], path, lines, bv_column)
    zones = _zones(table["ZE2020"], path, lines, "ZE2020")
    bv_names = (
        _text(table, "LIBBV2022")
        if bv_column == "BV2022" and "LIBBV2022" in table
        else _pole_names(bassins, communes, _text(table, "LIBGEO"))
    )
    ze_names = _text(table, "LIBZE2020")
    out = pd.DataFrame(
        {
            "commune": communes,
            "bassin_de_vie": bassins,
            "bassin_de_vie_name": bv_names,
            "zone_emploi": zones,
            "zone_emploi_name": ze_names
            if ze_names is not None
            else zones.map(lambda z: f"Zone d'emploi {z}" if z else None),
        }
    )
    out["bassin_de_vie_name"] = out["bassin_de_vie_name"].where(out["bassin_de_vie"].notna(), None)
    out["zone_emploi_name"] = out["zone_emploi_name"].where(out["zone_emploi"].notna(), None)
    _unique(out, path, lines)
    out, folded = _fold_arrondissements(out, path, lines, ["bassin_de_vie", "zone_emploi"])
    out = out[OUTPUT_COLUMNS].reset_index(drop=True)
    out.attrs["details"] = _details(out, folded) + (
        [f"bassins de vie {bv_column} (ancien zonage)"] if bv_column == "BV2012" else []
    )
    return out


def _details(out: pd.DataFrame, folded: int) -> list[str]:
    details = [f"{fr_number(len(out))} communes"]
    if "bassin_de_vie" in out:
        details.append(
            f"{fr_number(out['bassin_de_vie'].nunique())} bassins de vie, "
            f"{fr_number(out['bassin_de_vie'].isna().sum())} commune(s) hors bassin de vie ({NO_BASSIN})"
        )
    if "zone_emploi" in out:
        details.append(
            f"{fr_number(out['zone_emploi'].nunique())} zones d'emploi, {fr_number(out['zone_emploi'].isna().sum())} "
            "commune(s) sans zone d'emploi"
        )
    if folded:
        details.append(f"{folded} arrondissement(s) municipal(aux) ramené(s) à leur commune")
    return details


def _composition(path: Path, zone: str) -> pd.DataFrame:
    """The commune composition table of a BV2022 / ZE2020 workbook (or its CSV re-export)."""
    if path.suffix.lower() not in (".xlsx", ".xls"):
        df = read_delimited(path, ["CODGEO", zone], optional=["LIBGEO", f"LIB{zone}"])
        df.index = range(2, len(df) + 2)
        return df
    wb = open_workbook(path)
    try:
        name = next((n for n in wb.sheetnames if n == COMPOSITION_SHEET), None) or next(
            (n for n in wb.sheetnames if "compo" in n.lower()), None
        )
        if name is None:
            raise RawDataError(
                path, f"feuille « {COMPOSITION_SHEET} » introuvable (feuilles : {', '.join(wb.sheetnames)})"
            )
        return sheet_table(path, wb, name, ["CODGEO", zone])
    finally:
        wb.close()


def read_bassins_de_vie(path: Path) -> pd.DataFrame:
    """commune, bassin_de_vie, bassin_de_vie_name from ``BV2022_au_01-01-AAAA.xlsx`` (or its CSV)."""
    path = Path(path)
    table = _composition(path, "BV2022")
    lines = _lines(table)
    communes = _communes(table, path, lines)
    bassins = _bassins(table["BV2022"], path, lines, "BV2022")
    names = _text(table, "LIBBV2022")
    out = pd.DataFrame(
        {
            "commune": communes,
            "bassin_de_vie": bassins,
            "bassin_de_vie_name": names
            if names is not None
            else _pole_names(bassins, communes, _text(table, "LIBGEO")),
        }
    )
    out["bassin_de_vie_name"] = out["bassin_de_vie_name"].where(out["bassin_de_vie"].notna(), None)
    _unique(out, path, lines)
    out, folded = _fold_arrondissements(out, path, lines, ["bassin_de_vie"])
    out = out.reset_index(drop=True)
    out.attrs["details"] = _details(out, folded)
    return out


def read_zones_emploi(path: Path) -> pd.DataFrame:
    """commune, zone_emploi, zone_emploi_name from ``ZE2020_au_01-01-AAAA.xlsx`` (or its CSV)."""
    path = Path(path)
    table = _composition(path, "ZE2020")
    lines = _lines(table)
    communes = _communes(table, path, lines)
    zones = _zones(table["ZE2020"], path, lines, "ZE2020")
    names = _text(table, "LIBZE2020")
    out = pd.DataFrame(
        {
            "commune": communes,
            "zone_emploi": zones,
            "zone_emploi_name": names
            if names is not None
            else zones.map(lambda z: f"Zone d'emploi {z}" if z else None),
        }
    )
    out["zone_emploi_name"] = out["zone_emploi_name"].where(out["zone_emploi"].notna(), None)
    _unique(out, path, lines)
    out, folded = _fold_arrondissements(out, path, lines, ["zone_emploi"])
    out = out.reset_index(drop=True)
    out.attrs["details"] = _details(out, folded)
    return out


def merge_zonages(bassins: pd.DataFrame, zones: pd.DataFrame) -> pd.DataFrame:
    """The five columns for every commune of either file; a commune missing from one has no zone there
    (counted in ``attrs["warnings"]``)."""
    out = bassins.merge(zones, on="commune", how="outer", indicator=True)
    warnings = [
        f"{fr_number((out['_merge'] == side).sum())} commune(s) {where}"
        for side, where in (
            ("left_only", "sans zone d'emploi (absentes du fichier ZE2020)"),
            ("right_only", "sans bassin de vie (absentes du fichier BV2022)"),
        )
        if (out["_merge"] == side).any()
    ]
    out = out[OUTPUT_COLUMNS].sort_values("commune", ignore_index=True)
    out.attrs["details"] = _details(out, 0)
    out.attrs["warnings"] = warnings
    return out


SOURCE_INFO = [
    {
        "key": "bassins_de_vie",
        "label": "Bassins de vie 2022 (composition communale)",
        "publisher": "Insee, « Base des bassins de vie 2022 » (BV2022_au_01-01-AAAA.xlsx, "
        "insee.fr/fr/information/6676988)",
        "use": "bassins de vie (territoires, zones fragiles en médecins généralistes)",
        "patterns": ("bv2022_au_01-01-*.xlsx", "bv2022_au_01-01-*.csv", "bv2022*.xlsx"),
        "header": ("CODGEO", "BV2022", "LIBBV2022"),
    },
    {
        "key": "zones_emploi",
        "label": "Zones d'emploi 2020 (composition communale)",
        "publisher": "Insee, « Zonage en zones d'emploi 2020 » (ZE2020_au_01-01-AAAA.xlsx, "
        "insee.fr/fr/information/4652957)",
        "use": "zones d'emploi (territoires)",
        "patterns": ("ze2020_au_01-01-*.xlsx", "ze2020_au_01-01-*.csv", "ze2020*.xlsx"),
        "header": ("CODGEO", "ZE2020", "LIBZE2020"),
    },
]
