"""Cnam monthly « fichiers R » (Statistique mensuelle du régime général, dépenses hors prestations
hospitalières, ``RAAAAMM.csv``, often gzipped) and the RNIAM protected population by département,
sex and age that serves as their denominator.

An R file has one row per combination of care month (``sns_date``), series (``serie``, poste de la
Statistique mensuelle), beneficiary's département of affiliation (``dpt``) and many other axes;
only those four columns and the amount reimbursed (``rem_mon``) are read, streamed in blocks so that
a year of files (≈ 50 million rows) never sits in memory. Series are grouped into the report's
spending items by ``reference/cnam_series_postes.csv`` (cash benefits are not care and are left out).
Amounts may be negative on a row (regularisations); only a département's yearly total must not be.
"""

from __future__ import annotations

import gzip
import io
import re
import zipfile
import zlib
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..formatting import fr_number
from .errors import RawDataError
from .tables import DEPARTEMENT_CODE, read_delimited, read_text, restore_leading_zeros, warn_truncated

SERIES_TABLE = Path(__file__).with_name("reference") / "cnam_series_postes.csv"
R_COLUMNS = ("sns_date", "serie", "dpt", "rem_mon")
UNKNOWN_DEPARTEMENTS = {"99", "999", "00", "000", ""}
# Cnam codes that are not INSEE codes: the Nord is written « 5N » (label « 5-Nord ») in RNIAM extracts.
CNAM_DEPARTEMENTS = {"5N": "59"}
BLOCK_BYTES = 1 << 24


def departement_codes(values: pd.Series) -> pd.Series:
    """INSEE département codes from Cnam ``dpt`` values (``1``, ``01``, ``01-Ain``, ``5N``, ``2A``, ``971``)."""
    upper = values.str.strip().str.upper()
    # « 5-Nord »: the Cnam label of the Nord, whose prefix would otherwise read as 05 (Hautes-Alpes)
    codes = upper.where(~upper.str.startswith("5-NORD"), "59").str.split("-").str[0].replace(CNAM_DEPARTEMENTS)
    return restore_leading_zeros(codes, 2)


@lru_cache(maxsize=1)
def series_items() -> dict[str, str]:
    """Series prefix → spending item (``""``: outside care consumption)."""
    ref = pd.read_csv(SERIES_TABLE, sep=";", dtype=str, comment="#", keep_default_na=False)
    return dict(zip(ref["prefixe_serie"], ref["poste"]))


def item_of_series(codes: pd.Series) -> pd.Series:
    """Spending item of each series code, by the longest matching prefix; NaN when none matches."""
    prefixes = sorted(series_items(), key=len, reverse=True)
    table = series_items()
    found = {c: next((table[p] for p in prefixes if c.startswith(p)), None) for c in pd.unique(codes)}
    return codes.map(found)


def _open(path: Path):
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        members = [n for n in archive.namelist() if not n.endswith("/")]
        if len(members) != 1:
            raise RawDataError(path, f"l'archive doit contenir un seul fichier CSV (elle en contient {len(members)})")
        return archive.open(members[0])
    return gzip.open(path, "rb") if path.suffix.lower() == ".gz" else open(path, "rb")


def _header(path: Path) -> tuple[str, dict[str, str]]:
    """Separator and lower-case name → name as written, from the first line."""
    with _open(path) as f:
        first = f.read(65536)
    if not first.strip():
        raise RawDataError(path, "le fichier est vide")
    line = first.split(b"\n", 1)[0].decode("latin-1").lstrip("\ufeff\xef\xbb\xbf").rstrip("\r")
    sep = max((";", ",", "\t"), key=line.count)
    names = {n.strip().strip('"').lower(): n.strip().strip('"') for n in line.split(sep)}
    missing = [c for c in R_COLUMNS if c not in names]
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} ; un fichier R de la Cnam a au moins "
            f"{', '.join(R_COLUMNS)}",
            line=1,
        )
    return sep, names


def _care_month(values: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Year and month of ``sns_date`` written ``AAAAMM``, ``AAAA-MM(-JJ)``, ``JJ/MM/AAAA`` or ``MM/AAAA``."""
    s = values.str.strip()
    parts = s.str.extract(r"^(?:(?P<y1>\d{4})-?(?P<m1>\d{2})(?:-?\d{2})?|(?:\d{2}/)?(?P<m2>\d{2})/(?P<y2>\d{4}))$")
    year = pd.to_numeric(parts["y1"].fillna(parts["y2"]), errors="coerce")
    month = pd.to_numeric(parts["m1"].fillna(parts["m2"]), errors="coerce")
    month = month.where((month >= 1) & (month <= 12))
    return year, month


def _encoded(batch: pa.RecordBatch, column: str) -> tuple[np.ndarray, pd.Series]:
    """Row codes and the distinct values of a text column: the checks and mappings run on the few
    distinct values, not on the millions of rows."""
    enc = pc.dictionary_encode(pc.utf8_trim_whitespace(batch.column(column)))
    return enc.indices.to_numpy(zero_copy_only=False), pd.Series(enc.dictionary.to_pylist(), dtype=object)


def _block(batch: pa.RecordBatch, path: Path, first_line: int) -> pd.DataFrame:
    def fail(codes, values, bad, column, expected):
        i = int(np.flatnonzero(np.isin(codes, np.flatnonzero(bad.to_numpy())))[0])
        raise RawDataError(path, f"valeur « {values[codes[i]]} » : {expected}", line=first_line + i, column=column)

    date_codes, dates = _encoded(batch, "sns_date")
    year, month = _care_month(dates)
    if year.isna().any() or month.isna().any():
        fail(
            date_codes,
            dates,
            year.isna() | month.isna(),
            "sns_date",
            "mois de soins attendu (AAAAMM, AAAA-MM-JJ ou JJ/MM/AAAA)",
        )
    serie_codes, series = _encoded(batch, "serie")
    item = item_of_series(series)
    if item.isna().any():
        fail(
            serie_codes,
            series,
            item.isna(),
            "serie",
            "série de la Statistique mensuelle inconnue (voir reference/cnam_series_postes.csv)",
        )
    dep_codes, deps = _encoded(batch, "dpt")
    dep = departement_codes(deps.astype(str))
    unknown = dep.isin(UNKNOWN_DEPARTEMENTS)
    if (~unknown & ~dep.str.match(DEPARTEMENT_CODE)).any():
        fail(
            dep_codes,
            deps,
            ~unknown & ~dep.str.match(DEPARTEMENT_CODE),
            "dpt",
            "code de département attendu (01, 2A, 971…)",
        )
    text = pc.replace_substring(pc.utf8_trim_whitespace(batch.column("rem_mon")), ",", ".")
    try:
        amount = pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False)
    except pa.ArrowInvalid:
        values = pd.to_numeric(pd.Series(text.to_pylist()), errors="coerce")
        i = int(np.flatnonzero(values.isna().to_numpy())[0])
        raise RawDataError(
            path,
            f"valeur « {batch.column('rem_mon')[i].as_py()} » : montant remboursé attendu "
            "(nombre, virgule ou point décimal)",
            line=first_line + i,
            column="rem_mon",
        ) from None
    n_serie, n_dep = len(series), len(deps)
    key = (date_codes.astype(np.int64) * n_serie + serie_codes) * n_dep + dep_codes
    size = len(dates) * n_serie * n_dep
    present = np.flatnonzero(np.bincount(key, minlength=size))
    total = np.bincount(key, weights=amount, minlength=size)[present]
    d, rest = np.divmod(present, n_serie * n_dep)
    s, k = np.divmod(rest, n_dep)
    out = pd.DataFrame(
        {
            "year": year.to_numpy()[d].astype("int64"),
            "month": month.to_numpy()[d].astype("int64"),
            "departement_code": dep.where(~unknown, "inconnu").to_numpy()[k],
            "item": item.to_numpy()[s],
            "amount": total,
        }
    )
    return out[out["item"] != ""].groupby(["year", "month", "departement_code", "item"], as_index=False)["amount"].sum()


def _blocks(path: Path, size: int = BLOCK_BYTES):
    """The file's data in pieces of about ``size`` bytes cut at line ends (header skipped). Arrow's own
    streaming reader reads ahead without bound; this keeps memory to a few blocks whatever the file."""
    with _open(path) as f:
        f.readline()
        rest = b""
        while chunk := f.read(size):
            chunk = rest + chunk
            cut = chunk.rfind(b"\n") + 1
            if cut == 0:
                rest = chunk
                continue
            rest = chunk[cut:]
            yield chunk[:cut]
        if rest.strip():
            warn_truncated(path)
            yield rest + b"\n"


def read_r_file(path: Path) -> pd.DataFrame:
    """year, month (of care), departement_code (``inconnu`` when not given), item, amount (rem_mon, €).

    A line repeated word for word is refused (every line of an R file is a distinct combination of its
    axes: a repeated one would count twice), as is a NUL byte or a damaged archive."""
    try:
        return _read_r_file(path)
    except (EOFError, gzip.BadGzipFile, zlib.error, zipfile.BadZipFile) as exc:
        raise RawDataError(
            path, f"fichier compressé endommagé ou tronqué ({exc}) : téléchargez-le de nouveau"
        ) from None


def _read_r_file(path: Path) -> pd.DataFrame:
    sep, names = _header(path)
    columns = list(names.values())
    wanted = [names[c] for c in R_COLUMNS]
    read = pacsv.ReadOptions(column_names=columns, use_threads=True)
    convert = pacsv.ConvertOptions(
        include_columns=wanted,
        column_types={c: pa.string() for c in wanted},
        strings_can_be_null=False,
        quoted_strings_can_be_null=False,
    )
    parts, line, hashes = [], 2, []
    for block in _blocks(path):
        at = block.find(b"\x00")
        if at >= 0:
            raise RawDataError(
                path,
                "octet nul (0x00) dans le fichier : fichier endommagé (copie, transfert ?) ; téléchargez-le de nouveau",
                line=line + block.count(b"\n", 0, at),
            )
        hashes.append(_line_hashes(block))
        try:
            table = pacsv.read_csv(
                pa.py_buffer(block),
                read_options=read,
                parse_options=pacsv.ParseOptions(delimiter=sep),
                convert_options=convert,
            )
        except pa.ArrowInvalid as exc:
            found = re.search(r"[Rr]ow #(\d+)", str(exc))
            raise RawDataError(
                path,
                f"ligne mal formée ({str(exc).splitlines()[0]})",
                line=line + int(found.group(1)) - 1 if found else None,
            ) from None
        batch = pa.RecordBatch.from_arrays(
            [table.column(names[c]).combine_chunks() for c in R_COLUMNS], names=list(R_COLUMNS)
        )
        parts.append(_block(batch, path, line))
        line += block.count(b"\n")
    if not parts:
        raise RawDataError(path, "aucune ligne de données")
    _check_no_repeated_line(np.concatenate(hashes), path)
    out = (
        pd.concat(parts, ignore_index=True)
        .groupby(["year", "month", "departement_code", "item"], as_index=False)["amount"]
        .sum()
    )
    if out["amount"].sum() <= 0:  # a month of care reimbursed for France is billions of euros
        raise RawDataError(
            path,
            f"montant remboursé total du fichier de {fr_number(out['amount'].sum())} € : la colonne rem_mon "
            "est-elle bien celle des montants remboursés (en-tête décalé ?)",
            column="rem_mon",
        )
    return out


BLANK_HASHES = (hash(b""), hash(b"\r"))


def _line_hashes(block: bytes) -> np.ndarray:
    """One hash per line of ``block`` (0 for a blank line, which Arrow skips)."""
    lines = block.split(b"\n")[:-1]
    hashes = np.fromiter(map(hash, lines), dtype=np.int64, count=len(lines))
    hashes[np.isin(hashes, BLANK_HASHES)] = 0
    return hashes


def _check_no_repeated_line(hashes: np.ndarray, path: Path) -> None:
    """``hashes``: one per data line, in file order (line 2 first); two equal hashes are two equal lines
    (64-bit hashes: a chance collision among millions of lines is below one in a billion)."""
    ordered = np.sort(hashes)
    if not ((ordered[1:] == ordered[:-1]) & (ordered[1:] != 0)).any():
        return  # the usual case: one sort, no search
    seen: dict[int, int] = {}
    for i, h in enumerate(hashes.tolist()):
        if h and h in seen:
            raise RawDataError(
                path,
                f"ligne répétée à l'identique (déjà ligne {seen[h] + 2}) : ses montants compteraient deux fois",
                line=i + 2,
            )
        seen.setdefault(h, i)


def read_r_files(paths: list[Path]) -> pd.DataFrame:
    """The R files of a folder summed to year × département × item over the complete care years.

    A monthly file holds care of that month and of earlier months (late claims), so a care year is
    kept when its twelve months appear; the others are reported as warnings. ``attrs`` gives the
    months covered and the amount whose département is unknown.
    """
    stems: dict[str, Path] = {}
    for p in sorted(paths):
        stems[p.name.lower().split(".")[0]] = p  # R202001.csv and R202001.csv.gz: one of them
    monthly = pd.concat([read_r_file(p) for p in stems.values()], ignore_index=True)
    monthly = monthly.groupby(["year", "month", "departement_code", "item"], as_index=False)["amount"].sum()
    months = monthly.groupby("year")["month"].nunique()
    complete = sorted(int(y) for y, n in months.items() if n == 12)
    warnings = [f"année de soins {y} incomplète ({n} mois sur 12) : non utilisée" for y, n in months.items() if n < 12]
    if len(stems) < len(paths):
        warnings.append(f"{len(paths) - len(stems)} fichier(s) en double (même mois, autre compression) ignoré(s)")
    unknown = monthly.loc[monthly["departement_code"] == "inconnu", "amount"].sum()
    if unknown:
        warnings.append(f"{fr_number(unknown)} € sans département d'affiliation : non répartis")
    yearly = monthly[monthly["year"].isin(complete) & (monthly["departement_code"] != "inconnu")]
    yearly = yearly.groupby(["year", "departement_code", "item"], as_index=False)["amount"].sum()
    negative = yearly.groupby(["year", "departement_code"])["amount"].sum()
    if (negative < 0).any():
        year, dep = negative[negative < 0].index[0]
        raise RawDataError(
            Path(paths[0]).parent, f"total annuel négatif des remboursements pour le département {dep} en {year}"
        )
    ym = monthly["year"] * 100 + monthly["month"]
    yearly.attrs["warnings"] = warnings
    yearly.attrs["details"] = [
        f"{len(stems)} fichier(s) mensuel(s), mois de soins {ym.min() % 100:02d}/{ym.min() // 100} à "
        f"{ym.max() % 100:02d}/{ym.max() // 100}, années complètes : "
        f"{', '.join(map(str, complete)) or 'aucune'}"
    ]
    return yearly


RNIAM_BANDS = [f"{a} à {a + 4} ans" for a in range(0, 90, 5)] + ["90 ans et plus"]
RNIAM_AGE_BANDS = [f"{a:02d}-{a + 4:02d}" for a in range(0, 90, 5)] + ["90+"]  # ours, column for column


def read_rniam_population(path: Path) -> pd.DataFrame:
    """RNIAM régime-général protected population: year, departement_code, sex, age_band (``00-04`` … ``90+``), insured.

    The file has two unlabelled blocks of 19 age columns: men, then women (``.1`` suffix); the year
    is the last four-digit group of the file name (``…_nb_2014.csv``). A département served by several
    CPAM (Nord, Pas-de-Calais, Pyrénées-Atlantiques, Seine-Maritime) has one row per CPAM: they are summed.
    """
    years = re.findall(r"(?<!\d)(\d{4})(?!\d)", path.stem)
    if not years:
        raise RawDataError(path, "année introuvable dans le nom du fichier (attendu …_AAAA.csv)")
    text = read_text(path)
    header = text[: text.find("\n")]
    expected = ["l_dpt", "dpt"] + RNIAM_BANDS + [f"{b}.1" for b in RNIAM_BANDS]
    sep = max((",", ";", "\t"), key=header.count)
    try:
        df = read_delimited(path, expected, sep=sep)
    except RawDataError as exc:
        if not exc.problem.startswith("colonne(s) manquante(s)"):
            raise
        missing = exc.problem.split(" : ", 1)[1].split(" ; ")[0].split(", ")
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing[:3])}… ; attendu l_dpt, dpt, puis 19 classes "
            "d'âge pour les hommes et 19 pour les femmes (suffixe .1)",
            line=1,
        ) from None
    order = [c.strip() for c in pd.read_csv(io.StringIO(header), sep=sep, nrows=0).columns]
    late = next((c for before, c in zip(expected[2:], expected[3:]) if order.index(c) < order.index(before)), None)
    if late:  # the blocks are read by name: two swapped headers would swap two age bands without a word
        raise RawDataError(
            path,
            f"colonne « {late} » avant la précédente : les 19 classes d'âge des hommes puis celles des femmes "
            "sont attendues dans l'ordre des âges",
            line=1,
            column=late,
        )
    dep = departement_codes(df["dpt"])
    bad = ~dep.str.match(DEPARTEMENT_CODE)
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        raise RawDataError(
            path,
            f"code de département « {df['dpt'].iloc[i]} » invalide (attendu 01, 2A, 971…)",
            line=i + 2,
            column="dpt",
        )
    if df.duplicated().any():
        i = int(np.flatnonzero(df.duplicated().to_numpy())[0])
        raise RawDataError(path, "ligne répétée à l'identique", line=i + 2)
    frames = []
    for sex, suffix in (("M", ""), ("F", ".1")):
        for label, band in zip(RNIAM_BANDS, RNIAM_AGE_BANDS):
            column = label + suffix
            values = pd.to_numeric(df[column].str.replace(",", "."), errors="coerce")
            bad = values.isna() | (values < 0) | (values != values.round())
            if bad.any():
                i = int(np.flatnonzero(bad.to_numpy())[0])
                raise RawDataError(
                    path,
                    f"valeur « {df[column].iloc[i]} » : effectif entier positif attendu",
                    line=i + 2,
                    column=column,
                )
            frames.append(
                pd.DataFrame({"departement_code": dep, "sex": sex, "age_band": band, "insured": values.astype("int64")})
            )
    out = (
        pd.concat(frames, ignore_index=True)
        .groupby(["departement_code", "sex", "age_band"], as_index=False)["insured"]
        .sum()
    )
    out = out.assign(year=int(years[-1]))[["year", "departement_code", "sex", "age_band", "insured"]]
    several = dep[dep.duplicated()].unique()
    if len(several):
        out.attrs["details"] = [
            f"départements servis par plusieurs CPAM (lignes additionnées) : {', '.join(sorted(several))}"
        ]
    return out
