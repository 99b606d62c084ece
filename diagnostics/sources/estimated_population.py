"""INSEE « Estimations de population par département, sexe et âge quinquennal »
(``estim-pop-dep-sexe-aq-1975-AAAA.xlsx``).

One sheet per year named ``AAAA`` (population on 1 January); rows 1–5 are titles and headers, then
one row per département (code in column A, name in B), then total rows (« France métropolitaine »,
« DOM », « France métropolitaine et DOM ») and a source footnote. Columns are read by position,
never by header text (INSEE's own headers carry ditto marks): C–W both sexes, X–AR men, AS–BM
women, each block 20 age bands (0–4 … 95+) and a total. Years before 1999 use another layout for
overseas départements and are not read.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ..config import AGE_BANDS
from .errors import RawDataError
from .tables import DEPARTEMENT_CODE
from .workbooks import DAMAGED, cell_text, column_letter, damaged, open_workbook

FIRST_DATA_ROW = 6
BLOCK = len(AGE_BANDS) + 1  # 20 bands and a total
SEX_BLOCKS = {"M": 2 + BLOCK, "F": 2 + 2 * BLOCK}
FIRST_YEAR = 1999
FRANCE_ROW = "france métropolitaine et dom"
TOTAL_ROWS = {"france métropolitaine", "dom", FRANCE_ROW}


def _departement_code(value) -> str:
    code = cell_text(value)
    return code.zfill(2) if code.isdigit() else code


def _number(value, path: Path, sheet: str, row: int, col: int) -> float:
    if isinstance(value, (int, float)) and value >= 0:
        return float(value)
    raise RawDataError(
        path,
        f"feuille « {sheet} » : effectif « {cell_text(value)} » : nombre positif ou nul attendu",
        line=row,
        column=column_letter(col),
    )


def _read_sheet(ws, path: Path, year: int, warnings: list[str]) -> list[tuple]:
    records = []
    sheet = str(year)
    for row, cells in enumerate(ws.iter_rows(min_row=FIRST_DATA_ROW, values_only=True), start=FIRST_DATA_ROW):
        label = cell_text(cells[0]) if cells else ""
        if not label:
            if any(cell_text(c) for c in cells[2:]):  # figures without their département would be dropped unseen
                raise RawDataError(
                    path, f"feuille « {sheet} » : effectifs sans code de département", line=row, column="A"
                )
            continue
        key = label.lower()
        if key in TOTAL_ROWS:
            if key != FRANCE_ROW:
                continue
            level, code = "FRANCE", "FRANCE"
        elif DEPARTEMENT_CODE.match(_departement_code(cells[0])):
            level, code = "DEP", _departement_code(cells[0])
        elif label.lower().startswith("source"):
            break
        else:
            raise RawDataError(
                path,
                f"feuille « {sheet} » : code département « {label} » inattendu (attendu 01…95, 2A, 2B, 971…976)",
                line=row,
                column="A",
            )
        if len(cells) < 2 + 3 * BLOCK:
            raise RawDataError(
                path, f"feuille « {sheet} » : {len(cells)} colonnes au lieu de {2 + 3 * BLOCK}", line=row
            )
        blocks = {}
        for sex, start in SEX_BLOCKS.items():
            values = [_number(cells[start + i], path, sheet, row, start + i) for i in range(len(AGE_BANDS))]
            total = _number(cells[start + len(AGE_BANDS)], path, sheet, row, start + len(AGE_BANDS))
            if abs(sum(values) - total) > 0.5 + 1e-6 * total:
                raise RawDataError(
                    path,
                    f"feuille « {sheet} » : la somme des tranches d'âge ({sum(values):.0f}) "
                    f"diffère du total ({total:.0f})",
                    line=row,
                    column=column_letter(start + len(AGE_BANDS)),
                )
            blocks[sex] = values
        for i in range(len(AGE_BANDS)):
            both, men_women = cells[2 + i], blocks["M"][i] + blocks["F"][i]
            if not isinstance(both, (int, float)) or abs(both - men_women) > 0.5:
                warnings.append(
                    str(
                        RawDataError(
                            path,
                            f"feuille « {sheet} » : ensemble « {cell_text(both)} » ≠ hommes + femmes "
                            f"({men_women:.0f}) ; "
                            "sans effet : seules les colonnes Hommes et Femmes sont lues",
                            line=row,
                            column=column_letter(2 + i),
                        )
                    )
                )
        for sex in SEX_BLOCKS:
            records += [(level, code, year, sex, band, v) for band, v in zip(AGE_BANDS, blocks[sex])]
    return records


def read_estimated_population(path: Path, years: list[int] | None = None) -> pd.DataFrame:
    """level (``DEP``/``FRANCE``), code, year, sex, age_band, population — France = métropole et DOM.

    Only the men and women blocks are read; a both-sexes cell that disagrees with them (INSEE's
    2021 sheet has one, Corrèze 65–69 ans) is reported in ``df.attrs["warnings"]``."""
    wb = open_workbook(path)
    try:
        sheets = {int(n): n for n in wb.sheetnames if re.fullmatch(r"(19|20)\d{2}", n.strip()) and int(n) >= FIRST_YEAR}
        if not sheets:
            raise RawDataError(
                path,
                "aucune feuille d'année (« 2021 », « 2020 »…) : est-ce bien le classeur "
                "estim-pop-dep-sexe-aq de l'Insee ?",
            )
        wanted = sorted(y for y in sheets if years is None or y in years)
        records, warnings = [], []
        for year in wanted:
            records += _read_sheet(wb[sheets[year]], path, year, warnings)
    except DAMAGED as exc:
        raise damaged(path, exc) from None
    finally:
        wb.close()
    df = pd.DataFrame(records, columns=["level", "code", "year", "sex", "age_band", "population"])
    df.attrs["warnings"] = warnings
    for year, g in df.groupby("year"):
        if not (g["level"] == "FRANCE").any():
            raise RawDataError(path, f"feuille « {year} » : ligne « France métropolitaine et DOM » introuvable")
    dup = df.duplicated(["level", "code", "year", "sex", "age_band"])
    if dup.any():
        raise RawDataError(
            path,
            f"département « {df.loc[dup, 'code'].iloc[0]} » présent deux fois dans la feuille "
            f"« {df.loc[dup, 'year'].iloc[0]} »",
        )
    return df
