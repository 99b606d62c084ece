"""INSEE « Fichier des personnes décédées », CSV edition (insee.fr: ``Deces_2020.csv``, ``deces-2020-m01.csv``,
``Deces_2023_M07.csv``…, the names' case and separators vary), read into the same records as the
fixed-width edition ``deces-AAAA.txt`` so that both go through the same aggregation, deduplication
and oppositions (:func:`diagnostics.sources.insee_deaths.aggregate_death_files`).

Layout: ``;``-separated, every field double-quoted, CRLF line ends, UTF-8 (possibly with a BOM) or,
for some files, ISO-8859-1/CP1252; header line::

    "nomprenom";"sexe";"datenaiss";"lieunaiss";"commnaiss";"paysnaiss";"datedeces";"lieudeces";"actedeces"

The fields are those of the fixed-width record, trimmed instead of padded: sex ``1``/``2``, dates
``AAAAMMJJ`` with ``00`` for an unknown part, places as COG codes (``99`` + country abroad), the act
number free text (``8``, ``3-553``, ``15/403``). The file is recognised by its header, whatever its name.

Only the five fields the counts need are converted (sex, birth date, death date, place of death, act
number): names, birth places and labels are never materialised — the records hold personal data.
Each field is turned into the byte matrix the fixed-width reader slices from its lines — padded
with spaces to the fixed width, one byte per character (UTF-8 continuation bytes dropped, as that
reader does) — so that the key of a death (date and place of death, act number) is the same in
both editions and a death found in a ``.txt`` and a ``.csv`` file is counted once.

Checks, as in the fixed-width reader, with the CSV column in the message: sex 1 or 2, dates of
eight digits that exist, death not before birth, and here also a place of death of five characters
(a spreadsheet drops the leading zero of ``01004``) and the nine columns on every line. With
``skip_invalid`` (``invalid_death_records = "ignorer"``) such records are set aside instead, a
malformed date included (INSEE's CSV files hold a few).

Speed: parsed by ``pyarrow.csv`` in parallel blocks into binary columns, then numpy on the whole
columns (no Python loop per line; dates read eight bytes at a time): over a million records a
second, faster than the fixed-width reader on the same records (``benchmarks/benchmark_deaths_csv.py``).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pacsv

from .errors import RawDataError
from .insee_deaths import _dates, _hash
from .insee_deaths import file_order_key as txt_file_order_key
from .tables import check_no_nul

HEADER = (
    "nomprenom",
    "sexe",
    "datenaiss",
    "lieunaiss",
    "commnaiss",
    "paysnaiss",
    "datedeces",
    "lieudeces",
    "actedeces",
)
READ = ("sexe", "datenaiss", "datedeces", "lieudeces", "actedeces")  # names, birth places and labels: never read
WIDTH = {"sexe": 1, "datenaiss": 8, "datedeces": 8, "lieudeces": 5, "actedeces": 9}  # as in the fixed-width record
FILE_NAME = re.compile(r"^deces[-_](\d{4})(?:[-_]m(\d{1,2}))?\.csv$", re.IGNORECASE)
BOM = b"\xef\xbb\xbf"
CONTINUATION = re.compile(rb"[\x80-\xbf]")
ASCII_ZEROS, HIGH_NIBBLES, SIX = 0x3030303030303030, 0xF0F0F0F0F0F0F0F0, 0x0606060606060606


def is_csv_edition(raw: bytes) -> bool:
    """True when the bytes start with the CSV edition's header (quoted or not)."""
    head = raw[:200].removeprefix(BOM).lstrip()
    return head.startswith(b'"nomprenom"') or head.startswith(b"nomprenom;")


def _encoding(raw: bytes) -> str:
    """As the fixed-width reader names it: ``ascii``, ``latin-1``, or ``utf-8`` when a byte 10xxxxxx
    (a UTF-8 continuation byte) occurs — found by a scan that stops at the first one."""
    if raw.isascii():
        return "ascii"
    return "utf-8" if CONTINUATION.search(raw) else "latin-1"


class _LineNumbers:
    """File line of each record, computed only when an error needs one (blank lines skipped, as
    pyarrow and the fixed-width reader skip them; no field holds a line break)."""

    def __init__(self, raw: bytes):
        self.raw, self._lines = raw, None

    def __getitem__(self, i: int) -> int:
        if self._lines is None:
            buf = np.frombuffer(self.raw, dtype=np.uint8)
            ends = np.flatnonzero(buf == 10)
            if len(buf) and buf[-1] != 10:
                ends = np.append(ends, len(buf))
            starts = np.concatenate(([0], ends[:-1] + 1))
            blank = (ends - starts) <= (buf[np.maximum(ends - 1, 0)] == 13)  # empty or a lone CR
            self._lines = np.flatnonzero(~blank)[1:] + 1  # the header is the first non-blank line
        return int(self._lines[i])

    def of_text(self, text: str) -> int | None:
        """The line holding exactly ``text`` (pyarrow numbers rows, not lines)."""
        line = re.escape(text.encode("utf-8", "surrogateescape"))
        found = re.search(rb"(?:^|\n)(" + line + rb")\r?(?:\n|$)", self.raw)
        return self.raw.count(b"\n", 0, found.start(1)) + 1 if found else None


def _read_columns(path: Path, raw: bytes, lines: _LineNumbers) -> pa.Table:
    """The five columns the counts need, as binary (no decoding: bytes are compared as the fixed-width
    reader compares them); the header and the number of fields of every line checked."""
    header = raw[:4096].removeprefix(BOM).split(b"\n", 1)[0].decode("latin-1").rstrip("\r")
    names = [n.strip().strip('"') for n in header.split(";")]
    missing = [c for c in HEADER if c not in names]
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} ; en-tête du fichier des personnes "
            f"décédées (édition CSV) attendu : {';'.join(HEADER)}",
            line=1,
        )
    bad_rows = []

    def bad_row(row):
        bad_rows.append(row)
        return "skip"

    parse = pacsv.ParseOptions(delimiter=";", quote_char='"', double_quote=True, invalid_row_handler=bad_row)
    convert = pacsv.ConvertOptions(include_columns=list(READ), column_types={c: pa.large_binary() for c in READ})
    try:
        table = pacsv.read_csv(pa.BufferReader(raw), parse_options=parse, convert_options=convert)
    except pa.ArrowInvalid as exc:
        raise RawDataError(path, f"fichier CSV illisible ({exc})") from None
    if bad_rows:  # pyarrow numbers rows, not lines: find the line by its text
        line, row = min(((lines.of_text(r.text) or 0, i) for i, r in enumerate(bad_rows)))
        raise RawDataError(
            path,
            f"{bad_rows[row].actual_columns} champ(s) au lieu de {bad_rows[row].expected_columns} "
            "(séparateur « ; », champs entre guillemets)",
            line=line or None,
        )
    return table


def _fixed_width(column: pa.ChunkedArray, width: int, drop_continuation: bool) -> tuple[np.ndarray, np.ndarray]:
    """The (n, width) byte matrix of a column, values left-aligned and padded with spaces (truncated
    past ``width``), and each value's length in characters."""
    arr = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    _, offsets_buf, data_buf = arr.buffers()
    offsets = np.frombuffer(offsets_buf, dtype=np.int64)[arr.offset : arr.offset + len(arr) + 1]
    data = np.frombuffer(data_buf, dtype=np.uint8) if data_buf is not None else np.zeros(0, np.uint8)
    if drop_continuation:  # one byte per character, as the fixed-width reader reads a UTF-8 file
        keep = (data & 0xC0) != 0x80
        if not keep.all():
            kept = np.concatenate(([0], np.cumsum(keep)))
            offsets, data = kept[offsets], data[keep]
    lengths = np.diff(offsets)
    if len(lengths) and (lengths == width).all():  # the usual case for dates, sex and places: already a matrix
        return data[offsets[0] : offsets[-1]].reshape(len(lengths), width), lengths
    out = np.full((len(lengths), width), 32, dtype=np.uint8)
    take = np.minimum(lengths, width)
    for n in np.unique(take[take > 0]):  # at most ``width`` passes, each vectorised over its rows
        rows = np.flatnonzero(take == n)
        out[rows, :n] = data[offsets[rows][:, None] + np.arange(n)]
    return out, lengths


def _eight_digits(mat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """AAAAMMJJ of each row of an (n, 8) byte matrix, and whether the row is eight digits: the eight
    bytes read as one integer and combined pairwise (no (n, 8) integer matrix, which costs more than
    reading the file)."""
    v = np.ascontiguousarray(mat).view("<u8").ravel()
    ok = ((v & HIGH_NIBBLES) == ASCII_ZEROS) & (((v + SIX) & HIGH_NIBBLES) == ASCII_ZEROS)  # each byte 0x30-0x39
    x = np.where(ok, v - ASCII_ZEROS, 0).astype(np.uint64)  # the first digit is the lowest byte
    x = (x * np.uint64(10) + (x >> np.uint64(8))) & np.uint64(0x00FF00FF00FF00FF)  # pairs of digits
    x = (x * np.uint64(100) + (x >> np.uint64(16))) & np.uint64(0x0000FFFF0000FFFF)  # groups of four
    x = (x * np.uint64(10000) + (x >> np.uint64(32))) & np.uint64(0xFFFFFFFF)
    return x.astype(np.int64), ok


def _first(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def records_from_fields(
    sex: np.ndarray,
    birth: np.ndarray,
    death: np.ndarray,
    death_place: np.ndarray,
    act: np.ndarray,
    path: Path,
    lines,
    columns: dict[str, str],
    skip_invalid: bool,
    invalid: np.ndarray,
    encoding: str,
) -> dict:
    """The records :func:`~diagnostics.sources.insee_deaths.aggregate_death_files` aggregates — ``key``,
    ``place``, ``year``, ``sex``, ``age``, ``invalid``, ``encoding`` — from the fields of the
    fixed-width record: ``sex`` (n,) bytes, ``birth`` and ``death`` dates as AAAAMMJJ integers,
    ``death_place`` (n, 13) bytes (death date then place, the key's first part), ``act`` (n, 9) bytes.

    The same steps, checks and conventions as the tail of the fixed-width reader (``_parse``), so that
    both editions give identical arrays — and the step both readers could share; ``columns`` names the
    fields (``sex``, ``birth``, ``death``) in messages and ``invalid`` marks the records already set aside."""
    bad_sex = (sex != ord("1")) & (sex != ord("2"))
    if bad_sex.any() and not skip_invalid:
        i = _first(bad_sex)
        raise RawDataError(
            path, f"sexe « {chr(sex[i])} » : 1 (masculin) ou 2 (féminin) attendu", line=lines[i], column=columns["sex"]
        )
    invalid |= bad_sex
    by, bm, bd = _dates(birth, path, lines, columns["birth"], invalid, skip_invalid)
    dy, dm, dd = _dates(death, path, lines, columns["death"], invalid, skip_invalid)
    age = dy - by - ((dm * 100 + dd) < (bm * 100 + bd))
    known = (by > 0) & (dy > 0)
    negative = known & (age < 0)
    if negative.any() and not skip_invalid:
        raise RawDataError(
            path,
            "date de décès antérieure à la date de naissance",
            line=lines[_first(negative)],
            column=columns["death"],
        )
    invalid |= negative
    return {
        "key": _hash(death_place, act),
        "place": np.pad(death_place[:, 8:], ((0, 0), (0, 3))).view(np.uint64).ravel(),  # 5 bytes as one integer
        "year": dy.astype(np.int16),
        "sex": np.where(sex == ord("1"), 0, 1).astype(np.int8),
        "age": np.where(known & ~invalid, age, -1).astype(np.int16),
        "invalid": invalid,
        "encoding": encoding,
    }


def _check_width(
    mat: np.ndarray,
    lengths: np.ndarray,
    bad: np.ndarray,
    path: Path,
    lines,
    column: str,
    expected: str,
    skip: bool,
    invalid: np.ndarray,
) -> None:
    if bad.any() and not skip:
        i = _first(bad)
        value = mat[i, : max(int(lengths[i]), 0)].tobytes().decode("latin-1")
        raise RawDataError(path, f"« {value} » : {expected}", line=lines[i], column=column)
    invalid |= bad


def parse_csv_edition(path: Path, raw: bytes, skip_invalid: bool = False) -> dict:
    """The records of one CSV-edition file, as the fixed-width reader's ``_parse`` returns them:
    ``key``, ``place``, ``year``, ``sex``, ``age``, ``invalid``, ``encoding``, ``unterminated``, ``lines``."""
    encoding = _encoding(raw)
    lines = _LineNumbers(raw)
    table = _read_columns(path, raw, lines)
    fields = {c: _fixed_width(table.column(c), WIDTH[c], encoding == "utf-8") for c in READ}
    invalid = np.zeros(table.num_rows, dtype=bool)
    (sex, sex_len), (place, place_len) = fields["sexe"], fields["lieudeces"]
    _check_width(
        sex,
        sex_len,
        sex_len != 1,
        path,
        lines,
        "sexe",
        "sexe 1 (masculin) ou 2 (féminin) attendu",
        skip_invalid,
        invalid,
    )
    dates = {}
    for c in ("datenaiss", "datedeces"):
        mat, length = fields[c]
        value, digits = _eight_digits(mat)
        bad = ~digits | (length != 8)
        _check_width(
            mat,
            length,
            bad,
            path,
            lines,
            c,
            "date AAAAMMJJ attendue (8 chiffres, 00 pour une partie inconnue)",
            skip_invalid,
            invalid,
        )
        dates[c] = np.where(bad, 0, value)  # 0: an unknown date, the record is set aside
    bad_place = (place_len != 5) & (place_len != 0)  # empty: five spaces in the fixed-width edition
    _check_width(
        place,
        place_len,
        bad_place,
        path,
        lines,
        "lieudeces",
        "code commune ou pays à 5 caractères attendu (01004, 2A004, 99352 ; zéro initial perdu par un tableur ?)",
        skip_invalid,
        invalid,
    )
    sex_byte = np.where(sex_len == 1, sex[:, 0], np.uint8(ord("?")))
    death_place = np.hstack([fields["datedeces"][0], place])
    records = records_from_fields(
        sex_byte,
        dates["datenaiss"],
        dates["datedeces"],
        death_place,
        fields["actedeces"][0],
        path,
        lines,
        {"sex": "sexe", "birth": "datenaiss", "death": "datedeces"},
        skip_invalid,
        invalid,
        encoding,
    )
    # as the fixed-width reader: the last line number, and a missing final line end (a truncated download)
    records["unterminated"] = not raw.endswith(b"\n")
    records["lines"] = raw.count(b"\n") + (0 if raw.endswith(b"\n") else 1)
    return records


def read_and_parse(path: Path, skip_invalid: bool = False) -> dict:
    """The records of a deaths file of either edition, told apart by content (``deces-AAAA.txt`` is
    fixed width, the CSV edition starts with its header)."""
    from .insee_deaths import _parse

    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise RawDataError(path, "le fichier est vide")
    check_no_nul(raw, path)
    return parse_csv_edition(path, raw, skip_invalid) if is_csv_edition(raw) else _parse(path, raw, skip_invalid)


def file_order_key(path: Path) -> tuple[int, int]:
    """(year, sub-period) of a deaths file of either edition, the yearly file after its monthly ones.

    A CSV file named otherwise than INSEE names them (``export.csv``) is placed by its content: the
    latest month holding at least 1 % of its deaths, and sub-period 99 (a yearly file) when that
    year has ten such months."""
    if path.suffix.lower() != ".csv":
        return txt_file_order_key(path)
    m = FILE_NAME.match(path.name)
    if m:
        return int(m.group(1)), 99 if m.group(2) is None else int(m.group(2))
    raw = path.read_bytes()
    if not is_csv_edition(raw):
        raise RawDataError(
            path,
            'ni fichier des personnes décédées (édition CSV, en-tête "nomprenom";"sexe";…) '
            "ni nom de fichier de l'Insee (deces-AAAA.txt, Deces_AAAA.csv, Deces_AAAA_MMM.csv)",
        )
    mat, lengths = _fixed_width(_read_columns(path, raw, _LineNumbers(raw)).column("datedeces"), 8, False)
    value, digits = _eight_digits(mat)
    ok = digits & (lengths == 8)
    months, counts = np.unique(value[ok] // 100, return_counts=True)
    frequent = months[(counts >= 0.01 * ok.sum()) & (months % 100 > 0)]
    if not len(frequent):
        raise RawDataError(
            path, "aucune date de décès lisible : impossible de situer le fichier dans le temps", column="datedeces"
        )
    year, month = divmod(int(frequent.max()), 100)
    return year, 99 if (frequent // 100 == year).sum() >= 10 else month


SOURCE_INFO = {
    "insee_deaths_csv": {
        "key": "insee_deaths_csv",
        "label": "Fichier des personnes décédées (édition CSV)",
        "publisher": "Insee, insee.fr « Fichiers des personnes décédées depuis 1970 » (Deces_AAAA.csv, "
        "Deces_AAAA_MMM.csv)",
        "use": "décès par commune de décès, sexe et âge (comme deces-AAAA.txt ; les deux éditions sont dédoublonnées "
        "ensemble)",
        "patterns": (
            "deces[-_][0-9][0-9][0-9][0-9].csv",
            "deces[-_][0-9][0-9][0-9][0-9][-_]m[0-9].csv",
            "deces[-_][0-9][0-9][0-9][0-9][-_]m[0-9][0-9].csv",
        ),
        "header": HEADER,
    },
}
