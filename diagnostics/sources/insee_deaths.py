"""INSEE « Fichier des personnes décédées » (``deces-AAAA.txt``, ``deces-AAAA-mMM.txt``, ``deces-AAAA-tT.txt``;
the CSV edition ``Deces_AAAA.csv`` is parsed by :mod:`.insee_deaths_csv` into the same records and aggregated
here with them: see ``aggregate_death_files``'s ``read``).

Fixed width, no header, no separator, UTF-8 (recent files) or ISO-8859-1 (older ones). Positions
(1-based): name 1–80, sex 81 (1 man, 2 woman), birth date 82–89 (AAAAMMJJ), birth place 90–94,
… death date 155–162, place of death 163–167 (COG code), death certificate number 168–176; some
lines carry trailing characters after 176, which are ignored.

The file places a death where it happened, not where the person lived: counts by commune built from
it are « décès survenus dans la commune ». Records are aggregated on the fly to commune × year × sex ×
five-year age band; no individual record (they hold names) is kept. The same death may appear in
several files (a later file corrects an earlier one): the latest file wins, matched on date and
place of death and certificate number.

Speed matters (≈ 650 000 records per yearly file): lines are sliced as a byte matrix with numpy,
after non-ASCII characters (only in names and place labels) are replaced one-for-one so that byte
positions are character positions.
"""

from __future__ import annotations

import re
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AGE_BANDS
from .errors import RawDataError
from .tables import check_no_nul, warn_truncated

FILE_NAME = re.compile(r"^deces-(\d{4})(?:-([mt])(\d{1,2}))?\.txt$", re.IGNORECASE)
MIN_LENGTH = 167  # up to the place of death; the certificate number may be short or absent
SEX_BIRTH, DEATH_PLACE, ACT = (80, 89), (154, 167), (167, 176)  # sex 80, birth 81–88; death 154–161, place 162–166
ABROAD = b"99"
MAX_AGE = 120


@dataclass
class DeathFileSummary:
    """What was read, for ``--check`` and for the methods note."""

    files: list[str] = field(default_factory=list)
    records: int = 0
    duplicates: int = 0
    kept: int = 0
    unknown_age: int = 0
    abroad: int = 0
    outside_years: int = 0
    oppositions: int = 0
    invalid: int = 0  # set aside with invalid_death_records = "ignorer"
    unknown_year: int = 0  # year of death 0000
    unknown_place: int = 0  # place of death left blank
    unmatched_oppositions: int = 0  # of the years of death read, matching no record
    encodings: set[str] = field(default_factory=set)


def file_order_key(path: Path) -> tuple[int, int]:
    """(year, sub-period): the yearly file after its monthly or quarterly ones."""
    m = FILE_NAME.match(path.name)
    if not m:
        raise RawDataError(
            path, "nom de fichier inattendu (attendu deces-AAAA.txt, deces-AAAA-mMM.txt ou deces-AAAA-tT.txt)"
        )
    sub = 99 if m.group(2) is None else int(m.group(3)) + (0 if m.group(2).lower() == "m" else 50)
    return int(m.group(1)), sub


def _one_byte_per_character(raw: bytes) -> tuple[np.ndarray, str]:
    """The file as bytes where byte positions are character positions, and its encoding.

    In UTF-8 a character is a lead byte and continuation bytes (10xxxxxx): dropping the
    continuation bytes keeps one byte per character. ISO-8859-1 text has no such byte after a
    letter's byte and is one byte per character already.
    """
    buf = np.frombuffer(raw, dtype=np.uint8)
    if raw.isascii():
        return buf, "ascii"
    continuation = (buf & 0xC0) == 0x80
    if not continuation.any():
        return buf, "latin-1"
    return buf[~continuation], "utf-8"


def _lines(buf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ends = np.flatnonzero(buf == 10)
    if len(buf) and buf[-1] != 10:
        ends = np.append(ends, len(buf))
    starts = np.concatenate(([0], ends[:-1] + 1)) if len(ends) else np.zeros(0, np.int64)
    crlf = (ends > starts) & (buf[np.maximum(ends - 1, 0)] == 13)
    return starts, ends - crlf


def _field(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray, bounds: tuple[int, int]) -> np.ndarray:
    """The (n, width) byte matrix of one field; positions past a line's end read as spaces."""
    pos = starts[:, None] + np.arange(bounds[0], bounds[1])
    if bounds[1] <= MIN_LENGTH:  # every line is at least that long (checked)
        return buf[pos]
    return np.where(pos < ends[:, None], buf[np.minimum(pos, len(buf) - 1)], np.uint8(32))


def _digits(mat: np.ndarray, path: Path, lines: np.ndarray, column: str) -> np.ndarray:
    d = mat.astype(np.int64) - 48
    bad = ((d < 0) | (d > 9)).any(axis=1)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise RawDataError(
            path,
            f"« {mat[i].tobytes().decode('ascii', 'replace')} » : date AAAAMMJJ attendue",
            line=int(lines[i]),
            column=column,
        )
    return d @ (10 ** np.arange(d.shape[1] - 1, -1, -1))


def _dates(value: np.ndarray, path: Path, lines: np.ndarray, column: str, invalid: np.ndarray, skip: bool):
    year, month, day = value // 10000, value // 100 % 100, value % 100
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    month_days = np.array([31, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])[np.clip(month, 0, 12)] + (
        leap & (month == 2)
    )
    bad = (month > 12) | (day > month_days)
    if bad.any() and not skip:
        i = int(np.flatnonzero(bad)[0])
        raise RawDataError(
            path,
            f"date impossible « {value[i]:08d} » (mois 01–12, jour existant dans le mois, 00 si inconnu) ; "
            'pour écarter ces enregistrements : invalid_death_records = "ignorer" dans [options] de sources.toml',
            line=int(lines[i]),
            column=column,
        )
    invalid |= bad
    # unknown day → 15, unknown month → 1 July (convention of data.gouv's consolidated file)
    day = np.where(month == 0, 1, np.where(day == 0, 15, day))
    month = np.where(month == 0, 7, month)
    return year, month, day


def _hash(*mats: np.ndarray) -> np.ndarray:
    """64-bit FNV-1a of the concatenated byte fields of each record."""
    h = np.full(mats[0].shape[0], 0xCBF29CE484222325, dtype=np.uint64)
    prime = np.uint64(0x100000001B3)
    with np.errstate(over="ignore"):
        for mat in mats:
            for j in range(mat.shape[1]):
                h = (h ^ mat[:, j].astype(np.uint64)) * prime
    return h


OPPOSITION_COLUMNS = ["Date de décès", "Code du lieu de décès", "Numéro d'acte de décès"]


def read_death_oppositions(path: Path, with_years: bool = False) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """Keys of the records whose reuse was opposed (RGPD; INSEE's oppositions CSV: ``Date de décès;Code
    du lieu de décès;Numéro d'acte de décès``), matched as duplicates are: date + place + certificate;
    ``with_years``: and the year of death of each."""
    from .tables import COMMUNE_CODE, read_delimited

    df = read_delimited(path, OPPOSITION_COLUMNS)
    date = df["Date de décès"].str.replace(r"^(\d{2})/(\d{2})/(\d{4})$", r"\3\2\1", regex=True).str.replace("-", "")
    bad = ~date.str.fullmatch(r"\d{8}")
    place = df["Code du lieu de décès"].str.zfill(5)
    bad_place = ~place.str.match(COMMUNE_CODE)
    # free text in the INSEE file (8, N, 3-553, 15/403): 1 to 9 printable ASCII characters
    bad_act = ~df["Numéro d'acte de décès"].str.fullmatch(r"[!-~][ -~]{0,8}")
    for mask, column, expected in (
        (bad, OPPOSITION_COLUMNS[0], "date AAAAMMJJ ou JJ/MM/AAAA"),
        (bad_place, OPPOSITION_COLUMNS[1], "code commune ou pays à 5 caractères"),
        (bad_act, OPPOSITION_COLUMNS[2], "numéro d'acte de 1 à 9 caractères (lettres, chiffres, - /)"),
    ):
        if mask.any():
            i = int(np.flatnonzero(mask.to_numpy())[0])
            raise RawDataError(path, f"« {df[column].iloc[i]} » : {expected} attendu", line=i + 2, column=column)
    width = ACT[1] - ACT[0]

    def as_matrix(values, n):
        return np.frombuffer("".join(v.ljust(n)[:n] for v in values).encode("latin-1"), dtype=np.uint8).reshape(-1, n)

    keys = _hash(
        as_matrix(date + place, DEATH_PLACE[1] - DEATH_PLACE[0]), as_matrix(df["Numéro d'acte de décès"], width)
    )
    return (keys, date.str[:4].astype(int).to_numpy()) if with_years else keys


def _parse(path: Path, raw: bytes, skip_invalid: bool) -> dict[str, np.ndarray]:
    buf, encoding = _one_byte_per_character(raw)
    starts, ends = _lines(buf)
    keep = ends > starts  # blank lines
    lines = np.flatnonzero(keep) + 1
    starts, ends = starts[keep], ends[keep]
    short = (ends - starts) < MIN_LENGTH
    if short.any():
        i = int(np.flatnonzero(short)[0])
        raise RawDataError(
            path,
            f"ligne tronquée : {int(ends[i] - starts[i])} caractères, au moins {MIN_LENGTH} attendus "
            "(format à largeur fixe de l'Insee)",
            line=int(lines[i]),
        )
    sex_birth = _field(buf, starts, ends, SEX_BIRTH)
    death_place = _field(buf, starts, ends, DEATH_PLACE)
    sex, birth, death, place = sex_birth[:, 0], sex_birth[:, 1:], death_place[:, :8], death_place[:, 8:]
    bad_sex = (sex != ord("1")) & (sex != ord("2"))
    if bad_sex.any() and not skip_invalid:
        i = int(np.flatnonzero(bad_sex)[0])
        raise RawDataError(
            path,
            f"sexe « {chr(sex[i])} » : 1 (masculin) ou 2 (féminin) attendu",
            line=int(lines[i]),
            column="81 (sexe)",
        )
    invalid = bad_sex.copy()
    by, bm, bd = _dates(
        _digits(birth, path, lines, "82-89 (date de naissance)"),
        path,
        lines,
        "82-89 (date de naissance)",
        invalid,
        skip_invalid,
    )
    dy, dm, dd = _dates(
        _digits(death, path, lines, "155-162 (date de décès)"),
        path,
        lines,
        "155-162 (date de décès)",
        invalid,
        skip_invalid,
    )
    age = dy - by - ((dm * 100 + dd) < (bm * 100 + bd))
    known = (by > 0) & (dy > 0)
    negative = known & (age < 0)
    if negative.any() and not skip_invalid:
        i = int(np.flatnonzero(negative)[0])
        raise RawDataError(
            path,
            "date de décès antérieure à la date de naissance",
            line=int(lines[i]),
            column="155-162 (date de décès)",
        )
    invalid |= negative
    invalid |= _check_places(place, path, lines, skip_invalid)
    return {
        "key": _hash(death_place, _field(buf, starts, ends, ACT)),
        "place": np.pad(place, ((0, 0), (0, 3))).view(np.uint64).ravel(),  # 5 bytes as one integer
        "year": dy.astype(np.int16),
        "sex": np.where(sex == ord("1"), 0, 1).astype(np.int8),
        "age": np.where(known & ~invalid, age, -1).astype(np.int16),
        "invalid": invalid,
        "encoding": encoding,
        "unterminated": not raw.endswith(b"\n"),
        "lines": int(lines[-1]),
    }


def _check_places(place: np.ndarray, path: Path, lines: np.ndarray, skip: bool) -> np.ndarray:
    """Places of death that are not a COG code (commune ``01004``, ``2A004``, or ``99`` + country), as a
    mask; refused unless ``skip``. A blank place (unknown) is not invalid: it is counted apart."""
    digit = (place >= ord("0")) & (place <= ord("9"))
    corsica = (place[:, 0] == ord("2")) & np.isin(place[:, 1], [ord("A"), ord("B")])
    valid = (digit[:, :2].all(axis=1) | corsica) & digit[:, 2:].all(axis=1)
    bad = ~valid & ~(place == ord(" ")).all(axis=1)
    if bad.any() and not skip:
        i = int(np.flatnonzero(bad)[0])
        raise RawDataError(
            path,
            f"lieu de décès « {place[i].tobytes().decode('latin-1')} » : code commune du COG (01004, 2A004) "
            "ou 99 + code pays attendu",
            line=int(lines[i]),
            column="163-167 (lieu de décès)",
        )
    return bad


def _place_codes(packed: np.ndarray) -> np.ndarray:
    return np.char.strip(np.ascontiguousarray(packed, dtype=np.uint64).view("S8").astype(str))


def _count(place: np.ndarray, year: np.ndarray, sex: np.ndarray, band: np.ndarray) -> pd.DataFrame:
    """Counts by (place, year, sex, band) as integers, without sorting the records."""
    place_i, codes = pd.factorize(place)
    year_i, year_values = pd.factorize(year)
    n_bands = len(AGE_BANDS)
    key = ((place_i.astype(np.int64) * len(year_values) + year_i) * 2 + sex) * n_bands + band
    counts = np.bincount(key, minlength=len(codes) * len(year_values) * 2 * n_bands)
    combo = np.flatnonzero(counts)
    band_i, rest = combo % n_bands, combo // n_bands
    sex_i, rest = rest % 2, rest // 2
    return pd.DataFrame(
        {
            "place": np.asarray(codes)[rest // len(year_values)],
            "year": np.asarray(year_values)[rest % len(year_values)].astype(np.int64),
            "sex": sex_i,
            "band": band_i,
            "deaths": counts[combo].astype(np.int64),
        }
    )


def _readable(counts: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "commune": _place_codes(counts["place"].to_numpy()),
            "year": counts["year"].to_numpy(),
            "sex": np.where(counts["sex"].to_numpy() == 0, "M", "F"),
            "age_band": np.asarray(AGE_BANDS)[counts["band"].to_numpy()],
            "deaths": counts["deaths"].to_numpy(),
        }
    )


def _read_and_parse(path: Path, skip_invalid: bool) -> dict[str, np.ndarray]:
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw or raw.isspace():
        raise RawDataError(path, "le fichier est vide")
    check_no_nul(raw, path)
    return _parse(path, raw, skip_invalid)


def _parsed_in_order(paths: list[Path], skip_invalid: bool, read=_read_and_parse):
    """(path, parsed records) in order. Two files are parsed ahead, in two threads (numpy releases the
    GIL on its large operations, so both cores work), while the previous one is aggregated; the caller
    drops each result before asking for the next, so memory does not grow with the number of files."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        ahead = deque(pool.submit(read, p, skip_invalid) for p in paths[:2])
        for i, path in enumerate(paths):
            parsed = ahead.popleft().result()
            if i + 2 < len(paths):
                ahead.append(pool.submit(read, paths[i + 2], skip_invalid))
            yield path, parsed
            del parsed


def aggregate_death_files(
    paths: list[Path],
    years: set[int] | None = None,
    skip_invalid: bool = False,
    oppositions: np.ndarray | None = None,
    read=None,
    order_key=None,
) -> tuple[pd.DataFrame, DeathFileSummary]:
    """commune, year, sex, age_band, deaths — deaths by place of death, every file deduplicated, the
    records under opposition (keys from :func:`read_death_oppositions`) left out.

    ``years`` limits the years of death kept, and so the memory used for deduplication, which holds
    one 8-byte key per death kept. ``read`` (path, skip_invalid → records) and ``order_key`` (path →
    (year, sub-period)) default to this module's fixed-width ones; the catalog passes those of
    :mod:`.insee_deaths_csv`, which read both editions (a death in a ``.txt`` and a ``.csv`` counts once).
    """
    summary = DeathFileSummary()
    opposition_years = oppositions["year"].to_numpy() if isinstance(oppositions, pd.DataFrame) else None
    if isinstance(oppositions, pd.DataFrame):
        oppositions = oppositions["key"].to_numpy()
    opposed = pd.Index(np.unique(oppositions if oppositions is not None else np.zeros(0, dtype=np.uint64)))
    matched, years_read = [], set()
    seen = pd.Index(np.zeros(0, dtype=np.uint64))
    parts = []
    read, order_key = read or _read_and_parse, order_key or file_order_key
    for path, r in _parsed_in_order(sorted(paths, key=order_key, reverse=True), skip_invalid, read):
        summary.files.append(path.name)
        if r["unterminated"]:  # said here: the parsing threads do not carry the check's warnings
            warn_truncated(path, r["lines"])
        summary.encodings.add(r["encoding"])
        summary.records += len(r["key"])
        summary.invalid += int(r["invalid"].sum())
        summary.unknown_year += int(((r["year"] == 0) & ~r["invalid"]).sum())
        wanted = (r["year"] > 0) & ~r["invalid"]
        if years is not None:
            inside = np.isin(r["year"], list(years))
            summary.outside_years += int((wanted & ~inside).sum())
            wanted &= inside
        idx = np.flatnonzero(wanted)
        keys = pd.Index(r["key"][idx])
        if len(opposed):
            kept = ~keys.isin(opposed)
            summary.oppositions += len(idx) - int(kept.sum())
            matched.append(keys[~kept].to_numpy())
            years_read |= set(np.unique(r["year"]).tolist())
            idx, keys = idx[kept], keys[kept]
        fresh = ~(keys.duplicated() | keys.isin(seen))
        summary.duplicates += len(idx) - int(fresh.sum())
        idx, keys = idx[fresh], keys[fresh]
        seen = seen.append(keys)
        place, age = r["place"][idx], r["age"][idx]
        abroad = (place & 0xFFFF) == int.from_bytes(ABROAD, "little")
        nowhere = place == int.from_bytes(b" " * 5, "little")
        unknown = (age < 0) | (age > MAX_AGE)
        summary.abroad += int(abroad.sum())
        summary.unknown_place += int(nowhere.sum())
        summary.unknown_age += int((unknown & ~abroad & ~nowhere).sum())
        ok = idx[~abroad & ~nowhere & ~unknown]
        summary.kept += len(ok)
        band = np.minimum(r["age"][ok] // 5, len(AGE_BANDS) - 1)
        parts.append(_count(r["place"][ok], r["year"][ok], r["sex"][ok], band))
        del r
    if len(opposed):  # an opposition matching nothing in the years read: a damaged or mistyped line
        of_years = (
            np.isin(opposition_years, list(years_read))
            if opposition_years is not None
            else np.ones(len(oppositions), bool)
        )
        wanted = pd.Index(np.unique(oppositions[of_years]))
        summary.unmatched_oppositions = len(wanted.difference(pd.Index(np.concatenate(matched)) if matched else []))
    if not parts:
        raise RawDataError(Path("."), "aucun fichier deces-AAAA.txt")
    out = pd.concat(parts, ignore_index=True)
    if len(parts) > 1:
        out = out.groupby(["place", "year", "sex", "band"], as_index=False)["deaths"].sum()
    return _readable(out), summary


def describe_death_files(result) -> tuple[int, list[str], list[str]]:
    """--check: what the deaths files held, what was set aside and why; deaths counted where they occurred."""
    from ..formatting import fr_number as n
    from .describing import describe_table

    table, s = result
    rows, details, warnings = describe_table(table)
    read = (
        f"{n(s.records)} enregistrements lus ({', '.join(sorted(s.encodings))}), {n(s.duplicates)} doublons écartés, "
        f"{n(s.oppositions)} sous opposition retirés, {n(s.abroad)} décès à l'étranger, {n(s.unknown_age)} d'âge "
        "inconnu, "
        f"{n(s.outside_years)} hors des années retenues"
    )
    read += "".join(
        f", {n(count)} {what}"
        for count, what in (
            (s.unknown_year, "d'année de décès inconnue"),
            (s.unknown_place, "de lieu de décès inconnu"),
            (s.invalid, "invalide(s) écarté(s) (invalid_death_records)"),
        )
        if count
    )
    notes = ["décès localisés au lieu de décès, non au domicile : préférez un fichier de décès domiciliés (CépiDc)"]
    if s.unmatched_oppositions:
        notes.append(
            f"{n(s.unmatched_oppositions)} opposition(s) des années lues sans décès correspondant (date, lieu et "
            "numéro d'acte) : vérifiez le fichier des oppositions"
        )
    return rows, [read] + details, notes + warnings
