"""INSEE Filosofi (Fichier localisé social et fiscal): revenus et pauvreté by commune and by the
higher levels INSEE publishes, as downloaded (the zip unpacked).

Three publications are accepted (one reader for all):

* « chiffres clés » ``base-cc-filosofi``: ``cc_filosofi_AAAA_<NIV>.csv`` (2017–2021, one file per level:
  ``COM``, ``EPCI``, ``DEP``, ``REG``, ``METRO``…) with ``CODGEO;NBMENFISC21;NBPERSMENFISC21;MED21;PIMP21;
  TP6021;…``, or ``base-cc-filosofi-AAAA.xlsx`` (the 2014–2016 .xls re-saved as .xlsx: one sheet per level,
  title rows above the header);
* « structure et distribution des revenus »: ``FILOAAAA_DISP_COM.csv`` (``CODGEO;NBMEN19;NBPERS19;NBUC19;
  Q119;Q219;…``, Q2 = the median) and ``FILOAAAA_DISP_PAUVRES_COM.csv`` (``TP6019``…), or their .xlsx (sheet
  ``ENSEMBLE``): the median and the poverty rate are in two files, ``read_filosofi`` combines them;
* Melodi (Filosofi 2 from 2023, and 2021 re-published): ``DS_FILOSOFI_CC_…data.csv``, long
  ``GEO;GEO_OBJECT;FILOSOFI_MEASURE;UNIT_MEASURE;UNIT_MULT;CONF_STATUS;OBS_STATUS;TIME_PERIOD;OBS_VALUE``
  (measures ``MED_SL``, ``PR_MD60``, ``NUM_HH``, ``NUM_PER``, ``NUM_CU``; layout from reusers' code).

The vintage is the two-digit suffix of the variables (``MED21`` → 2021) or ``TIME_PERIOD``. Rates are in
% as published (decimal comma), medians in euros. Secret statistique (``s``, also ``nd``, ``ns``, an empty
cell; in Melodi ``CONF_STATUS`` ``C``) stays missing (NaN): counted in ``attrs["suppressed"]`` and said in
``attrs["details"]``, never filled in. A median is not additive: a territory's value is the one INSEE
publishes for that level (``level`` ``EPCI``, ``DEP``…), not an average of its communes.

The generic helpers (``read_insee_csv``, ``insee_numbers``) serve the census bases as well.
"""

from __future__ import annotations

import codecs
import datetime as dt
import fnmatch
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd

from ..formatting import fr_number
from .errors import RawDataError
from .tables import COMMUNE_CODE, DEPARTEMENT_CODE, restore_leading_zeros
from .workbooks import open_workbook, sheet_table

MISSING_MARKERS = frozenset({"", "s", "nd", "ns", "nc"})
MISSING_TEXT = "« s », « nd », « ns » ou vide (secret statistique)"

# output column → variable stems, suffixed by the two-digit year (base-cc first, then DISP files)
FIELDS = {
    "households": ("NBMENFISC", "NBMEN"),
    "population": ("NBPERSMENFISC", "NBPERS"),
    "consumption_units": ("NBUC",),
    "median_income": ("MED", "Q2"),
    "poverty_rate": ("TP60",),
}
FIELD_LABELS = {
    "households": "ménages fiscaux",
    "population": "personnes des ménages fiscaux",
    "consumption_units": "unités de consommation",
    "median_income": "médiane du niveau de vie",
    "poverty_rate": "taux de pauvreté à 60 %",
}
MELODI_MEASURES = {
    "NUM_HH": "households",
    "NUM_PER": "population",
    "NUM_CU": "consumption_units",
    "MED_SL": "median_income",
    "PR_MD60": "poverty_rate",
}
MELODI_COLUMNS = ["GEO", "GEO_OBJECT", "FILOSOFI_MEASURE", "TIME_PERIOD", "OBS_VALUE"]
UPPER_BOUND = {"poverty_rate": 100.0}
# Published identities that catch a shifted or swapped header: the median lies between the first and the
# ninth decile (the quartiles in the DISP files); the poverty rate, a weighted mean of the rates by age and
# by tenure of the household's reference person, lies between them. field → groups of stems, tolerance.
BRACKETS = {
    "median_income": ((("D1", "D9"), ("Q1", "Q3")), 10.0),
    "poverty_rate": ((tuple(f"TP60AGE{i}" for i in range(1, 7)), ("TP60TOL1", "TP60TOL2")), 0.1),
}
BRACKET_LABELS = {
    "median_income": "entre ses déciles ou quartiles",
    "poverty_rate": "entre ses valeurs par âge ou par statut d'occupation du référent fiscal",
}
KEY = ["level", "code", "year"]
COLUMNS = KEY + list(FIELDS)

LEVEL_LABELS = {
    "COM": "communes",
    "ARM": "arrondissements municipaux",
    "EPCI": "EPCI",
    "ARR": "arrondissements",
    "DEP": "départements",
    "REG": "régions",
    "METRO": "France métropolitaine",
    "FRANCE": "France",
}
LEVEL_SINGULARS = {
    "communes": "commune",
    "arrondissements municipaux": "arrondissement municipal",
    "arrondissements": "arrondissement",
    "départements": "département",
    "régions": "région",
}
LEVEL_SHEETS = ("COM", "ARM", "EPCI", "ARR", "DEP", "REG", "METRO")
CODE_FORMATS = {
    "COM": (COMMUNE_CODE, 5, "code commune INSEE (5 caractères, ex. 01004, 2A004)"),
    "ARM": (COMMUNE_CODE, 5, "code d'arrondissement municipal (5 caractères, ex. 75101)"),
    "DEP": (DEPARTEMENT_CODE, 2, "code de département (01, 2A, 971…)"),
    "REG": (re.compile(r"^\d{2}$"), 2, "code de région (2 chiffres)"),
    "EPCI": (re.compile(r"^(?:\d{9}|Z{9})$"), 9, "numéro SIREN d'EPCI (9 chiffres)"),
}
# Paris, Lyon, Marseille: arrondissement municipal → commune
ARRONDISSEMENTS = {
    **{f"751{i:02d}": "75056" for i in range(1, 21)},
    **{f"6938{i}": "69123" for i in range(1, 10)},
    **{f"132{i:02d}": "13055" for i in range(1, 17)},
}


# --- generic INSEE table helpers (Filosofi and census bases) -------------------------------------------


def _raw_bytes(path: Path) -> bytes:
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    raw = path.read_bytes()
    if not raw.strip():
        raise RawDataError(path, "le fichier est vide")
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in raw[:4096]:
        raise RawDataError(
            path,
            "encodage UTF-16 (export « Texte Unicode » d'Excel ?) : attendu UTF-8 ou ISO-8859-1 ; "
            "réenregistrez le fichier en « CSV UTF-8 »",
        )
    return raw


def _header(path: Path, raw: bytes, sep: str) -> list[str]:
    # Latin-1 decodes any byte: codes and numbers, the only values read, are ASCII in both encodings.
    first = raw.split(b"\n", 1)[0].decode("latin-1").removeprefix("ï»¿").lstrip("\ufeff").rstrip("\r")
    if sep not in first:
        other = next((s for s in (",", "\t", "|") if s in first), None)
        hint = f" (le fichier semble séparé par « {other} »)" if other else ""
        raise RawDataError(path, f"séparateur « {sep} » attendu{hint}", line=1)
    return [c.strip().strip('"').strip() for c in first.split(sep)]


def _check_field_counts(path: Path, raw: bytes, sep: str, expected: int, block: int = 1 << 23) -> None:
    """Every non-blank line has the header's number of fields (pandas would pad or cut them silently).

    Counted by blocks of whole lines, so that a census base of 150 Mo needs no 150 Mo masks."""
    start, first_line = 0, 1
    while start < len(raw):
        end = raw.find(b"\n", min(start + block, len(raw)))
        end = len(raw) if end == -1 else end + 1
        buf = np.frombuffer(raw, dtype=np.uint8, count=end - start, offset=start)
        newlines = np.flatnonzero(buf == 10)
        per_line = np.bincount(np.searchsorted(newlines, np.flatnonzero(buf == ord(sep))), minlength=len(newlines) + 1)
        length = np.diff(np.concatenate([[-1], newlines, [len(buf)]])) - 1
        bad = (per_line != expected - 1) & (length > 1)  # a blank line is empty or a lone \r
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise RawDataError(
                path,
                f"ligne mal formée : {per_line[i] + 1} champ(s) au lieu de {expected} (ceux de l'en-tête)",
                line=first_line + i,
            )
        start, first_line = end, first_line + len(newlines)


def _encoding(raw: bytes) -> str:
    """UTF-8 when the bytes are, else ISO-8859-1: codes and numbers read the same, but a cell quoted in an
    error message (« 19 590 € ») must read as written."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        for start in range(0, len(raw), 1 << 23):  # by blocks: no copy of a 150 Mo base
            decoder.decode(raw[start : start + (1 << 23)])
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return "latin-1"
    return "utf-8"


def read_insee_csv(path: Path, select, sep: str = ";") -> tuple[pd.DataFrame, list[str]]:
    """The columns ``select(header)`` of a ``;``-separated INSEE file, as text, and the header.

    The index is the file's own line number (header = 1); blank lines are skipped. Only the selected
    columns are parsed: a census base has hundreds of variables and tens of megabytes."""
    raw = _raw_bytes(path)
    header = _header(path, raw, sep)
    if len(set(header)) < len(header):
        twice = next(c for c in header if header.count(c) > 1)
        raise RawDataError(path, f"colonne « {twice} » en double dans l'en-tête", line=1)
    columns = select(header)
    _check_field_counts(path, raw, sep, len(header))
    df = pd.read_csv(
        io.BytesIO(raw),
        sep=sep,
        header=0,
        names=header,
        usecols=columns,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=False,
        encoding=_encoding(raw),
    )
    df.index = df.index + 2
    df = df.apply(lambda s: s.str.strip())
    return df[(df != "").any(axis=1)], header


def fail_at(path: Path, df: pd.DataFrame, bad: pd.Series, column: str, problem: str, sheet: str | None = None):
    """Raise for the first True of ``bad``; ``{value}`` in ``problem`` is the cell's text."""
    i = int(np.flatnonzero(bad.to_numpy())[0])
    where = f"feuille « {sheet} » : " if sheet else ""
    raise RawDataError(path, where + problem.format(value=df[column].iloc[i]), line=int(df.index[i]), column=column)


def _number_text(text: pd.Series) -> pd.Series:
    """A published number as Python reads it: spaces (thin, non-breaking) out, decimal comma to point."""
    return text.str.replace(r"[\s\u202f\xa0]", "", regex=True).str.replace(",", ".", regex=False)


def insee_numbers(
    df: pd.DataFrame, column: str, path: Path, high: float | None = None, sheet: str | None = None
) -> pd.Series:
    """A numeric column as published: decimal comma or point, thin spaces; secret markers → NaN.

    Any other text, a negative value or one above ``high`` is an error naming the line and column."""
    text = df[column].str.strip()
    missing = text.str.lower().isin(MISSING_MARKERS)
    cleaned = _number_text(text)
    values = pd.to_numeric(cleaned.where(~missing), errors="coerce").astype(float)
    if (bad := ~np.isfinite(values) & ~missing).any():
        fail_at(path, df, bad, column, f"valeur « {{value}} » : nombre attendu, ou {MISSING_TEXT}", sheet)
    if (bad := values < 0).any():
        fail_at(path, df, bad, column, "valeur « {value} » négative : nombre positif ou nul attendu", sheet)
    if high is not None and (bad := values > high).any():
        fail_at(path, df, bad, column, f"valeur « {{value}} » : au plus {fr_number(high)} attendu (taux en %)", sheet)
    return values


def check_codes(df: pd.DataFrame, column: str, level: str, path: Path, sheet: str | None = None) -> pd.Series:
    """Codes of ``level``, checked; in a workbook (``sheet`` given) the leading zeros Excel dropped from
    numeric codes are put back first (a CSV keeps its text: ``1004`` there is an error to fix)."""
    codes = df[column].str.strip().str.upper()
    if level not in CODE_FORMATS:
        if (bad := codes == "").any():
            fail_at(path, df, bad, column, "code géographique vide", sheet)
        return codes
    pattern, width, expected = CODE_FORMATS[level]
    if sheet is not None:
        codes = restore_leading_zeros(codes, width)
    if (bad := ~codes.str.match(pattern)).any():
        fail_at(
            path, df.assign(**{column: codes}), bad, column, f"code « {{value}} » invalide : {expected} attendu", sheet
        )
    return codes


def check_no_duplicates(df: pd.DataFrame, keys: list[str], path: Path, what: str, sheet: str | None = None) -> None:
    if (dup := df.duplicated(keys)).any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        where = f"feuille « {sheet} » : " if sheet else ""
        raise RawDataError(
            path, f"{where}{what} « {' '.join(map(str, df[keys].iloc[i]))} » en double", line=int(df.index[i])
        )


def arrondissement_parent(codes: pd.Series) -> pd.Series:
    """The commune of Paris, Lyon or Marseille of an arrondissement municipal code, else NaN."""
    return codes.map(ARRONDISSEMENTS)


# --- Filosofi -----------------------------------------------------------------------------------------


def _field_columns(path: Path, header: list[str]) -> tuple[dict[str, str], int]:
    """Output field → column of the file, and the vintage read from the variables' suffix."""
    found, years = {}, set()
    for field, stems in FIELDS.items():
        for stem in stems:
            match = [c for c in header if re.fullmatch(rf"{stem}\d{{2}}", c)]
            if match:
                found[field] = match[0]
                years.add(int(match[0][-2:]))
                break
    if "CODGEO" not in header or not {"median_income", "poverty_rate"} & set(found):
        raise RawDataError(
            path,
            "colonnes Filosofi introuvables : attendu CODGEO et au moins MEDAA ou Q2AA (médiane) ou "
            "TP60AA (taux de pauvreté), AA = millésime sur deux chiffres",
            line=1,
        )
    if len(years) > 1:
        raise RawDataError(
            path,
            f"variables de plusieurs millésimes ({', '.join(found.values())}) : un fichier Filosofi n'en a qu'un",
            line=1,
        )
    return found, 2000 + years.pop()


def _bracket_columns(header: list[str], fields: dict[str, str]) -> dict[str, list[list[str]]]:
    """Field → the groups of columns of the file that bound it (a group counts only when whole)."""
    out = {}
    for field, (groups, _) in BRACKETS.items():
        if field in fields:
            suffix = fields[field][-2:]
            whole = [[stem + suffix for stem in group] for group in groups]
            if present := [cols for cols in whole if all(c in header for c in cols)]:
                out[field] = present
    return out


def _lenient_numbers(text: pd.Series) -> pd.Series:
    """Numbers of a column read only to check another: anything else (secret, text) is NaN, not an error."""
    return pd.to_numeric(_number_text(text.astype(str)), errors="coerce")


def _check_brackets(df: pd.DataFrame, out: pd.DataFrame, path: Path, fields: dict[str, str], sheet: str | None):
    for field, groups in _bracket_columns(list(df.columns), fields).items():
        tolerance = BRACKETS[field][1]
        for group in groups:
            bounds = pd.concat([_lenient_numbers(df[c]) for c in group], axis=1)
            outside = (out[field] < bounds.min(axis=1) - tolerance) | (out[field] > bounds.max(axis=1) + tolerance)
            if (bad := outside & bounds.notna().all(axis=1)).any():
                fail_at(
                    path,
                    df,
                    bad,
                    fields[field],
                    f"valeur « {{value}} » : attendue {BRACKET_LABELS[field]} ({', '.join(group)}) "
                    "— colonnes interverties ou en-tête décalé ?",
                    sheet,
                )


def _level_from_name(path: Path) -> str | None:
    tokens = re.split(r"[_\-\s.]+", path.stem.upper())
    return next((t for t in reversed(tokens) if t in LEVEL_LABELS), None)


def _wide(
    df: pd.DataFrame, path: Path, level: str | None, fields: dict[str, str], year: int, sheet: str | None = None
) -> pd.DataFrame:
    if level is None:  # a file named otherwise: communes if every code is one
        codes = restore_leading_zeros(df["CODGEO"], 5) if sheet is not None else df["CODGEO"]
        if not codes.str.match(COMMUNE_CODE).all():
            raise RawDataError(
                path,
                "niveau géographique introuvable : nommez le fichier comme Insee (…_COM.csv, "
                "…_EPCI.csv, …_DEP.csv, …_REG.csv)",
            )
        level = "COM"
    codes = check_codes(df, "CODGEO", level, path, sheet)
    out = pd.DataFrame({"level": level, "code": codes, "year": year}, index=df.index)
    if level == "COM":
        out.loc[arrondissement_parent(codes).notna(), "level"] = "ARM"
    for field in FIELDS:
        column = fields.get(field)
        out[field] = insee_numbers(df, column, path, UPPER_BOUND.get(field), sheet) if column else np.nan
    check_no_duplicates(out.assign(CODGEO=codes), ["CODGEO"], path, "code", sheet)
    _check_brackets(df, out, path, fields, sheet)
    if (bad := out["population"] < out["households"]).any():
        fail_at(
            path,
            df,
            bad,
            fields["population"],
            "valeur « {value} » : moins de personnes que de ménages fiscaux " + f"({fields['households']})",
            sheet,
        )
    return out.reset_index(drop=True)


def _melodi(path: Path) -> tuple[pd.DataFrame, dict[str, list[str]]]:
    """Wide table, and level → the fields the file has measures for (an absent measure is not secret)."""
    df, header = read_insee_csv(path, lambda h: [c for c in h if c in MELODI_COLUMNS + ["CONF_STATUS"]])
    missing = [c for c in MELODI_COLUMNS if c not in header]
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} (format Melodi attendu : {';'.join(MELODI_COLUMNS)})",
            line=1,
        )
    df = df[df["FILOSOFI_MEASURE"].isin(MELODI_MEASURES)]
    year = pd.to_numeric(df["TIME_PERIOD"].where(df["TIME_PERIOD"].str.fullmatch(r"\d{4}")), errors="coerce")
    if (bad := year.isna() | (year < 1990) | (year > dt.date.today().year)).any():
        fail_at(path, df, bad, "TIME_PERIOD", "année « {value} » invalide (attendu AAAA)")
    field = df["FILOSOFI_MEASURE"].map(MELODI_MEASURES)
    values = pd.Series(np.nan, index=df.index)
    for name in field.unique():
        rows = field == name
        values[rows] = insee_numbers(df[rows], "OBS_VALUE", path, UPPER_BOUND.get(name))
    if "CONF_STATUS" in df:
        values[df["CONF_STATUS"].str.upper() == "C"] = np.nan  # confidential: never used even if a value is written
    level = df["GEO_OBJECT"].str.upper()
    codes = pd.Series("", index=df.index)
    for name in level.unique():
        rows = level == name
        codes[rows] = check_codes(df[rows], "GEO", name, path)
    check_no_duplicates(df.assign(GEO=codes), ["GEO_OBJECT", "GEO", "FILOSOFI_MEASURE", "TIME_PERIOD"], path, "mesure")
    long = pd.DataFrame({"level": level, "code": codes, "year": year.astype(int), "field": field, "value": values})
    wide = long.pivot(index=KEY, columns="field", values="value").reset_index()
    wide.columns.name = None
    return wide.reindex(columns=COLUMNS), {lv: list(f) for lv, f in long.groupby("level")["field"].unique().items()}


def _workbook(path: Path) -> tuple[pd.DataFrame, list[str]]:
    """The level sheets (base-cc-filosofi) or the sheet ENSEMBLE (FILO…_DISP), and the fields given."""
    wb = open_workbook(path)
    try:
        names = wb.sheetnames
        by_level = [n for n in names if n.strip().upper() in LEVEL_SHEETS]
        if by_level:  # base-cc-filosofi: one sheet per level
            sheets = [(n, n.strip().upper()) for n in by_level]
        else:  # FILO…_DISP: the sheet ENSEMBLE (all households), level in the file name
            sheets = [(next((n for n in names if n.strip().upper() == "ENSEMBLE"), names[0]), _level_from_name(path))]
        frames, given = [], set()
        for name, level in sheets:
            df = sheet_table(path, wb, name, ["CODGEO"])
            fields, year = _field_columns(path, list(df.columns))
            frames.append(_wide(df, path, level, fields, year, sheet=name))
            given |= set(fields)
    finally:
        wb.close()
    return pd.concat(frames, ignore_index=True), [f for f in FIELDS if f in given]


def _is_melodi(header: list[str]) -> bool:
    return "FILOSOFI_MEASURE" in header


def read_filosofi_file(path: Path) -> pd.DataFrame:
    """One Filosofi file → ``level, code, year, households, population, consumption_units,
    median_income, poverty_rate`` (NaN where secret or not in the file).

    ``level``: ``COM``, ``ARM`` (arrondissements municipaux), ``EPCI``, ``DEP``, ``REG``, ``METRO``
    (France métropolitaine), or Melodi's ``GEO_OBJECT`` as written (``FRANCE``, zonages…)."""
    path = Path(path)
    by_level: dict[str, list[str]] = {}
    if path.suffix.lower() in (".xlsx", ".xls"):
        out, given = _workbook(path)
    elif _is_melodi(header := _header(path, _raw_bytes(path), ";")):
        out, by_level = _melodi(path)
        given = []
    else:
        fields, year = _field_columns(path, header)
        bounds = [c for groups in _bracket_columns(header, fields).values() for cols in groups for c in cols]
        df, _ = read_insee_csv(path, lambda h: ["CODGEO", *fields.values(), *bounds])
        out = _wide(df, path, _level_from_name(path), fields, year)
        given = list(fields)
    present = out[["level", "year"]].drop_duplicates()
    offered = [(lv, int(yr), f) for lv, yr in present.itertuples(index=False) for f in by_level.get(lv, given)]
    return _described(out, offered, path.name)


def _described(table: pd.DataFrame, offered: list[tuple[str, int, str]], name: str) -> pd.DataFrame:
    """``table`` with ``attrs``: ``offered`` (level, year, field the files give), ``suppressed`` (level →
    field → cells without a value among those) and the French ``details``."""
    table.attrs["offered"] = sorted(set(offered))
    table.attrs["suppressed"] = suppressed_counts(table, table.attrs["offered"])
    given = [f for f in FIELDS if any(o[2] == f for o in offered)]
    table.attrs["details"] = [f"{name} : " + summary(table, given, table.attrs["suppressed"])]
    return table


def suppressed_counts(table: pd.DataFrame, offered: list[tuple[str, int, str]]) -> dict[str, dict[str, int]]:
    """Level → field → rows without a value, among the (level, year, field) a file gives: a field a
    file does not have, or a Melodi measure absent for a level, is not a secret cell."""
    cells = table.melt(id_vars=KEY, value_vars=list(FIELDS), var_name="field")
    cells = cells.merge(pd.DataFrame(offered, columns=["level", "year", "field"]), on=["level", "year", "field"])
    blank = cells["value"].isna().groupby([cells["level"], cells["field"]]).sum()
    return {lv: {f: int(n) for f, n in blank[lv].items()} for lv in blank.index.unique("level")}


def summary(table: pd.DataFrame, given: list[str], suppressed: dict) -> str:
    """French summary: vintage, rows by level, cells without a value (secret) by field."""
    years = ", ".join(map(str, sorted(table["year"].unique())))
    parts = []
    for level, rows in table.groupby("level", sort=False):
        counts = suppressed.get(level, {})
        secret = ", ".join(f"{FIELD_LABELS[f]} {fr_number(counts[f])}" for f in given if counts.get(f))
        label = LEVEL_LABELS.get(level, level)
        parts.append(
            f"{fr_number(len(rows))} {LEVEL_SINGULARS.get(label, label) if len(rows) == 1 else label}"
            + (f" (sans valeur, secret statistique : {secret})" if secret else "")
        )
    absent = [FIELD_LABELS[f] for f in FIELDS if f not in given]
    text = f"Filosofi {years}, " + " ; ".join(parts)
    return text + (f" ; absent(s) du fichier : {', '.join(absent)}" if absent else "")


def read_filosofi(paths: list[Path]) -> pd.DataFrame:
    """Several Filosofi files (levels, vintages, the DISP and DISP_PAUVRES pair) → one row per level,
    code and year; each field from the file that gives it. Two files giving different values for the
    same cell is an error (different geographies?), not a choice made silently."""
    tables = [read_filosofi_file(Path(p)).assign(_file=str(p)) for p in sorted(paths)]
    both = pd.concat(tables, ignore_index=True)
    long = both.melt(id_vars=KEY + ["_file"], value_vars=list(FIELDS), var_name="field").dropna(subset=["value"])
    spread = long.groupby(KEY + ["field"])["value"].agg(["min", "max"])
    if (conflict := spread["min"] != spread["max"]).any():
        level, code, year, field = spread.index[np.flatnonzero(conflict.to_numpy())[0]]
        rows = long[
            (long["level"] == level) & (long["code"] == code) & (long["year"] == year) & (long["field"] == field)
        ]
        files = " et ".join(sorted(Path(f).name for f in rows["_file"].unique()))
        raise RawDataError(
            Path(rows["_file"].iloc[-1]),
            f"{FIELD_LABELS[field]} de {code} ({year}) différent(e) dans {files} "
            "(géographies différentes ?) : ne gardez qu'un des fichiers",
        )
    values = long.groupby(KEY + ["field"])["value"].first().unstack("field")
    out = both[KEY].drop_duplicates().merge(values.reset_index(), on=KEY, how="left").reindex(columns=COLUMNS)
    out = _described(
        out.sort_values(KEY, ignore_index=True), [o for t in tables for o in t.attrs["offered"]], "ensemble"
    )
    out.attrs["details"] = [d for t in tables for d in t.attrs["details"]] + out.attrs["details"]
    return out


def filosofi_communes(table: pd.DataFrame) -> pd.DataFrame:
    """``commune, year, households, population, consumption_units, median_income, poverty_rate``: the
    commune rows; arrondissements municipaux only where their commune is not given (no double count)."""
    rows = table[table["level"].isin(["COM", "ARM"])]
    parent = arrondissement_parent(rows["code"])
    given = pd.MultiIndex.from_frame(rows.loc[rows["level"] == "COM", ["code", "year"]])
    covered = parent.notna() & pd.MultiIndex.from_arrays([parent.fillna(""), rows["year"]]).isin(given)
    out = rows[~covered.to_numpy()].rename(columns={"code": "commune"}).reset_index(drop=True)
    offered = [("COM", yr, f) for lv, yr, f in table.attrs.get("offered", []) if lv in ("COM", "ARM")]
    counted = _described(out.assign(level="COM", code=out["commune"]), offered, "communes")
    out = out.drop(columns="level")
    out.attrs["suppressed"] = counted.attrs["suppressed"].get("COM", {})
    out.attrs["details"] = [counted.attrs["details"][0].removeprefix("communes : ")]
    if covered.any():
        out.attrs["details"].append(
            f"{fr_number(int(covered.sum()))} arrondissements municipaux écartés : leur commune (Paris, Lyon, "
            "Marseille) est donnée"
        )
    return out


def source_kind(columns) -> str | None:
    """The SOURCE_INFO key of a file from its header columns, whatever the vintage."""
    columns = list(columns)
    return next(
        (k["key"] for k in SOURCE_INFO if all(any(fnmatch.fnmatchcase(c, h) for c in columns) for h in k["header"])),
        None,
    )


READER = "diagnostics.sources.filosofi.read_filosofi"
SOURCE_INFO = [
    {
        "key": "filosofi_cc",
        "label": "Filosofi : revenus et pauvreté, chiffres clés (base-cc-filosofi)",
        "publisher": "Insee, « Revenus, pauvreté et niveau de vie » "
        "(base-cc-filosofi-AAAA_CSV.zip → cc_filosofi_AAAA_COM.csv)",
        "use": "niveau de vie médian et taux de pauvreté des communes et des niveaux publiés ; revenu de l'indice FDep",
        "patterns": ("cc_filosofi_[0-9][0-9][0-9][0-9]_*.csv", "base-cc-filosofi-[0-9][0-9][0-9][0-9]*.xlsx"),
        "header": ("CODGEO", "NBMENFISC[0-9][0-9]", "MED[0-9][0-9]"),
        "reader": READER,
    },
    {
        "key": "filosofi_disp",
        "label": "Filosofi : structure et distribution des revenus (FILOAAAA_DISP)",
        "publisher": "Insee, « Structure et distribution des revenus » "
        "(indic-struct-distrib-revenu-AAAA-COMMUNES_csv.zip "
        "→ FILOAAAA_DISP_COM.csv)",
        "use": "niveau de vie médian (Q2) des communes ; revenu de l'indice FDep",
        "patterns": (
            "filo[0-9][0-9][0-9][0-9]_disp_com.csv",
            "filo[0-9][0-9][0-9][0-9]_disp_com.xlsx",
            "filo_disp_com.xlsx",  # 2013, 2015: no year in the name (the .xls re-saved)
        ),
        "header": ("CODGEO", "NBMEN[0-9][0-9]", "Q2[0-9][0-9]"),
        "reader": READER,
    },
    {
        "key": "filosofi_disp_poverty",
        "label": "Filosofi : taux de pauvreté (FILOAAAA_DISP_PAUVRES)",
        "publisher": "Insee, « Structure et distribution des revenus » (même archive → FILOAAAA_DISP_PAUVRES_COM.csv)",
        "use": "taux de pauvreté à 60 % des communes (à donner avec le fichier FILOAAAA_DISP_COM du même millésime)",
        "patterns": (
            "filo[0-9][0-9][0-9][0-9]_disp_pauvres_com.csv",
            "filo[0-9][0-9][0-9][0-9]_disp_pauvres_com.xlsx",
            "filo_disp_pauvres_com.xlsx",
        ),
        "header": ("CODGEO", "TP60[0-9][0-9]"),
        "reader": READER,
    },
    {
        "key": "filosofi_melodi",
        "label": "Filosofi : indicateurs clés au format Melodi (DS_FILOSOFI_CC)",
        "publisher": "Insee, catalogue Melodi, jeu DS_FILOSOFI_CC (…_CSV.zip → DS_FILOSOFI_CC_data.csv)",
        "use": "niveau de vie médian et taux de pauvreté (Filosofi 2 à partir de 2023) ; revenu de l'indice FDep",
        "patterns": ("ds_filosofi_cc*_data.csv",),
        "header": ("GEO", "GEO_OBJECT", "FILOSOFI_MEASURE", "OBS_VALUE"),
        "reader": READER,
    },
]
