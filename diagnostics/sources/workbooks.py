"""Excel workbooks (xlsx) as official files are published: opened read-only, cells as values."""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

import pandas as pd

from .errors import RawDataError

HEADER_SEARCH_ROWS = 15
# What a damaged workbook raises while its sheets are read (openpyxl reads them lazily, in read-only mode):
# a bad CRC or a cut archive, a broken XML part
DAMAGED = (zipfile.BadZipFile, zlib.error, EOFError, SyntaxError)


def damaged(path: Path, exc: Exception) -> RawDataError:
    return RawDataError(
        path, f"classeur endommagé ({type(exc).__name__} : {str(exc)[:100]}) : téléchargez-le de nouveau"
    )


def open_workbook(path: Path):
    """The workbook, or a clear error when the file is not an xlsx (an old .xls, a renamed CSV…)."""
    import openpyxl

    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    if path.suffix.lower() == ".xls":
        raise RawDataError(path, "classeur .xls (ancien format Excel) : ouvrez-le et enregistrez-le en .xlsx")
    if not zipfile.is_zipfile(path):
        raise RawDataError(path, "ce fichier n'est pas un classeur Excel .xlsx lisible")
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (*DAMAGED, KeyError, ValueError, OSError) as exc:  # openpyxl's InvalidFileException is an OSError
        raise damaged(path, exc) from None


def cell_text(value) -> str:
    """A cell as text: numbers that are codes (971, 1001.0) lose their decimal part."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def column_letter(index: int) -> str:
    """Spreadsheet column letter of a 0-based index (0 → A, 26 → AA)."""
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)


def sheet_table(path: Path, wb, name: str, required: list[str]) -> pd.DataFrame:
    """A sheet as a text table: the header is the first row (among the first 15) holding
    ``required[0]``, title rows above it are skipped; the index is the spreadsheet row number."""
    if name not in wb.sheetnames:
        raise RawDataError(path, f"feuille « {name} » introuvable (feuilles présentes : {', '.join(wb.sheetnames)})")
    rows = wb[name].iter_rows(values_only=True)
    for number, cells in enumerate(rows, start=1):
        header = [cell_text(c) for c in cells]
        if required[0] in header:
            break
        if number >= HEADER_SEARCH_ROWS:
            raise RawDataError(
                path,
                f"feuille « {name} » : ligne d'en-tête avec « {required[0]} » introuvable "
                f"dans les {HEADER_SEARCH_ROWS} premières lignes",
            )
    else:
        raise RawDataError(path, f"feuille « {name} » vide")
    missing = [c for c in required if c not in header]
    if missing:
        raise RawDataError(path, f"feuille « {name} » : colonne(s) manquante(s) : {', '.join(missing)}", line=number)
    data, index = [], []
    for row, cells in enumerate(rows, start=number + 1):
        if any(c is not None and cell_text(c) for c in cells):
            data.append([cell_text(c) for c in cells][: len(header)])
            index.append(row)
    return pd.DataFrame(data, columns=header, index=index, dtype=str)
