"""Cnam (data.ameli.fr) « Démographie des professionnels de santé : effectifs et densités »
(dataset ``demographie-effectifs-et-les-densites``, CSV export, ``;``-separated, UTF-8), read into the
number of liberal practitioners by département, year, profession, age band and sex.

The file counts the liberal professionals active on 31 December who received at least 1 € of fees
(« professionnels de santé libéraux »: salaried practitioners are not in it). One row per year
(``annee``, ``2023`` or ``2023-01-01``) × profession (``profession_sante``, a French label) ×
territory (``region``, ``departement``) × age class (``libelle_classe_age``: « moins de 25 ans »,
« de 25 à 29 ans » … « 70 ans et plus », « âge inconnu », total « Tout âge ») × sex (``libelle_sexe``:
« hommes », « femmes », « sexe inconnu », total « tout sexe »), with ``effectif`` and ``densite``.
Aggregated territories are rows too: ``departement`` ``999`` with a région code (région rows, not kept:
they are sums of their départements) or with ``region`` ``99`` (France, kept as ``FRANCE``).

Only the crossed rows (an age band and a sex) are kept; the « Tout âge » × « tout sexe » rows check
them (a difference is a warning). Professions kept (:data:`PROFESSIONS`): « Ensemble des médecins
généralistes » (médecins à expertise particulière included) → ``general_practitioner``, « Ensemble des
médecins spécialistes (hors généralistes) » → ``specialist``, « Infirmiers », « Masseurs-kinésithérapeutes »,
« Ensemble des chirurgiens-dentistes », « Sages-femmes »; the other labels (single specialties,
sub-totals) are counted in the details. Age bands become ``00-24``, ``25-29`` … ``70+``, ``inconnu``;
sexes ``M``, ``F``, ``inconnu``. An empty ``effectif`` (or « NS », secret) is left out and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from ..config import FRANCE_CODE
from ..formatting import fr_number
from .errors import RawDataError
from .tables import DEPARTEMENT_CODE, restore_leading_zeros

REQUIRED = ("annee", "profession_sante", "departement", "libelle_classe_age", "libelle_sexe", "effectif")
OPTIONAL = ("region",)
PROFESSIONS = {
    "Ensemble des médecins généralistes": "general_practitioner",
    "Ensemble des médecins spécialistes (hors généralistes)": "specialist",
    "Infirmiers": "nurse",
    "Masseurs-kinésithérapeutes": "physiotherapist",
    "Ensemble des chirurgiens-dentistes": "dentist",
    "Sages-femmes": "midwife",
}
SEXES = {"hommes": "M", "homme": "M", "femmes": "F", "femme": "F", "sexe inconnu": "inconnu"}
TOTAL_SEXES = {"tout sexe", "tous sexes", "ensemble"}
TOTAL = "total"
UNKNOWN = "inconnu"
AGGREGATE_DEPARTEMENT = "999"
FRANCE_REGION = "99"
SECRET = {"", "NS", "ns", "n.s.", "s"}
OUTPUT_COLUMNS = ["departement_code", "year", "profession", "age_band", "sex", "practitioners"]


def _plain(text: str) -> str:
    """Lower case, no accents, single spaces: labels compared as a reader would."""
    text = unicodedata.normalize("NFKD", str(text).replace("\u00a0", " ").replace("’", "'"))
    return " ".join("".join(c for c in text if not unicodedata.combining(c)).lower().split())


def age_band(label: str) -> str | None:
    """``00-24``, ``25-29`` … ``70+``, ``inconnu`` or ``total`` from an Ameli age label; None if not understood."""
    plain = _plain(label)
    if plain in ("tout age", "tous ages", "ensemble"):
        return TOTAL
    if plain in ("age inconnu", "inconnu"):
        return UNKNOWN
    if m := re.fullmatch(r"moins de (\d+) ans", plain):
        return f"00-{int(m.group(1)) - 1:02d}"
    if m := re.fullmatch(r"de (\d+) a (\d+) ans", plain):
        return f"{int(m.group(1)):02d}-{int(m.group(2)):02d}"
    if m := re.fullmatch(r"(\d+) ans et plus", plain):
        return f"{int(m.group(1))}+"
    return None


def _header(path: Path) -> tuple[str, dict[str, str]]:
    """Separator and lower-case name → name as written."""
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    with open(path, "rb") as f:
        first = f.readline().decode("utf-8", "replace").lstrip("\ufeff").rstrip("\r\n")
    if not first.strip():
        raise RawDataError(path, "le fichier est vide")
    sep = max((";", ",", "\t"), key=first.count)
    names = {n.strip().strip('"').lower(): n for n in first.split(sep)}
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} ; colonnes attendues de l'export "
            f"data.ameli.fr : {', '.join(REQUIRED)}",
            line=1,
        )
    return sep, names


def _read(path: Path, sep: str, names: dict[str, str]) -> pa.Table:
    wanted = [names[c] for c in REQUIRED + OPTIONAL if c in names]
    for encoding in ("utf8", "latin1"):
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=encoding),
                parse_options=pacsv.ParseOptions(delimiter=sep, ignore_empty_lines=False),
                convert_options=pacsv.ConvertOptions(
                    include_columns=wanted,
                    strings_can_be_null=False,
                    column_types={c: pa.dictionary(pa.int32(), pa.string()) for c in wanted},
                ),
            )
            return table.unify_dictionaries()
        except pa.ArrowInvalid as exc:
            if "UTF8" in str(exc) and encoding == "utf8":
                continue
            raise RawDataError(
                path, f"ligne mal formée ({str(exc).splitlines()[0]})", line=_bad_line(path, sep, encoding)
            ) from None
    raise AssertionError("unreachable")


def _bad_line(path: Path, sep: str, encoding: str) -> int | None:
    """The first line whose field count differs from the header's (only when Arrow refused the file)."""
    with open(path, encoding="utf-8" if encoding == "utf8" else "latin-1", errors="replace", newline="") as f:
        rows = csv.reader(f, delimiter=sep)
        width = len(next(rows, []))
        return next((rows.line_num for row in rows if row and len(row) != width), None)


def _column(table: pa.Table, name: str) -> tuple[np.ndarray, pd.Series]:
    """Row codes and the distinct values (stripped) of a dictionary column."""
    column = table.column(name)
    if column.num_chunks == 0:
        return np.zeros(0, np.int64), pd.Series([], dtype=object)
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in column.chunks]).astype(np.int64)
    return codes, pd.Series(column.chunks[0].dictionary.to_pylist(), dtype=object).str.strip()


def _fail(
    path: Path,
    codes: np.ndarray,
    values: pd.Series,
    bad: pd.Series,
    column: str,
    expected: str,
    rows: np.ndarray | None = None,
) -> None:
    hit = bad.to_numpy(dtype=bool)[codes]
    if rows is not None:
        hit &= rows
    if hit.any():
        i = int(np.flatnonzero(hit)[0])
        raise RawDataError(path, f"valeur « {values.iloc[codes[i]]} » : {expected}", line=i + 2, column=column)


def _years(path: Path, codes, values: pd.Series, column: str) -> np.ndarray:
    found = values.str.extract(r"^(?:(\d{4})(?:-\d{2}(?:-\d{2})?(?:T.*)?)?|\d{2}/\d{2}/(\d{4}))$")
    year = pd.to_numeric(found[0].fillna(found[1]), errors="coerce")
    _fail(
        path,
        codes,
        values,
        year.isna() | (year < 1900) | (year > dt.date.today().year),
        column,
        f"année attendue (AAAA ou AAAA-MM-JJ, 1900 à {dt.date.today().year})",
    )
    return year.to_numpy()[codes].astype(np.int64)


def read_ameli_demography(path: Path) -> pd.DataFrame:
    """departement_code (``FRANCE`` for the national rows), year, profession, age_band, sex, practitioners.

    ``attrs``: ``details`` and ``warnings`` (French): rows left out by reason, unknown profession labels,
    totals that differ from the sum of their age × sex rows."""
    path = Path(path)
    sep, names = _header(path)
    table = _read(path, sep, names)
    if table.num_rows == 0:
        raise RawDataError(path, "aucune ligne de données")
    details, warnings = [], []
    year = _years(path, *_column(table, names["annee"]), names["annee"])
    departement, kept = _territories(path, table, names, details, warnings)
    profession = _professions(table, names, kept, details)
    kept &= pd.notna(profession)
    band, sex = _age_and_sex(path, table, names, kept)
    practitioners, known = _counts(path, table, names, kept, warnings)
    columns = {
        "departement_code": departement,
        "year": year,
        "profession": profession,
        "age_band": band,
        "sex": sex,
        "practitioners": practitioners,
        "line": np.arange(len(year)) + 2,
    }
    frame = pd.DataFrame(columns)[kept & known]
    crossed = frame[(frame["age_band"] != TOTAL) & (frame["sex"] != TOTAL)]
    _check_unique(path, crossed)
    warnings += _check_totals(frame, crossed)
    years = ", ".join(map(str, sorted(crossed["year"].unique())))
    details.append(
        f"{fr_number(len(crossed))} ligne(s) âge × sexe retenues, {crossed['departement_code'].nunique()} "
        f"territoire(s), année(s) {years}"
    )
    out = crossed[OUTPUT_COLUMNS].astype({"practitioners": "int64"}).reset_index(drop=True)
    out.attrs.update({"details": details, "warnings": warnings})
    return out


def _territories(path: Path, table: pa.Table, names: dict, details: list, warnings: list):
    """Département code of each row (``FRANCE`` for the national one) and whether it is kept (not a région)."""
    codes, deps = _column(table, names["departement"])
    deps = restore_leading_zeros(deps, 2)
    bad = ~(deps.str.match(DEPARTEMENT_CODE) | (deps == AGGREGATE_DEPARTEMENT))
    _fail(path, codes, deps, bad, names["departement"], "code de département attendu (01, 2A, 971…) ou 999 (total)")
    departement = deps.to_numpy(dtype=object)[codes]
    aggregate = departement == AGGREGATE_DEPARTEMENT
    france = np.zeros(len(departement), bool)
    if "region" in names:
        reg_codes, regs = _column(table, names["region"])
        france = aggregate & (restore_leading_zeros(regs, 2).to_numpy(dtype=object)[reg_codes] == FRANCE_REGION)
    elif aggregate.any():
        warnings.append("colonne « region » absente : lignes « 999 » (région ou France) ignorées")
    if (aggregate & ~france).any():
        details.append(
            f"{fr_number((aggregate & ~france).sum())} ligne(s) de région ignorée(s) (sommes de leurs départements)"
        )
    return np.where(france, FRANCE_CODE, departement), ~aggregate | france


def _professions(table: pa.Table, names: dict, kept: np.ndarray, details: list) -> np.ndarray:
    """Our profession of each row (NaN for the labels not kept, counted in ``details``)."""
    codes, labels = _column(table, names["profession_sante"])
    profession = labels.map(PROFESSIONS).to_numpy(dtype=object)[codes]
    other = pd.isna(profession) & kept
    if other.any():
        details.append(
            f"{fr_number(other.sum())} ligne(s) d'autres professions ou sous-totaux non retenues "
            f"({len(np.unique(codes[other]))} libellé(s))"
        )
    return profession


def _age_and_sex(path: Path, table: pa.Table, names: dict, kept: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    age_codes, ages = _column(table, names["libelle_classe_age"])
    bands = ages.map(age_band)
    expected = (
        "classe d'âge attendue (« moins de 25 ans », « de 25 à 29 ans », « 70 ans et plus », « âge inconnu », "
        "« Tout âge »)"
    )
    _fail(path, age_codes, ages, bands.isna(), names["libelle_classe_age"], expected, rows=kept)
    sex_codes, sexes = _column(table, names["libelle_sexe"])
    plain = sexes.map(_plain)
    values = plain.map(SEXES).where(~plain.isin(TOTAL_SEXES), TOTAL)
    expected = "sexe attendu (« hommes », « femmes », « sexe inconnu », « tout sexe »)"
    _fail(path, sex_codes, sexes, values.isna(), names["libelle_sexe"], expected, rows=kept)
    return bands.to_numpy(dtype=object)[age_codes], values.to_numpy(dtype=object)[sex_codes]


def _counts(path: Path, table: pa.Table, names: dict, kept: np.ndarray, warnings: list):
    """``effectif`` of each row, and whether it is given (empty and « NS » are left out, counted)."""
    codes, text = _column(table, names["effectif"])
    secret = text.isin(SECRET)
    numbers = pd.to_numeric(text.str.replace(",", ".", regex=False).str.replace(" ", "", regex=False), errors="coerce")
    bad = ~secret & (numbers.isna() | (numbers < 0) | (numbers != numbers.round()))
    expected = "effectif entier positif ou nul attendu (ou vide, NS)"
    _fail(path, codes, text, bad, names["effectif"], expected, rows=kept)
    missing = secret.to_numpy(dtype=bool)[codes]
    if (missing & kept).any():
        warnings.append(f"{fr_number((missing & kept).sum())} ligne(s) sans effectif (vide ou « NS ») non retenue(s)")
    return numbers.fillna(0).to_numpy()[codes], ~missing


def _check_unique(path: Path, crossed: pd.DataFrame) -> None:
    dup = crossed.duplicated(["departement_code", "year", "profession", "age_band", "sex"])
    if dup.any():
        row = crossed[dup].iloc[0]
        raise RawDataError(
            path,
            f"ligne en double pour {row['departement_code']}, {row['year']}, {row['profession']}, "
            f"{row['age_band']}, {row['sex']}",
            line=int(row["line"]),
        )


def _check_totals(frame: pd.DataFrame, crossed: pd.DataFrame) -> list[str]:
    """The « Tout âge » × « tout sexe » rows against the sum of their age × sex rows."""
    keys = ["departement_code", "year", "profession"]
    totals = frame[(frame["age_band"] == TOTAL) & (frame["sex"] == TOTAL)].set_index(keys)["practitioners"]
    sums = crossed.groupby(keys)["practitioners"].sum()
    both = totals.index.intersection(sums.index)
    differ = both[(totals.loc[both] - sums.loc[both]).abs().to_numpy() > 0.5]
    out = []
    if len(differ):
        dep, year, prof = differ[0]
        out.append(
            f"{len(differ)} total(aux) « Tout âge, tout sexe » différent(s) de la somme des classes d'âge et sexes "
            f"(premier : {dep}, {year}, {prof} : {fr_number(totals[differ[0]])} contre {fr_number(sums[differ[0]])})"
        )
    only_total = totals.index.difference(sums.index)
    if len(only_total):
        out.append(
            f"{len(only_total)} profession(s) × territoire × année sans détail par âge et sexe (total seul) : "
            "structure par âge inconnue"
        )
    return out


def share_aged_60_plus(df: pd.DataFrame, profession: str = "general_practitioner") -> pd.DataFrame:
    """Share of practitioners aged 60 and over (« part des 60 ans et plus »), by territory and year.

    departement_code, year, practitioners_60_plus, practitioners (of known age), share (%, NaN when none).
    Age bands whose lower bound is ≥ 60 count; « inconnu » is left out of both terms. A band straddling
    60 (e.g. ``55-64``) cannot be split: ValueError."""
    sub = df[(df["profession"] == profession) & (df["age_band"] != UNKNOWN)]
    lower = sub["age_band"].str.extract(r"^(\d+)")[0].astype(int)
    upper = pd.to_numeric(sub["age_band"].str.extract(r"-(\d+)$")[0], errors="coerce")
    straddle = (lower < 60) & (upper >= 60)
    if straddle.any():
        raise ValueError(f"classe d'âge « {sub.loc[straddle, 'age_band'].iloc[0]} » à cheval sur 60 ans")
    sub = sub.assign(old=np.where(lower >= 60, sub["practitioners"], 0))
    out = sub.groupby(["departement_code", "year"], as_index=False).agg(
        practitioners_60_plus=("old", "sum"), practitioners=("practitioners", "sum")
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        out["share"] = np.where(
            out["practitioners"] > 0, 100 * out["practitioners_60_plus"] / out["practitioners"], np.nan
        )
    return out


SOURCE_INFO = {
    "key": "ameli_demography",
    "label": "Démographie des professionnels de santé libéraux : effectifs et densités (Ameli)",
    "publisher": "Cnam, data.ameli.fr « demographie-effectifs-et-les-densites » (export CSV)",
    "use": "structure par âge des médecins généralistes libéraux (part des 60 ans et plus), par département",
    "patterns": ("demographie-effectifs-et-les-densites*.csv", "demographie_effectifs_densites*.csv"),
    "header": ("annee", "profession_sante", "departement", "libelle_classe_age", "libelle_sexe", "effectif"),
}
