"""Shared checks for the delimited raw files: encoding, columns, codes and counts.

Line numbers in messages are the file's own (1 = header), so the user can open the file there.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RawDataError

COMMUNE_CODE = re.compile(r"^(?:\d{2}|2[AB])\d{3}$")
# three-digit codes: overseas (971…976), and the fictional demo région (961…963)
DEPARTEMENT_CODE = re.compile(r"^(?:\d{2}|2[AB]|9\d{2})$")
ENCODINGS = ("utf-8-sig", "latin-1")


def read_text(path: Path) -> str:
    """Decode a file as UTF-8, falling back on ISO-8859-1 (older official exports)."""
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw.strip():
        raise RawDataError(path, "le fichier est vide")
    for enc in ENCODINGS:
        try:
            return raw.decode(enc)
        except UnicodeDecodeError:
            continue
    raise RawDataError(path, "encodage illisible (attendu UTF-8 ou ISO-8859-1)")  # pragma: no cover


def read_delimited(path: Path, required: list[str], sep: str = ";", optional: list[str] = ()) -> pd.DataFrame:
    """Read a ';'-separated file with a header, every value as text, and check its columns.

    Returns the ``required`` columns and those of ``optional`` that the file has."""
    text = read_text(path)
    header = text.splitlines()[0]
    if sep not in header:
        other = next((s for s in (",", "\t", "|") if s in header), None)
        hint = f" (le fichier semble séparé par « {other} »)" if other else ""
        raise RawDataError(path, f"séparateur « {sep} » attendu{hint}", line=1)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.ParserError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise RawDataError(path, f"ligne mal formée ({exc})", line=int(line.group(1)) if line else None) from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise RawDataError(
            path, f"colonne(s) manquante(s) : {', '.join(missing)} ; colonnes attendues : {', '.join(required)}", line=1
        )
    return df[required + [c for c in optional if c in df.columns]].apply(lambda s: s.str.strip())


def restore_leading_zeros(series: pd.Series, width: int) -> pd.Series:
    """Leading zeros a spreadsheet dropped from numeric codes, put back (``1001`` → ``01001``)."""
    numeric = series.str.fullmatch(r"\d+")
    return series.where(~numeric, series.str.zfill(width))


def first_bad(mask: pd.Series) -> int | None:
    """File line number of the first True in ``mask`` (header is line 1)."""
    idx = np.flatnonzero(mask.to_numpy())
    return int(idx[0]) + 2 if len(idx) else None


def check_commune_codes(df: pd.DataFrame, column: str, path: Path) -> None:
    bad = ~df[column].str.match(COMMUNE_CODE)
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path, f"code commune INSEE invalide « {df[column].iloc[line - 2]} » (attendu 5 caractères, ex. 01004, 2A004)",
            line=line, column=column,
        )


def counts(df: pd.DataFrame, column: str, path: Path, integer: bool = True) -> pd.Series:
    """Convert a count column to numbers; text, negative or (if ``integer``) fractional values are errors."""
    values = pd.to_numeric(df[column].str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() | (values < 0)
    if integer:
        bad |= values.notna() & (values != values.round())
    if bad.any():
        line = first_bad(bad)
        what = "un entier positif ou nul" if integer else "un nombre positif ou nul"
        raise RawDataError(path, f"valeur « {df[column].iloc[line - 2]} » : {what} attendu", line=line, column=column)
    return values.astype("int64") if integer else values.astype(float)


def check_allowed(df: pd.DataFrame, column: str, allowed, path: Path) -> None:
    bad = ~df[column].isin(list(allowed))
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path, f"valeur « {df[column].iloc[line - 2]} » inattendue ; valeurs acceptées : {', '.join(map(str, allowed))}",
            line=line, column=column,
        )


def check_unique(df: pd.DataFrame, keys: list[str], path: Path) -> None:
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        line = first_bad(dup)
        raise RawDataError(path, f"ligne en double pour ({', '.join(keys)})", line=line)
