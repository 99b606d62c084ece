"""Shared checks for the delimited raw files: encoding, columns, codes and counts.

Line numbers in messages are the file's own (1 = header), so the user can open the file there.
"""

from __future__ import annotations

import csv
import io
import re
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import RawDataError

# Codes are ASCII ([0-9], not \d, which also takes other scripts' digits) and whole (\Z: « $ » would let a
# final line break through).
COMMUNE_CODE = re.compile(r"^(?:[0-9]{2}|2[AB])[0-9]{3}\Z")
# three-digit codes: overseas (971…976), and the fictional demo région (961…963)
DEPARTEMENT_CODE = re.compile(r"^(?:[0-9]{2}|2[AB]|9[0-9]{2})\Z")
REGION_CODE = re.compile(r"^[0-9]{2}\Z")  # 01 … 94 (and the demo's 96)
EPCI_CODE = re.compile(r"^[0-9]{9}\Z")  # SIREN of the EPCI
# FINESS number: département (01…95, 2A, 2B, 97…, or FINESS's 9A…9F for overseas) and 7 digits
FINESS_NUMBER = re.compile(r"^(?:[0-9]{2}|2[AB]|9[A-F])[0-9]{7}\Z")
FINESS_CATEGORY = re.compile(r"^[0-9]{3}\Z")  # catégorie d'établissement (500 EHPAD…)


UTF8_SEQUENCE = re.compile(rb"[\xc2-\xf4][\x80-\xbf]+")
HEADER_SEARCH_LINES = 10
UTF16_PROBE = 4096  # bytes: a UTF-16 file has NUL bytes from its first characters on

_WARNINGS: ContextVar[list[str] | None] = ContextVar("raw_file_warnings", default=None)


@contextmanager
def collected_warnings():
    """The warnings readers give while this block runs (a line skipped, a file that may be truncated):
    ``--check`` prints them under the file they concern."""
    token = _WARNINGS.set([])
    try:
        yield _WARNINGS.get()
    finally:
        _WARNINGS.reset(token)


def warn(path: Path, problem: str, line: int | None = None, column: str | None = None) -> None:
    """Record a warning about a raw file (kept by :func:`collected_warnings`, else dropped)."""
    collected = _WARNINGS.get()
    if collected is not None:
        collected.append(str(RawDataError(path, problem, line=line, column=column)))


def warn_truncated(path: Path, line: int | None = None) -> None:
    """The file does not end with a line end: its last line may have been cut (an interrupted download)."""
    warn(
        path,
        "la dernière ligne ne se termine pas par un saut de ligne : le fichier est peut-être tronqué "
        "(téléchargement interrompu ?) ; vérifiez cette ligne",
        line=line,
    )


def check_no_nul(raw: bytes, path: Path) -> None:
    """A NUL byte is never text: the file was damaged (a disk, a transfer, a binary editor)."""
    at = raw.find(b"\x00")
    if at >= 0:
        raise RawDataError(
            path,
            "octet nul (0x00) dans le fichier : fichier endommagé (copie, transfert ?) ; téléchargez-le de nouveau",
            line=raw.count(b"\n", 0, at) + 1,
        )


def read_text(path: Path) -> str:
    """Decode a file as UTF-8, falling back on ISO-8859-1 (older official exports).

    UTF-16 (Excel's « Texte Unicode » export) and files mixing both encodings (two exports pasted
    together) are refused: ISO-8859-1 would decode them without error, into wrong names and codes."""
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw.strip():
        raise RawDataError(path, "le fichier est vide")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or raw[:UTF16_PROBE].count(b"\x00") > len(raw[:UTF16_PROBE]) // 4:
        raise RawDataError(
            path,
            "encodage UTF-16 (export « Texte Unicode » d'Excel ?) : attendu UTF-8 ou ISO-8859-1 ; "
            "réenregistrez le fichier en « CSV UTF-8 »",
        )
    check_no_nul(raw, path)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if UTF8_SEQUENCE.search(raw[: exc.start]):
            line = raw.count(b"\n", 0, exc.start) + 1
            raise RawDataError(
                path,
                "mélange d'encodages : cette ligne n'est pas en UTF-8 alors que les précédentes le "
                "sont (fichiers collés bout à bout ?) ; réenregistrez le fichier entier en UTF-8",
                line=line,
            ) from None
    return raw.decode("latin-1")


def read_delimited(path: Path, required: list[str], sep: str = ";", optional: list[str] = ()) -> pd.DataFrame:
    """Read a ';'-separated file with a header, every value as text, and check its columns.

    Every line is a row: a blank line amid the data, a line with more or fewer fields than the header or a
    quoted field running over several lines is refused with its number, so that row i is line i + 2.
    Returns the ``required`` columns and those of ``optional`` that the file has."""
    text = read_text(path)
    if "\r" in text:  # Windows (CRLF) or old Mac (CR) line ends: counted as one line end each
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    header = text[: text.find("\n")] if "\n" in text else text
    if sep not in header:
        other = next((s for s in (",", "\t", "|") if s in header), None)
        hint = f" (le fichier semble séparé par « {other} »)" if other else ""
        raise RawDataError(path, f"séparateur « {sep} » attendu{hint}", line=1)
    try:
        df = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, quoting=csv.QUOTE_MINIMAL)
    except pd.errors.ParserError as exc:
        raise _parser_error(text, str(exc), path) from None
    df.columns = [c.strip() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        header_line = next(
            (
                i
                for i, line in enumerate(text.split("\n")[1:HEADER_SEARCH_LINES], start=2)
                if set(required) <= {c.strip() for c in line.split(sep)}
            ),
            None,
        )
        if header_line:
            raise RawDataError(
                path,
                f"ligne(s) de titre au-dessus de l'en-tête : l'en-tête ({', '.join(required)}) est à la "
                f"ligne {header_line} ; supprimez les lignes 1 à {header_line - 1}",
                line=1,
            )
        raise RawDataError(
            path, f"colonne(s) manquante(s) : {', '.join(missing)} ; colonnes attendues : {', '.join(required)}", line=1
        )
    check_layout(text, len(df), sep, path)
    return df[required + [c for c in optional if c in df.columns]].apply(lambda s: s.str.strip())


def _parser_error(text: str, message: str, path: Path) -> RawDataError:
    """The parser's English message said in French, with the line."""
    fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if fields:
        expected, line, saw = map(int, fields.groups())
        return RawDataError(path, f"{saw} champ(s) au lieu de {expected} (comme l'en-tête)", line=line)
    if "EOF inside string" in message:
        return _unclosed_quote(text, path)
    line = re.search(r"line (\d+)", message)
    return RawDataError(path, f"ligne mal formée ({message})", line=int(line.group(1)) if line else None)


def _unclosed_quote(text: str, path: Path) -> RawDataError:
    line = next((i for i, text_line in enumerate(text.split("\n"), start=1) if text_line.count('"') % 2), None)
    return RawDataError(
        path, "guillemet ouvert et jamais refermé : les lignes suivantes seraient lues comme un seul champ", line=line
    )


BLANK_LINE = re.compile(r"\n[ \t]*\n")


def check_layout(text: str, rows: int, sep: str, path: Path) -> None:
    """One row per line, as many fields on each line as in the header (the parser would silently fill a
    short line with empty fields, or shift every column when all lines end with an extra separator).
    Positions, not copies: a national file is a few hundred megabytes."""
    end = len(text)
    while end and text[end - 1] == "\n":
        end -= 1
    lines = text.count("\n", 0, end) + 1
    blank = BLANK_LINE.search(text, 0, end)
    if blank:
        raise RawDataError(
            path,
            "ligne vide au milieu des données : supprimez-la (deux fichiers collés bout à bout ?)",
            line=text.count("\n", 0, blank.start()) + 2,
        )
    if rows == 0:
        raise RawDataError(path, "aucune ligne de données sous l'en-tête")
    if rows != lines - 1:
        raise _unclosed_quote(text, path)
    if not text.endswith("\n"):
        warn_truncated(path, lines)
    first_end = text.find("\n", 0, end)
    fields = text.count(sep, 0, first_end if first_end >= 0 else end) + 1
    if text.find('"', 0, end) < 0 and text.count(sep, 0, end) == (fields - 1) * lines:
        return  # the usual case, checked without splitting the file into lines
    records = csv.reader(io.StringIO(text[:end]), delimiter=sep)
    fields = len(next(records))
    for n in map(len, records):
        if n != fields:
            raise RawDataError(path, f"{n} champ(s) au lieu de {fields} (comme l'en-tête)", line=records.line_num)


def restore_leading_zeros(series: pd.Series, width: int) -> pd.Series:
    """Leading zeros a spreadsheet dropped from numeric codes, put back (``1001`` → ``01001``)."""
    numeric = series.str.fullmatch(r"\d+")
    return series.where(~numeric, series.str.zfill(width))


def first_bad(mask: pd.Series) -> int | None:
    """File line number of the first True in ``mask`` (header is line 1)."""
    idx = np.flatnonzero(mask.to_numpy())
    return int(idx[0]) + 2 if len(idx) else None


def check_codes(
    df: pd.DataFrame, column: str, pattern: re.Pattern, name: str, expected: str, path: Path, allowed=()
) -> None:
    """Every value of ``column`` matches ``pattern`` or is one of ``allowed``; the message says
    « <name> invalide « value » (attendu <expected>) »."""
    bad = ~(df[column].str.match(pattern) | df[column].isin(list(allowed)))
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path, f"{name} invalide « {df[column].iloc[line - 2]} » (attendu {expected})", line=line, column=column
        )


def check_commune_codes(df: pd.DataFrame, column: str, path: Path) -> None:
    check_codes(df, column, COMMUNE_CODE, "code commune INSEE", "5 caractères, ex. 01004, 2A004", path)


def counts(df: pd.DataFrame, column: str, path: Path, integer: bool = True) -> pd.Series:
    """Convert a count column to numbers; text, negative or (if ``integer``) fractional values are errors."""
    values = pd.to_numeric(df[column].str.replace(",", ".", regex=False), errors="coerce")
    bad = values.isna() | (values < 0) | np.isinf(values)
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
        raise RawDataError(
            path, f"année « {df[column].iloc[line - 2]} » impossible (attendu 1900 à {last})", line=line, column=column
        )
    return values


def check_consecutive_years(years: pd.Series, path: Path, column: str) -> None:
    """Every year between the first and the last is present: a year left out of a file where absent
    rows mean zero would otherwise count as a year with nothing."""
    present = set(years.unique())
    gaps = [y for y in range(min(present), max(present) + 1) if y not in present]
    if gaps:
        raise RawDataError(
            path,
            f"année(s) {', '.join(map(str, gaps))} absente(s) entre {min(present)} et {max(present)} : "
            "les années d'un fichier doivent se suivre",
            column=column,
        )


def check_at_most(part: pd.Series, whole: pd.Series, df: pd.DataFrame, column: str, path: Path, what: str) -> None:
    """``part`` ≤ ``whole`` on every line (deaths or beneficiaries cannot outnumber the population)."""
    bad = part > whole
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path,
            f"{what} ({part.iloc[line - 2]}) supérieur(s) à la population ({whole.iloc[line - 2]})",
            line=line,
            column=column,
        )


def check_allowed(df: pd.DataFrame, column: str, allowed, path: Path) -> None:
    bad = ~df[column].isin(list(allowed))
    if bad.any():
        line = first_bad(bad)
        raise RawDataError(
            path,
            f"valeur « {df[column].iloc[line - 2]} » inattendue ; valeurs acceptées : {', '.join(map(str, allowed))}",
            line=line,
            column=column,
        )


def check_unique(df: pd.DataFrame, keys: list[str], path: Path) -> None:
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        line = first_bad(dup)
        raise RawDataError(path, f"ligne en double pour ({', '.join(keys)})", line=line)
