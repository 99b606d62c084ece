"""Deaths by medical cause (« causes médicales de décès », Inserm-CépiDc), and the tables that map a
cause code to the report's cause groups and to the avoidable-mortality lists.

Two file kinds are read into the same tidy layout — ``level`` (``COM``/``DEP``/``REG``/``FRANCE``),
``code``, ``year``, ``sex`` (``M``/``F``), ``age_band``, ``cause``, ``deaths`` (nullable integer),
``suppressed`` (the source masked the cell: ``deaths`` is missing) — by département or région of
residence (« domicile »):

1. **The CépiDc open-data export** (:func:`read_cepidc_export`): a table built on
   opendata-cepidc.inserm.fr and exported as CSV, ``;``-separated, one row per cell, header in
   snake_case of the portal's labels (the labels themselves, « Année de décès »…, are accepted too)::

       annee_de_deces;departement_de_domicile;sexe;classe_d_age_de_10_ans;cause_initiale_de_deces;effectif_de_deces
       2022;01;Hommes;65-74;2. Tumeurs;187

   ``region_de_domicile`` replaces the département column for régions; without an area column the
   table is France entière. Values as the portal writes them: sex ``Hommes``/``Femmes``; age classes
   ``< 1``, ``1-4``, ``5-14`` … ``85-94``, ``95p`` (``1-24`` when the portal's « 1-24 » aggregation
   is ticked); causes as « code. libellé » of the CépiDc list (level 1: the 18 chapters ``1.`` … ``18.``
   of the European shortlist, 18 = Covid-19; finer items ``2.1.8``…); areas as codes (``01``, ``2A``,
   ``971``; région ``84``), « code - libellé » or libellé. « Ensemble » rows (both sexes, all ages,
   « toutes causes », « France entière » in an area column) are totals: they are checked against the
   sum of their parts where the parts are complete (a difference is a warning) and are not returned,
   except an area total, returned as the ``FRANCE`` level. Cells the portal masks (empty, ``s``,
   ``c``, ``nd``, ``< 5``…) are returned with ``suppressed`` and no count: the portal's rule for small
   counts is not documented, so they are never read as zero. The layout comes from exports kept by
   reusers (no official file description exists, see the shared format note 11); a portal change
   should fail here with a message naming the column, not give wrong numbers.

2. **The tidy file** ``deces_causes_*.csv`` (:func:`read_cause_deaths`) that ORS and ARS build from
   the individual CépiDc data they obtain under agreement, for communes and finer territories.
   Exact header, ``;``-separated, one row per cell, absent rows meaning zero deaths::

       niveau;code;annee;sexe;classe_age;cause;deces

   ``niveau`` ``COM``, ``DEP``, ``REG`` or ``FRANCE`` (code ``FRANCE``); ``sexe`` ``M``/``F`` (or 1/2);
   ``classe_age`` one of the project's bands ``00-04`` … ``95+`` or other bands written the same way
   (``00-00``, ``01-04``, ``05-14``); ``cause`` an ICD-10 code (``C34``, ``I21.9`` or ``I219``) or a
   CépiDc list code (``2``, ``2.1.8``; ``0`` = all causes); ``deces`` a count or a masked cell.

Age bands: a source band inside one of the project's five-year bands is summed into it when every
source band touching that five-year band lies inside it (CépiDc « < 1 » + « 1-4 » → ``00-04``,
because populations come by five-year band); otherwise the source's band is kept, written the
project's way (``05-14``, ``85-94``, ``95+``, ``00-00`` for under one year). Bands of one file never
overlap (checked).

Cause codes: ICD-10 codes are returned canonical (``I21.9``; a bare category ``C34`` stays ``C34``),
CépiDc list codes without their trailing dot (``2``). :func:`cause_groups_of` and
:func:`avoidable_fractions_of` match codes against ICD-10 ranges on a grid of every four-character
code (range ``C18-C21`` = C18.0 … C21.9, so it holds ``C21.8``); a list code stands for the ICD-10
ranges of :data:`CEPIDC_LIST` (the 18 chapters; finer items, whose ranges are not known here, match
no group). A code counts in a group or a list item only when all of its ICD-10 codes do; a bare
category that the tables split (``K74``, ``A40``) is read as its unspecified subcode (``.9``).
The groups are in ``reference/cause_groups.csv`` (:data:`CAUSE_GROUPS`), the avoidable-mortality
lists in ``reference/avoidable_causes.csv`` (:data:`AVOIDABLE_CAUSES`); both files say their sources
in their header.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..config import AGE_BANDS, FRANCE_CODE
from .errors import RawDataError
from .geography import cog_names
from .population import INSEE_SEX
from .tables import (
    COMMUNE_CODE,
    DEPARTEMENT_CODE,
    calendar_years,
    check_allowed,
    check_consecutive_years,
    first_bad,
    read_delimited,
    read_text,
    restore_leading_zeros,
)

REFERENCE_DIR = Path(__file__).with_name("reference")
CAUSE_GROUPS = REFERENCE_DIR / "cause_groups.csv"
AVOIDABLE_CAUSES = REFERENCE_DIR / "avoidable_causes.csv"

TIDY_COLUMNS = ["niveau", "code", "annee", "sexe", "classe_age", "cause", "deces"]
LEVELS = ("COM", "DEP", "REG", "FRANCE")
OUTPUT_COLUMNS = ["level", "code", "year", "sex", "age_band", "cause", "deaths", "suppressed"]
CELL_KEYS = ["level", "code", "year", "sex", "source_band", "cause"]  # a cell of the file, before bands are merged
INDICATORS = ("preventable", "treatable", "premature_avoidable")

# Level 1 of the CépiDc list = the chapters of the European shortlist (Eurostat), 18 = Covid-19 (the
# portal's label lists the U codes); 0 = all causes. Finer items are not listed: their ranges are in
# the portal's « codes_details », not published as a file.
CEPIDC_LIST = {
    "0": "A00-Y89",
    "1": "A00-B99",
    "2": "C00-D48",
    "3": "D50-D89",
    "4": "E00-E90",
    "5": "F00-F99",
    "6": "G00-H95",
    "7": "I00-I99",
    "8": "J00-J99",
    "9": "K00-K93",
    "10": "L00-L99",
    "11": "M00-M99",
    "12": "N00-N99",
    "13": "O00-O99",
    "14": "P00-P96",
    "15": "Q00-Q99",
    "16": "R00-R99",
    "17": "V01-Y89",
    "18": "U07.1-U07.2, U09.9, U10.9",
}

GRID = 26 * 100 * 10  # every four-character ICD-10 code: letter, two digits, one subdigit
OPEN = 999  # upper bound of an open age band (« 95+ »)
ICD_CODE = re.compile(r"^([A-Z])(\d{2})(?:\.?(\d)(\d?))?[+*†!]?$")
LIST_CODE = re.compile(r"^(\d{1,2}(?:\.\d{1,2})*)\.?$")
RANGE_CODE = re.compile(r"^([A-Z])(\d{2})(?:\.(\d))?$")
SUPPRESSED = re.compile(r"^(?:|s|c|x|nd|n\.d\.?|na|n/a|secret(?: statistique)?|<\s*\d+|-)$", re.IGNORECASE)

SEXES = {
    "m": "M",
    "h": "M",
    "1": "M",
    "homme": "M",
    "hommes": "M",
    "masculin": "M",
    "f": "F",
    "2": "F",
    "femme": "F",
    "femmes": "F",
    "feminin": "F",
}
TOTAL_WORDS = {
    "ensemble",
    "total",
    "tous",
    "toutes",
    "12",
    "t",
    "tous sexes",
    "deux sexes",
    "les deux sexes",
    "tous ages",
    "tout age",
    "tous les ages",
    "ages confondus",
    "toutes causes",
    "ensemble des causes",
    "toutes causes confondues",
    "0",
    "france",
    "france entiere",
}
AREAS_LEFT_OUT = {
    "france metropolitaine",
    "metropole",
    "inconnu",
    "non determine",
    "non renseigne",
    "etranger",
    "hors france",
    "residence inconnue",
    "domicile inconnu",
}


# --- text helpers ------------------------------------------------------------------------------------


def _fold(values: pd.Series) -> pd.Series:
    """Lower case, no accents, one space between words (« Tous âges » → « tous ages »)."""
    text = values.astype(str).str.replace("œ", "oe").str.replace("Œ", "oe").str.replace("’", "'")
    text = text.str.normalize("NFKD").str.encode("ascii", "ignore").str.decode("ascii").str.lower()
    return text.str.replace(r"[\s_]+", " ", regex=True).str.strip()


def _snake(name: str) -> str:
    """« Année de décès » → ``annee_de_deces`` (the portal's CSV header is this form of its labels)."""
    folded = _fold(pd.Series([name])).iloc[0]
    return re.sub(r"[^a-z0-9]+", "_", folded).strip("_")


def _fail(df: pd.DataFrame, bad: pd.Series, column: str, path: Path, expected: str) -> None:
    line = first_bad(bad)
    raise RawDataError(path, f"valeur « {df[column].iloc[line - 2]} » : {expected}", line=line, column=column)


# --- age bands -----------------------------------------------------------------------------------------

_BAND_FORMS = [
    (re.compile(r"^(?:< ?1(?: an)?|moins d.? ?(?:1|un) an|0 an)$"), lambda m: (0, 0)),
    (re.compile(r"^(?:de )?(\d{1,3}) ?(?:-|a) ?(\d{1,3})(?: ans?)?$"), lambda m: (int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{1,3}) ?(?:\+|p|(?:ans? ?)?(?:et|ou) ?(?:\+|plus))$"), lambda m: (int(m[1]), OPEN)),
    (re.compile(r"^(\d{1,3})(?: ans?)?$"), lambda m: (int(m[1]), int(m[1]))),
]


def _one_band(text: str) -> tuple[float, float]:
    for pattern, bounds in _BAND_FORMS:
        if m := pattern.match(text):
            lower, upper = bounds(m)
            return (lower, upper) if lower <= upper else (np.nan, np.nan)
    return np.nan, np.nan


def _band_bounds(labels: pd.Series) -> pd.DataFrame:
    """(lower, upper) of each label (``upper`` = 999 when open); NaN when not an age band. Called on
    distinct labels: a file has a few dozen."""
    bounds = [_one_band(t) for t in _fold(labels)]
    return pd.DataFrame(bounds, columns=["lower", "upper"], index=labels.index, dtype=float)


def _band_label(lower: int, upper: int) -> str:
    return f"{lower:02d}+" if upper >= OPEN else f"{lower:02d}-{upper:02d}"


PROJECT_BANDS = _band_bounds(pd.Series(AGE_BANDS)).astype(int).assign(label=AGE_BANDS)


def _project_or_own_label(bounds: pd.DataFrame) -> pd.Series:
    """The project band holding each source band, when every source band touching that project band
    lies inside it; else the source band's own label."""
    lo, hi = bounds["lower"].to_numpy()[:, None], bounds["upper"].to_numpy()[:, None]
    plo, phi = PROJECT_BANDS["lower"].to_numpy()[None, :], PROJECT_BANDS["upper"].to_numpy()[None, :]
    inside = (plo <= lo) & (hi <= phi)
    touching = (lo <= phi) & (plo <= hi)
    clean = ~(touching & ~inside).any(axis=0)  # project bands no source band straddles
    usable = inside & clean[None, :]
    own = [_band_label(int(a), int(b)) for a, b in zip(bounds["lower"], bounds["upper"])]
    chosen = np.where(usable.any(axis=1), PROJECT_BANDS["label"].to_numpy()[usable.argmax(axis=1)], own)
    return pd.Series(chosen, index=bounds.index)


def _age_bands(df: pd.DataFrame, column: str, path: Path, totals: bool) -> pd.Series:
    """The age band of every row (None on « tous âges » rows when ``totals``), checked."""
    values = df[column]
    distinct = pd.Series(values.unique())
    is_total = _fold(distinct).isin(TOTAL_WORDS) if totals else pd.Series(False, index=distinct.index)
    bounds = _band_bounds(distinct)
    bad = bounds["lower"].isna() & ~is_total
    if bad.any():
        _fail(
            df,
            values.isin(distinct[bad]),
            column,
            path,
            "classe d'âge attendue (ex. 00-04, 95+, « < 1 », « 85-94 », « 95p »)",
        )
    known = ~is_total
    labels = pd.Series(None, index=distinct.index, dtype=object)
    labels[known] = _project_or_own_label(bounds[known].astype(int))
    final = pd.Series(labels[known].unique(), dtype=object)
    final = pd.concat([final.rename("label"), _band_bounds(final)], axis=1).sort_values(["lower", "upper"])
    overlap = final["lower"].to_numpy()[1:] <= final["upper"].to_numpy()[:-1]
    if overlap.any():
        i = int(np.flatnonzero(overlap)[0])
        first, second = final["label"].iloc[i], final["label"].iloc[i + 1]
        mapped = values.map(dict(zip(distinct, labels)))
        line = first_bad(mapped == second)
        raise RawDataError(
            path,
            f"classes d'âge qui se chevauchent : « {first} » et « {second} » ; les classes d'un "
            "fichier doivent former une partition des âges",
            line=line,
            column=column,
        )
    return values.map(dict(zip(distinct, labels)))


def band_bounds(labels) -> pd.DataFrame:
    """``age_band`` (distinct), ``lower``, ``upper`` (999 when open) of age-band labels such as ``00-04``,
    ``05-14``, ``95+``; NaN bounds for what is not an age band."""
    distinct = _distinct(labels)
    return pd.concat([distinct.rename("age_band"), _band_bounds(distinct)], axis=1)


# --- cause codes --------------------------------------------------------------------------------------


def canonical_causes(codes: pd.Series) -> pd.Series:
    """ICD-10 codes as ``I21.9`` / ``C34``, CépiDc list codes as ``2`` / ``2.1.8`` (``02.`` → ``2``);
    None when neither. Worked out once per distinct code."""
    distinct = pd.Series(codes.unique())
    text = distinct.astype(str).str.strip().str.upper()
    icd = text.str.extract(ICD_CODE.pattern)
    as_icd = icd[0] + icd[1] + ("." + icd[2] + icd[3]).where(icd[2].notna(), "")
    as_list = text.str.extract(LIST_CODE.pattern)[0].str.replace(r"(^|\.)0+(?=\d)", r"\1", regex=True)
    canonical = as_icd.where(icd[0].notna(), as_list).astype(object)
    return codes.map(dict(zip(distinct, canonical.where(canonical.notna(), None))))


def _position(letter: str, number: str, sub: str | None) -> int:
    return (ord(letter) - 65) * 1000 + int(number) * 10 + (int(sub) if sub else 0)


def _ranges(text: str) -> list[tuple[int, int]]:
    """``"A15-A19, B90, J65"`` → closed intervals on the grid; ValueError on a malformed item."""
    out = []
    for item in filter(None, (t.strip() for t in str(text).split(","))):
        ends = [RANGE_CODE.match(e.strip()) for e in item.split("-")]
        if len(ends) > 2 or not all(ends):
            raise ValueError(item)
        start, stop = ends[0], ends[-1]
        lo = _position(start[1], start[2], start[3])
        hi = _position(stop[1], stop[2], stop[3]) if stop[3] else _position(stop[1], stop[2], "9")
        if hi < lo:
            raise ValueError(item)
        out.append((lo, hi))
    return out


def _mask(included: str, excluded: str = "") -> np.ndarray:
    mask = np.zeros(GRID, dtype=bool)
    for lo, hi in _ranges(included):
        mask[lo : hi + 1] = True
    for lo, hi in _ranges(excluded or ""):
        mask[lo : hi + 1] = False
    return mask


def _code_intervals(given: pd.Series) -> pd.DataFrame:
    """``cause`` (as given), ``start``, ``stop`` (grid interval), ``bare`` (a three-character ICD
    category): one row per interval, none for codes that are neither ICD-10 nor a known list code."""
    canonical = canonical_causes(given)
    parts = canonical.str.extract(r"^([A-Z])(\d{2})(?:\.(\d))?")
    icd = parts[0].notna()
    starts = [
        _position(a, b, c if isinstance(c, str) else None)
        for a, b, c in zip(parts[0][icd], parts[1][icd], parts[2][icd])
    ]
    rows = [pd.DataFrame({"cause": given[icd], "start": starts, "bare": parts[2][icd].isna()})]
    rows[0]["stop"] = rows[0]["start"] + np.where(rows[0]["bare"], 9, 0)
    for code, key in zip(given[~icd], canonical[~icd]):
        for lo, hi in _ranges(CEPIDC_LIST.get(key, "")) if key in CEPIDC_LIST else []:
            rows.append(pd.DataFrame({"cause": [code], "start": [lo], "stop": [hi], "bare": [False]}))
    return pd.concat(rows, ignore_index=True).astype({"start": np.int64, "stop": np.int64, "bare": bool})


def _values_on(intervals: pd.DataFrame, layers: np.ndarray, causes: pd.Series) -> pd.DataFrame:
    """(causes × layers) value of each layer over each code's intervals; NaN where it varies, and for
    codes without intervals (not a code, or a list item whose ranges are unknown).

    A layer is constant over [start, stop] when none of its change points falls inside; a bare
    category that varies takes its ``.9`` value (the unspecified subcode)."""
    if intervals.empty:
        return pd.DataFrame(np.nan, index=causes, columns=range(len(layers)))
    start, stop, bare = intervals["start"].to_numpy(), intervals["stop"].to_numpy(), intervals["bare"].to_numpy()
    out = np.empty((len(intervals), len(layers)))
    for j, layer in enumerate(layers):  # a handful of layers; each pass is vectorised over every interval
        changes = np.flatnonzero(layer[1:] != layer[:-1])  # the value changes after each of these positions
        varies = np.searchsorted(changes, stop, "left") > np.searchsorted(changes, start, "left")
        value = np.where(varies & bare, layer[stop], layer[start]).astype(float)
        out[:, j] = np.where(varies & ~bare, np.nan, value)
    per_code = pd.DataFrame(out).groupby(intervals["cause"].to_numpy(), sort=False)
    same = per_code.nunique(dropna=False).eq(1).to_numpy()
    first = per_code.first()
    return pd.DataFrame(np.where(same, first.to_numpy(), np.nan), index=first.index).reindex(causes)


# --- reference tables -------------------------------------------------------------------------------------


def _read_reference(path: Path, columns: list[str]) -> pd.DataFrame:
    """A packaged ``;`` table with ``#`` comment lines; ``source_line`` is each row's line in the file."""
    rows, lines = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            rows.append([v.strip() for v in line.split(";")])
            lines.append(number)
    if not rows or rows[0] != columns:
        raise RawDataError(path, f"en-tête attendu : {';'.join(columns)}", line=lines[0] if lines else None)
    width = next((i for i, r in enumerate(rows[1:]) if len(r) != len(columns)), None)
    if width is not None:
        raise RawDataError(path, f"{len(columns)} colonnes attendues", line=lines[width + 1])
    df = pd.DataFrame(rows[1:], columns=columns).assign(source_line=lines[1:])
    for row in df.itertuples():  # a few dozen rows, checked once
        try:
            _ranges(row.cim10), _ranges(row.cim10_exclus)
        except ValueError as exc:
            raise RawDataError(
                path,
                f"plage CIM-10 illisible « {exc} » (attendu C18-C21, I21.9, A40.3-A40.4)",
                line=row.source_line,
                column="cim10",
            ) from None
    return df


@lru_cache(maxsize=1)
def cause_group_table() -> pd.DataFrame:
    """``reference/cause_groups.csv``: group, parent, ICD-10 ranges, exclusions, French label; a
    sub-group lies inside its parent (checked)."""
    df = _read_reference(CAUSE_GROUPS, ["groupe", "groupe_parent", "cim10", "cim10_exclus", "libelle"])
    masks = {g: _mask(inc, exc) for g, inc, exc in zip(df["groupe"], df["cim10"], df["cim10_exclus"])}
    for row in df.itertuples():
        parent = masks.get(row.groupe_parent)
        if row.groupe_parent and (parent is None or (masks[row.groupe] & ~parent).any()):
            raise RawDataError(
                CAUSE_GROUPS,
                f"le groupe « {row.groupe} » doit être inclus dans son groupe parent « {row.groupe_parent} »",
                line=row.source_line,
                column="groupe_parent",
            )
    return df.rename(columns={"groupe": "group", "groupe_parent": "parent", "libelle": "label"})


@lru_cache(maxsize=1)
def avoidable_cause_table() -> pd.DataFrame:
    """``reference/avoidable_causes.csv``: one row per (indicator, item), with its ICD-10 ranges, ages and
    the fraction of a death it counts for; no ICD-10 code counts more than once (checked)."""
    df = _read_reference(
        AVOIDABLE_CAUSES,
        ["indicateur", "rubrique", "cim10", "cim10_exclus", "age_min", "age_max", "fraction", "libelle"],
    )
    unknown = df[~df["indicateur"].isin(INDICATORS)]
    if len(unknown):
        raise RawDataError(
            AVOIDABLE_CAUSES,
            f"indicateur « {unknown['indicateur'].iloc[0]} » inconnu ; attendus : {', '.join(INDICATORS)}",
            line=int(unknown["source_line"].iloc[0]),
            column="indicateur",
        )
    df = df.astype({"age_min": int, "age_max": int, "fraction": float})
    for family in (("preventable", "treatable"), ("premature_avoidable",)):
        over = _fraction_layer(df[df["indicateur"].isin(family)]) > 1 + 1e-9
        if over.any():
            pos = int(np.flatnonzero(over)[0])
            code = f"{chr(65 + pos // 1000)}{pos // 10 % 100:02d}.{pos % 10}"
            raise RawDataError(
                AVOIDABLE_CAUSES, f"le code {code} compte pour plus d'un décès dans « {' + '.join(family)} »"
            )
    return df


# --- public mapping functions ------------------------------------------------------------------------------


def cause_groups_of(codes) -> pd.DataFrame:
    """``cause``, ``group``: every group of ``reference/cause_groups.csv`` each distinct code belongs to
    (a sub-group and its group; a code in no group has no row)."""
    table = cause_group_table()
    causes = _distinct(codes)
    layers = np.stack([_mask(inc, exc) for inc, exc in zip(table["cim10"], table["cim10_exclus"])])
    member = (_values_on(_code_intervals(causes), layers, causes) == 1).to_numpy()
    cause_i, group_i = np.nonzero(member)
    return pd.DataFrame({"cause": causes.to_numpy()[cause_i], "group": table["group"].to_numpy()[group_i]})


def avoidable_fractions_of(codes, ages) -> pd.DataFrame:
    """``cause``, ``age_band``, ``preventable``, ``treatable``, ``premature_avoidable``: the fraction of a
    death that each indicator counts, for every distinct code × every distinct age band (OECD/Eurostat
    2022 list under 75 with a shared cause counting 0.5 + 0.5; French premature avoidable mortality
    under 65). Outside an indicator's ages the fraction is 0; within them it is NaN for a code whose
    ICD-10 codes are not all counted alike (a CépiDc chapter) or that is not a known code.

    Raises ValueError when an age band straddles an age limit of the lists (``70-79``)."""
    table = avoidable_cause_table()
    causes, bands = _distinct(codes), band_bounds(ages)
    if bands["lower"].isna().any():
        raise ValueError(f"classe d'âge illisible : « {bands.loc[bands['lower'].isna(), 'age_band'].iloc[0]} »")
    intervals = _code_intervals(causes)
    out = pd.DataFrame(
        {
            "cause": np.repeat(causes.to_numpy(), len(bands)),
            "age_band": np.tile(bands["age_band"].to_numpy(), len(causes)),
        }
    )
    lower, upper = bands["lower"].to_numpy(), bands["upper"].to_numpy()
    for indicator in INDICATORS:
        total = np.zeros((len(causes), len(bands)))
        rows = table[table["indicateur"] == indicator]
        for (lo, hi), part in rows.groupby(["age_min", "age_max"]):
            straddles = ((lower < lo) & (upper >= lo)) | ((lower <= hi) & (upper > hi))
            if straddles.any():
                raise ValueError(
                    f"classe d'âge « {bands['age_band'][straddles].iloc[0]} » à cheval sur une limite "
                    f"d'âge des listes de mortalité évitable ({lo} à {hi} ans) : regroupez les âges "
                    "autrement"
                )
            values = _values_on(intervals, _fraction_layer(part)[None, :], causes).to_numpy()
            total = total + np.where(((lower >= lo) & (upper <= hi))[None, :], values, 0.0)
        out[indicator] = total.ravel()
    return out


def _fraction_layer(rows: pd.DataFrame) -> np.ndarray:
    """The fraction of a death each ICD-10 code counts for in these rows of the avoidable table."""
    layer = np.zeros(GRID)
    for fraction, included, excluded in zip(rows["fraction"], rows["cim10"], rows["cim10_exclus"]):
        layer += fraction * _mask(included, excluded)
    return layer


def _distinct(values) -> pd.Series:
    """The distinct values of a Series, an array or a list, as objects, in order of appearance."""
    series = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    return pd.Series(series.unique(), dtype=object)


# --- counts ---------------------------------------------------------------------------------------------------


def _death_counts(df: pd.DataFrame, column: str, path: Path) -> tuple[pd.Series, pd.Series]:
    """Counts (nullable integers) and the masked cells; anything else than a count or a mask is an error.
    Worked out on the distinct values (a few thousand at most), then spread to the rows."""
    codes, distinct = pd.factorize(df[column])
    distinct = pd.Series(distinct, dtype=object)
    masked = distinct.str.strip().str.fullmatch(SUPPRESSED.pattern, case=False).fillna(False).astype(bool)
    text = distinct.str.replace(r"[\s\u00a0\u202f]", "", regex=True).str.replace(",", ".", regex=False)
    values = pd.to_numeric(text.where(~masked), errors="coerce")
    bad = ~masked & (values.isna() | (values < 0) | (values != values.round()))
    if bad.any():
        _fail(
            df,
            pd.Series(bad.to_numpy()[codes], index=df.index),
            column,
            path,
            "nombre de décès attendu (entier positif ou nul) ou cellule masquée (vide, « s », « nd », « < 5 »)",
        )
    counts = pd.array(values.round().to_numpy()[codes], dtype="Int64")
    return pd.Series(counts, index=df.index), pd.Series(masked.to_numpy()[codes], index=df.index)


def _finish(out: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows summed over the source bands merged into one band (a masked part masks the sum)."""
    grouped = out.groupby(keys, sort=True, dropna=False)
    result = grouped["deaths"].sum(min_count=1).to_frame()
    result["suppressed"] = grouped["suppressed"].any()
    result.loc[result["suppressed"], "deaths"] = pd.NA
    result = result.reset_index()[OUTPUT_COLUMNS]
    result["year"] = result["year"].astype("int64")
    result["deaths"] = result["deaths"].astype("Int64")
    result["suppressed"] = result["suppressed"].astype(bool)
    return result


def _describe(out: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    masked = int(out["suppressed"].sum())
    if masked:
        warnings.append(
            f"{masked} cellule(s) masquée(s) par la source (secret statistique) : décès inconnus, non comptés à zéro"
        )
    bands = band_bounds(out["age_band"]).sort_values(["lower", "upper"])["age_band"]
    out.attrs["details"] = [f"{out['cause'].nunique()} cause(s), classes d'âge {', '.join(bands)}"]
    out.attrs["warnings"] = warnings
    return out


def _check_unique(df: pd.DataFrame, keys: list[str], path: Path, names: list[str]) -> None:
    """No two rows for the same cell (``names``: the file's columns, for the message)."""
    dup = df.duplicated(keys, keep="first")
    if dup.any():
        raise RawDataError(
            path,
            f"ligne en double pour ({', '.join(names)}) : même cellule qu'une ligne précédente",
            line=first_bad(dup),
        )


# --- the tidy file ----------------------------------------------------------------------------------------------


def _area_codes(df: pd.DataFrame, path: Path) -> pd.Series:
    code = df["code"].copy()
    level = df["niveau"]
    code[level == "COM"] = restore_leading_zeros(code[level == "COM"], 5)
    code[level == "DEP"] = restore_leading_zeros(code[level == "DEP"], 2)
    code[level == "REG"] = restore_leading_zeros(code[level == "REG"], 2)
    valid = (
        ((level == "COM") & code.str.match(COMMUNE_CODE))
        | ((level == "DEP") & code.str.match(DEPARTEMENT_CODE))
        | ((level == "REG") & code.str.fullmatch(r"\d{2}"))
        | ((level == "FRANCE") & (code == FRANCE_CODE))
    )
    if (~valid).any():
        _fail(
            df,
            ~valid,
            "code",
            path,
            "code attendu selon le niveau : commune (01004, 2A004), département (01, 2A, "
            f"971), région (84) ou {FRANCE_CODE}",
        )
    return code


def read_cause_deaths(path: Path) -> pd.DataFrame:
    """The tidy file ``deces_causes_*.csv`` (``niveau;code;annee;sexe;classe_age;cause;deces``):
    level, code, year, sex, age_band, cause, deaths, suppressed."""
    df = read_delimited(path, TIDY_COLUMNS)
    check_allowed(df, "niveau", LEVELS, path)
    check_allowed(df, "sexe", INSEE_SEX, path)
    code = _area_codes(df, path)
    years = calendar_years(df, "annee", path)
    cause = canonical_causes(df["cause"])
    if cause.isna().any():
        _fail(
            df,
            cause.isna(),
            "cause",
            path,
            "code CIM-10 (C34, I21.9, I219) ou code de la liste du CépiDc (2, 2.1.8) attendu",
        )
    out = pd.DataFrame(
        {
            "level": df["niveau"],
            "code": code,
            "year": years,
            "sex": df["sexe"].map(INSEE_SEX),
            "age_band": _age_bands(df, "classe_age", path, totals=False),
            "cause": cause,
        }
    )
    _check_unique(
        out.assign(source_band=df["classe_age"]),
        CELL_KEYS,
        path,
        ["niveau", "code", "annee", "sexe", "classe_age", "cause"],
    )
    out["deaths"], out["suppressed"] = _death_counts(df, "deces", path)
    check_consecutive_years(out["year"], path, "annee")
    warnings = []
    if (cause == "0").any() and (cause != "0").any():
        warnings.append(
            "la cause « 0 » (toutes causes) côtoie d'autres causes : ne pas additionner les causes entre elles"
        )
    return _describe(_finish(out, OUTPUT_COLUMNS[:6]), warnings)


# --- the CépiDc export ------------------------------------------------------------------------------------------

CEPIDC_COLUMNS = {  # role → accepted snake_case names (prefix match for the age class and the area)
    "year": ("annee_de_deces", "annee"),
    "sex": ("sexe",),
    "cause": ("cause_initiale_de_deces", "cause_de_deces", "cause_initiale", "cause"),
    "deaths": ("effectif_de_deces", "nombre_de_deces", "effectif", "deces"),
}


def _cepidc_roles(line: str, sep: str) -> dict[str, str]:
    """Role (year, sex, age, cause, deaths, DEP, REG) → column name as written, from a header line."""
    names = {_snake(n.strip().strip('"')): n.strip().strip('"') for n in line.split(sep)}
    found = {
        role: next(names[o] for o in options if o in names)
        for role, options in CEPIDC_COLUMNS.items()
        if any(o in names for o in options)
    }
    for role, prefixes in (
        ("age", ("classe_d_age", "classe_age", "tranche_d_age")),
        ("DEP", ("departement",)),
        ("REG", ("region",)),
    ):
        match = next((raw for name, raw in names.items() if name.startswith(prefixes)), None)
        if match:
            found[role] = match
    return found


def _cepidc_header(path: Path) -> tuple[str, dict[str, str]]:
    """Separator and role → column name as written."""
    lines = read_text(path).splitlines()
    required = ("year", "sex", "age", "cause", "deaths")
    for number, line in enumerate(lines[:10], start=1):
        for sep in (";", ",", "\t"):
            found = _cepidc_roles(line, sep)
            if set(required) <= found.keys():
                if number > 1:
                    raise RawDataError(
                        path,
                        "ligne(s) de titre au-dessus de l'en-tête : l'en-tête est à la ligne "
                        f"{number} ; supprimez les lignes 1 à {number - 1}",
                        line=1,
                    )
                return sep, found
    found = _cepidc_roles(lines[0], max((";", ",", "\t"), key=lines[0].count))
    names = {
        "year": "annee_de_deces",
        "sex": "sexe",
        "age": "classe_d_age_de_10_ans",
        "cause": "cause_initiale_de_deces",
        "deaths": "effectif_de_deces",
    }
    missing = ", ".join(names[r] for r in required if r not in found)
    raise RawDataError(
        path,
        f"colonne(s) manquante(s) : {missing} ; exportez le tableau du portail avec les "
        "dimensions année, sexe, classe d'âge et cause",
        line=1,
    )


def _plain_words(values: pd.Series) -> pd.Series:
    return _fold(values).str.replace(r"[-']", " ", regex=True).str.replace(r"\s+", " ", regex=True)


@lru_cache(maxsize=2)
def _cog_codes_by_name(level: str) -> dict[str, str]:
    """Département or région names of the COG, as plain words (« cote d or »), → code."""
    names = {c: label for (lv, c), label in cog_names().items() if lv == level}
    return dict(zip(_plain_words(pd.Series(list(names.values()))), names))


def _area_of(df: pd.DataFrame, column: str, level: str, path: Path) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Level, code and « row left out » of every row of the area column (codes, « code - libellé » or libellé)."""
    values = df[column]
    distinct = pd.Series(values.unique())
    folded = _fold(distinct)
    head = distinct.str.extract(r"^\s*(\d{1,3}|2[AaBb])(?:\s*[-–:]\s*\S.*)?$")[0].str.upper()
    code = restore_leading_zeros(head.fillna(""), 2)
    code = code.where(code != "", _plain_words(distinct).map(_cog_codes_by_name(level))).fillna("")
    pattern = DEPARTEMENT_CODE if level == "DEP" else re.compile(r"^\d{2}$")
    is_total, left_out = folded.isin(TOTAL_WORDS), folded.isin(AREAS_LEFT_OUT)
    bad = ~is_total & ~left_out & ~code.str.match(pattern)
    if bad.any():
        what = "département (01, 2A, 971 ou son nom)" if level == "DEP" else "région (84 ou son nom)"
        _fail(df, values.isin(distinct[bad]), column, path, f"code ou nom de {what} attendu")
    lookup = lambda s: values.map(dict(zip(distinct, s)))  # noqa: E731
    return (
        lookup(np.where(is_total, "FRANCE", level)),
        lookup(np.where(is_total, FRANCE_CODE, code)),
        lookup(left_out).astype(bool),
    )


def _cepidc_causes(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """The code heading each cause label (« 2. Tumeurs » → ``2``); None on « toutes causes » rows."""
    values = df[column]
    distinct = pd.Series(values.unique())
    head = distinct.str.extract(r"^\s*(\d{1,2}(?:\.\d{1,2})*\.?|[A-Za-z]\d{2}(?:\.?\d{1,2})?)(?=\s|$|:)")[0]
    code = canonical_causes(head.fillna(""))
    total = _fold(distinct).isin(TOTAL_WORDS) | (code == "0")
    bad = code.isna() & ~total
    if bad.any():
        _fail(
            df,
            values.isin(distinct[bad]),
            column,
            path,
            "libellé de cause précédé de son code attendu (« 2. Tumeurs », « 7. Maladies de l'appareil "
            "circulatoire », « C34 … »)",
        )
    return values.map(dict(zip(distinct, code.where(~total, None))))


def _sexes(df: pd.DataFrame, column: str, path: Path) -> pd.Series:
    """``M``/``F`` of every row, None on « ensemble » rows."""
    distinct = pd.Series(df[column].unique())
    folded = _fold(distinct)
    sex = folded.map(SEXES)
    bad = sex.isna() & ~folded.isin(TOTAL_WORDS)
    if bad.any():
        _fail(
            df, df[column].isin(distinct[bad]), column, path, "sexe attendu : Hommes, Femmes (ou Ensemble, non repris)"
        )
    return df[column].map(dict(zip(distinct, sex.astype(object).where(sex.notna(), None))))


def _total_warnings(cells: pd.DataFrame, dims: list[str]) -> list[str]:
    """« Ensemble » rows (None in one dimension) against the sum of their parts, where the parts are
    complete (both sexes; the 18 chapters of the CépiDc list) and none is masked."""
    complete = {"sex": {"M", "F"}, "cause": {str(i) for i in range(1, 19)}}
    out = []
    for dim, needed in complete.items():
        others = [d for d in dims if d != dim]
        base = cells[cells[others].notna().all(axis=1)]
        totals = base[base[dim].isna() & ~base["suppressed"]].groupby(others)["deaths"].sum()
        detail = base[base[dim].notna()]
        if totals.empty or detail.empty:
            continue
        detail = detail.assign(known=detail[dim].isin(needed))
        parts = detail.groupby(others).agg(
            deaths=("deaths", "sum"), masked=("suppressed", "any"), kinds=(dim, "nunique"), known=("known", "all")
        )
        parts = parts[(parts["kinds"] == len(needed)) & parts["known"] & ~parts["masked"]]
        both = totals.to_frame("total").join(parts, how="inner")
        wrong = both[both["total"] != both["deaths"]]
        if len(wrong):
            key = ", ".join(map(str, np.atleast_1d(wrong.index[0])))
            what = "les deux sexes" if dim == "sex" else "toutes causes"
            out.append(
                f"{len(wrong)} ligne(s) « {what} » différente(s) de la somme de leurs détails, ex. ({key}) "
                f": {wrong['total'].iloc[0]} au lieu de {wrong['deaths'].iloc[0]}"
            )
    return out


def read_cepidc_export(path: Path) -> pd.DataFrame:
    """A CépiDc open-data export (deaths by area of residence × year × sex × age class × cause):
    level, code, year, sex, age_band, cause, deaths, suppressed."""
    sep, col = _cepidc_header(path)
    area_col = col.get("DEP") or col.get("REG")
    wanted = [col[r] for r in ("year", "sex", "age", "cause", "deaths")] + ([area_col] if area_col else [])
    df = read_delimited(path, wanted, sep=sep)
    if area_col:
        level, code, left_out = _area_of(df, area_col, "DEP" if col.get("DEP") else "REG", path)
    else:  # no area dimension: France entière
        level, code = pd.Series("FRANCE", index=df.index), pd.Series(FRANCE_CODE, index=df.index)
        left_out = pd.Series(False, index=df.index)
    cells = pd.DataFrame(
        {
            "level": level,
            "code": code,
            "year": calendar_years(df, col["year"], path),
            "sex": _sexes(df, col["sex"], path),
            "age_band": _age_bands(df, col["age"], path, totals=True),
            "cause": _cepidc_causes(df, col["cause"], path),
        }
    )
    _check_unique(
        cells.assign(source_band=df[col["age"]]),
        CELL_KEYS,
        path,
        [col[r] for r in ("year", "sex", "age", "cause")] + ([area_col] if area_col else []),
    )
    cells["deaths"], cells["suppressed"] = _death_counts(df, col["deaths"], path)
    warnings = _total_warnings(cells[~left_out], ["level", "code", "year", "sex", "age_band", "cause"])
    if left_out.any():
        warnings.append(
            f"{int(left_out.sum())} ligne(s) hors territoire (France métropolitaine, domicile inconnu ou à "
            "l'étranger) non reprises"
        )
    keep = ~left_out & cells[["sex", "age_band", "cause"]].notna().all(axis=1)
    if not keep.any():
        raise RawDataError(
            path, "aucune ligne détaillée par sexe, classe d'âge et cause (seulement des lignes « ensemble »)"
        )
    out = cells[keep]
    check_consecutive_years(out["year"], path, col["year"])
    return _describe(_finish(out, OUTPUT_COLUMNS[:6]), warnings)


SOURCE_INFO = {
    "cepidc_causes": {
        "key": "cepidc_causes",
        "label": "CépiDc : décès par cause, sexe et classe d'âge (export du portail open data)",
        "publisher": "Inserm-CépiDc, opendata-cepidc.inserm.fr (tableau exporté en CSV)",
        "use": "ICM par groupe de causes et mortalité évitable, au département ou à la région de domicile",
        "patterns": ("*cepidc*.csv",),
        "header": ("annee_de_deces", "sexe", "cause_initiale_de_deces", "effectif_de_deces"),
    },
    "cause_deaths": {
        "key": "cause_deaths",
        "label": "Décès par cause, de la commune à la France (format tidy)",
        "publisher": "ORS, ARS (données individuelles du CépiDc sous convention) : "
        "niveau;code;annee;sexe;classe_age;cause;deces",
        "use": "ICM par groupe de causes et mortalité évitable des territoires infra-départementaux",
        "patterns": ("deces_causes_*.csv",),
        "header": tuple(TIDY_COLUMNS),
    },
}
