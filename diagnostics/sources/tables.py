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


UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
HEADER_SEARCH_LINES = 10


def read_text(path: Path) -> str:
    """Decode a file as UTF-8, falling back on ISO-8859-1 (older official exports).

    UTF-16 (Excel's « Texte Unicode » export) and files mixing both encodings (two exports pasted
    together) are refused: ISO-8859-1 would decode them without error, into wrong names and codes."""
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw.strip():
        raise RawDataError(path, "le fichier est vide")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise RawDataError(path, "encodage UTF-16 (export « Texte Unicode » d'Excel ?) : attendu UTF-8 ou ISO-8859-1 ; "
                                 "réenregistrez le fichier en « CSV UTF-8 »")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if UTF8_SEQUENCE.search(raw[:exc.start]):
            line = raw.count(b"\n", 0, exc.start) + 1
            raise RawDataError(path, "mélange d'encodages : cette ligne n'est pas en UTF-8 alors que les précédentes le "
                                     "sont (fichiers collés bout à bout ?) ; réenregistrez le fichier entier en UTF-8",
                               line=line) from None
    return raw.decode("latin-1")


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
        header_line = next((i for i, line in enumerate(text.splitlines()[1:HEADER_SEARCH_LINES], start=2)
                            if set(required) <= {c.strip() for c in line.split(sep)}), None)
        if header_line:
            raise RawDataError(path, f"ligne(s) de titre au-dessus de l'en-tête : l'en-tête ({', '.join(required)}) est à la "
                                     f"ligne {header_line} ; supprimez les lignes 1 à {header_line - 1}", line=1)
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


def calendar_years(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """A year column: integers from 1900 to the current year (a typo such as 2032 or 203 is named, not
    turned into an empty period)."""
    import datetime as dt

    values = counts(df, column, path)
    last = dt.date.today().year
    bad = (values < 1900) | (values > last)
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(path, f"année « {df[column].iloc[line - 2]} » impossible (attendu 1900 à {last})", line=line, column=column)
    return values


def check_consecutive_years(years: pd.Series, path: Path, column: str) -> None:
    """Every year between the first and the last is present: a year left out of a file where absent
    rows mean zero would otherwise count as a year with nothing."""
    present = set(years.unique())
    gaps = [y for y in range(min(present), max(present) + 1) if y not in present]
    if gaps:
        raise RawDataError(path, f"année(s) {', '.join(map(str, gaps))} absente(s) entre {min(present)} et {max(present)} : "
                                 "les années d'un fichier doivent se suivre", column=column)


def check_at_most(part: pd.Series, whole: pd.Series, df: pd.DataFrame, column: str, path: Path, what: str) -> None:
    """``part`` ≤ ``whole`` on every line (deaths or beneficiaries cannot outnumber the population)."""
    bad = part > whole
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(path, f"{what} ({part.iloc[line - 2]}) supérieur(s) à la population ({whole.iloc[line - 2]})",
                           line=line, column=column)


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
