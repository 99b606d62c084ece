"""Annuaire santé (ANS) open extraction « PS_LibreAcces » : the activities of health professionals
(``PS_LibreAcces_Personne_activite_AAAAMMJJHHMM.txt``, or the zip as downloaded), read into the number of
practitioners by commune of exercise, profession and mode of exercise (« effectifs de professionnels de
santé par commune d'exercice », table ``health_professionals``).

Layout. Text, ``|``-separated, no quoting, one header line, every line ending with a ``|`` (one field more
than names); UTF-8 (ISO-8859-1 accepted: only code columns are read, the header tells the encoding). One line
per practitioner × activity (site of exercise), repeated when he has several savoir-faire at a site;
≈ 2 million lines, ≈ 1 GB. The file is streamed in blocks of ``BLOCK_BYTES`` and only the columns of
:data:`COLUMNS` are parsed (pyarrow), found by name (case and spacing ignored), so that the extracts' drift
(new columns at the end, savoir-faire moved to ``PS_LibreAcces_SavoirFaire_….txt``) does not matter.

Professions (``Code profession``, ANS TRE_G15): :data:`PROFESSIONS`; other professions (opticiens,
audioprothésistes…) are counted in the summary, not kept.

General practice (``Code type savoir-faire`` ``S`` = spécialité ordinale, ANS TRE_R38): a physician is a
general practitioner when one of his spécialités ordinales is in :data:`GP_SPECIALTIES` (SM26 « Qualifié en
médecine générale », SM53 « Spécialiste en médecine générale », SM54 « Médecine générale »: the codes the
Ordre used for general practice before and after it became a specialty, all three kept by the file's
reusers); a specialist when all of them are others (SM04 « Cardiologie et maladies vasculaires »…). Both
(rare): general practitioner, counted in the summary. None: not counted, in the summary.

Mode (``Code mode exercice``, TRE_R23): ``L`` → liberal, ``S`` → salaried; ``B`` (bénévole) and empty (no
activity declared) are not counted; nor are students (``Code catégorie professionnelle`` ``E``: internes,
élèves). Option ``sectors`` keeps only some ``Code secteur d'activité`` (e.g. :data:`PRIMARY_CARE_SECTORS`).

Counting rule. A practitioner (``Identification nationale PP``, else ``Identifiant PP``) counts 1 in each of
his professions, shared equally between his distinct counted activities (structure × mode) located in a
commune: a GP with two cabinets counts 0.5 in each commune. Official zonings count a professional working in
several places « au prorata de leur activité » (arrêté du 21 décembre 2011, annexes II et III, zonages des
infirmiers et masseurs-kinésithérapeutes); the extraction has no activity volume and no flag for the main
site, so equal shares is that prorata with equal activities. Σ practitioners = number of distinct
practitioners × professions with at least one located activity.

Commune of a site: ``Code commune (coord. structure)`` when given; else the commune of the site's
``Numéro FINESS site`` when a FINESS table (finess_et → commune) is given; else its ``Code postal`` when
every line of the file with that postal code (and the optional La Poste table) gives one and the same
commune. A site still without commune takes no share (the practitioner's share goes to his located sites);
a practitioner with no located site is not counted. Both are reported (``attrs``), never dropped silently.
Codes are kept as written (arrondissements municipaux included): the assembly maps them to current communes.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fnmatch
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from ..formatting import fr_number
from .errors import RawDataError
from .tables import COMMUNE_CODE

BLOCK_BYTES = 1 << 24
SEPARATOR = "|"
MEMBER = "ps_libreacces_personne_activite*.txt"
SAVOIR_FAIRE_MEMBER = "ps_libreacces_savoirfaire*.txt"
# column role → header names, the first present wins (Identification nationale = type digit + id: unique
# across RPPS and ADELI numbers)
COLUMNS = {
    "id": ("Identification nationale PP", "Identifiant PP"),
    "profession": ("Code profession",),
    "category": ("Code catégorie professionnelle",),
    "skill_type": ("Code type savoir-faire",),
    "skill": ("Code savoir-faire",),
    "mode": ("Code mode exercice",),
    "commune": ("Code commune (coord. structure)",),
    "postal": ("Code postal (coord. structure)",),
    "finess": ("Numéro FINESS site",),
    "structure": ("Identifiant technique de la structure",),
    "sector": ("Code secteur d'activité",),
}
REQUIRED = ("id", "profession", "mode", "commune")
SAVOIR_FAIRE_REQUIRED = ("id", "skill_type", "skill")

GP_SPECIALTIES = {
    "SM26": "Qualifié en médecine générale",
    "SM53": "Spécialiste en médecine générale",
    "SM54": "Médecine générale",
}
SPECIALTY_TYPE = "S"
PHYSICIAN = "10"
PROFESSIONS = {
    "10": "médecin",
    "21": "pharmacien",
    "40": "chirurgien-dentiste",
    "50": "sage-femme",
    "60": "infirmier",
    "69": "infirmier psychiatrique",
    "70": "masseur-kinésithérapeute",
}
KEPT_CODES = tuple(PROFESSIONS)
OUTPUT_PROFESSIONS = (
    "general_practitioner",
    "specialist",
    "nurse",
    "physiotherapist",
    "dentist",
    "midwife",
    "pharmacist",
)
PROFESSION_OF_CODE = {
    "21": "pharmacist",
    "40": "dentist",
    "50": "midwife",
    "60": "nurse",
    "69": "nurse",
    "70": "physiotherapist",
}
FRENCH_PROFESSIONS = {
    "general_practitioner": "médecins généralistes",
    "specialist": "médecins spécialistes",
    "nurse": "infirmiers",
    "physiotherapist": "masseurs-kinésithérapeutes",
    "dentist": "chirurgiens-dentistes",
    "midwife": "sages-femmes",
    "pharmacist": "pharmaciens",
}
MODE_CODES = ("L", "S", "B", "")
OUTPUT_MODES = ("liberal", "salaried")
CATEGORIES = ("C", "M", "E", "F", "")  # civil, agent public, étudiant, fonctionnaire (ancien code)
STUDENT = "E"
PRIMARY_CARE_SECTORS = ("SA05", "SA07", "SA08", "SA09")  # centre de santé, cabinet individuel, de groupe, société
REASONS = (
    "",
    "étudiants (catégorie professionnelle E)",
    "sans mode d'exercice (aucune activité déclarée)",
    "exercice bénévole",
    "médecins sans spécialité ordinale",
    "secteur d'activité non retenu",
)
POSTAL_CODE = re.compile(r"^\d{5}$")
EXTRACTION_STAMP = re.compile(r"(\d{4})(\d{2})(\d{2})(?:\d{4})?(?=\D*$)")
OUTPUT_COLUMNS = ["commune", "year", "profession", "mode", "practitioners"]


@dataclass
class _Layout:
    """The header: names as parsed (unique), role → name, field count, encoding."""

    names: list[str]
    columns: dict[str, str]
    fields: int
    encoding: str


def _normalised(name: str) -> str:
    return " ".join(name.split()).lower()


@contextlib.contextmanager
def _open(path: Path, member: str):
    """The text stream and its file name (a zip as downloaded: its member matching ``member``)."""
    if not path.exists():
        raise RawDataError(path, "fichier introuvable")
    if path.suffix.lower() != ".zip":
        with open(path, "rb") as stream:
            yield stream, path.name
        return
    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if fnmatch.fnmatch(Path(n).name.lower(), member)]
        if len(names) != 1:
            raise RawDataError(path, f"l'archive doit contenir un fichier {member} (trouvé(s) : {len(names)})")
        with archive.open(names[0]) as stream:
            yield stream, Path(names[0]).name


def _layout(path: Path, first: bytes, required: tuple[str, ...]) -> _Layout:
    if not first.strip():
        raise RawDataError(path, "le fichier est vide")
    try:
        line, encoding = first.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        line, encoding = first.decode("latin-1"), "latin-1"
    line = line.lstrip("\ufeff").rstrip("\r\n")
    if SEPARATOR not in line:
        other = next((s for s in (";", "\t", ",") if s in line), None)
        raise RawDataError(
            path,
            "séparateur « | » attendu" + (f" (le fichier semble séparé par « {other} »)" if other else ""),
            line=1,
        )
    raw = line.split(SEPARATOR)
    names = [n.strip() or f"_champ_{i + 1}" for i, n in enumerate(raw)]
    names = [n if names.index(n) == i else f"{n}_{i + 1}" for i, n in enumerate(names)]
    by_key = {_normalised(n): n for n in reversed(names)}
    columns = {
        role: next(by_key[_normalised(c)] for c in options if _normalised(c) in by_key)
        for role, options in COLUMNS.items()
        if any(_normalised(c) in by_key for c in options)
    }
    missing = [COLUMNS[r][0] for r in required if r not in columns]
    if missing:
        raise RawDataError(
            path,
            f"colonne(s) manquante(s) : {', '.join(missing)} ; est-ce bien l'extraction "
            "PS_LibreAcces de l'Annuaire santé ?",
            line=1,
        )
    return _Layout(names, columns, len(raw), encoding)


def _blocks(stream, size: int):
    """The data in pieces of about ``size`` bytes cut at line ends (header already read)."""
    rest = b""
    while chunk := stream.read(size):
        chunk = rest + chunk
        cut = chunk.rfind(b"\n") + 1
        rest = chunk[cut:]
        if cut:
            yield chunk[:cut]
    if rest:
        yield rest + b"\n"


def _malformed(path: Path, block: bytes, layout: _Layout, first_line: int, exc: Exception) -> RawDataError:
    """The first line of ``block`` whose field count or encoding is wrong, located in the file."""
    buf = np.frombuffer(block, np.uint8)
    ends = np.flatnonzero(buf == 10)
    per_line = np.diff(np.concatenate(([0], np.cumsum(buf == ord(SEPARATOR))[ends])))
    empty = np.diff(np.concatenate(([-1], ends))) <= 2  # "\n" or "\r\n" alone
    bad = np.flatnonzero((per_line != layout.fields - 1) & ~empty)
    if len(bad):
        return RawDataError(
            path,
            f"{per_line[bad[0]] + 1} champs au lieu de {layout.fields} (séparateur « | », "
            "chaque ligne se termine par « | »)",
            line=first_line + int(bad[0]),
        )
    try:
        block.decode("utf-8")
    except UnicodeDecodeError as err:
        return RawDataError(
            path,
            "octets non UTF-8 alors que l'en-tête est en UTF-8 (mélange d'encodages ?) ; "
            "réenregistrez le fichier en UTF-8",
            line=first_line + block.count(b"\n", 0, err.start),
        )
    return RawDataError(path, f"ligne mal formée ({str(exc).splitlines()[0]})")


def _parse(path: Path, block: bytes, layout: _Layout, first_line: int) -> pa.Table:
    if layout.encoding == "latin-1":
        block = block.decode("latin-1").encode("utf-8")
    wanted = list(dict.fromkeys(layout.columns.values()))
    try:
        return pacsv.read_csv(
            pa.py_buffer(block),
            read_options=pacsv.ReadOptions(column_names=layout.names, use_threads=True),
            parse_options=pacsv.ParseOptions(delimiter=SEPARATOR, quote_char=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types={c: pa.string() for c in wanted}, strings_can_be_null=False
            ),
        )
    except pa.ArrowInvalid as exc:
        raise _malformed(path, block, layout, first_line, exc) from None


def _read_blocks(path: Path, member: str, required: tuple[str, ...], block_bytes: int):
    """(layout, file name, first line number, parsed block) for every block of the file."""
    with _open(path, member) as (stream, name):
        layout = _layout(path, stream.readline(), required)
        line = 2
        for block in _blocks(stream, block_bytes):
            table = _parse(path, block, layout, line)
            yield layout, name, line, table
            line += table.num_rows


def _text(table: pa.Table, layout: _Layout, role: str) -> pa.Array | None:
    if role not in layout.columns:
        return None
    return pc.utf8_trim_whitespace(table.column(layout.columns[role]).combine_chunks())


def _encoded(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Row codes and distinct values: checks and mappings run on the few distinct values."""
    enc = pc.dictionary_encode(values)
    return enc.indices.to_numpy(zero_copy_only=False), np.array(enc.dictionary.to_pylist(), dtype=object)


def _check(path: Path, encoded, bad_value: np.ndarray, rows: np.ndarray, first_line: int, column: str, expected: str):
    """Error at the first of ``rows`` whose value is bad (``encoded``: row codes and distinct values)."""
    codes, values = encoded
    bad = np.flatnonzero(bad_value[codes] & rows) if len(values) else []
    if len(bad):
        i = int(bad[0])
        raise RawDataError(path, f"valeur « {values[codes[i]]} » : {expected}", line=first_line + i, column=column)


def _skill_flags(table: pa.Table, layout: _Layout) -> np.ndarray | None:
    """Per line: 1 a general-practice spécialité ordinale, 2 another one, 0 none (or no savoir-faire)."""
    if "skill_type" not in layout.columns or "skill" not in layout.columns:
        return None
    type_codes, types = _encoded(_text(table, layout, "skill_type"))
    skill_codes, skills = _encoded(_text(table, layout, "skill"))
    specialty = (types == SPECIALTY_TYPE)[type_codes] if len(types) else np.zeros(table.num_rows, bool)
    gp = np.isin(skills, list(GP_SPECIALTIES))[skill_codes] if len(skills) else np.zeros(table.num_rows, bool)
    named = (skills != "")[skill_codes] if len(skills) else np.zeros(table.num_rows, bool)
    return np.where(specialty & gp, 1, np.where(specialty & named, 2, 0)).astype(np.int8)


def _hashed(values: pa.Array | None, n: int) -> np.ndarray:
    """64-bit hashes of text values (practitioner and structure identities, compared across blocks without
    keeping the strings; a collision between two of a few million values is improbable: ~1e-7)."""
    if values is None:
        return np.zeros(n, np.uint64)
    return pd.util.hash_array(values.to_numpy(zero_copy_only=False), categorize=False)


def _finess_commune(values: pa.Array | None, mapping: dict[str, str] | None, n: int) -> pa.Array:
    """The commune of each line's FINESS site (``""`` when unknown or no FINESS table)."""
    if values is None or not mapping:
        return pa.array([""] * n, pa.string())
    codes, finess = _encoded(values)
    return pa.array(pd.Series(finess).map(mapping).fillna("").to_numpy(dtype=object)[codes], pa.string())


def _validated(path: Path, table: pa.Table, layout: _Layout, first_line: int, ident: pa.Array, encoded: dict):
    """Empty lines, and the lines of the retained professions once their codes are checked."""
    col = layout.columns
    no_id = pc.equal(ident, "").to_numpy(zero_copy_only=False)
    empty = no_id.copy()
    for role in ("profession", "mode", "commune"):
        codes, values = encoded[role]
        empty &= (values == "")[codes]
    if (no_id & ~empty).any():
        i = int(np.flatnonzero(no_id & ~empty)[0])
        raise RawDataError(path, "identifiant du professionnel vide", line=first_line + i, column=col["id"])
    profs = encoded["profession"][1]
    valid = np.array([bool(re.fullmatch(r"\d{2}", p)) for p in profs], dtype=bool)
    _check(
        path,
        encoded["profession"],
        ~valid,
        ~empty,
        first_line,
        col["profession"],
        "code profession à 2 chiffres attendu",
    )
    kept = np.isin(profs, KEPT_CODES)[encoded["profession"][0]] & ~empty
    modes = encoded["mode"][1]
    expected = "mode d'exercice attendu : L (libéral), S (salarié), B (bénévole) ou vide"
    _check(path, encoded["mode"], ~np.isin(modes, MODE_CODES), kept, first_line, col["mode"], expected)
    communes = pa.array(encoded["commune"][1].tolist(), pa.string())
    pattern = COMMUNE_CODE.pattern.replace(r"\Z", "$")  # RE2 (Arrow): « $ » is the end of the text
    valid = pc.match_substring_regex(communes, pattern + "|^$").to_numpy(zero_copy_only=False)
    expected = "code commune INSEE attendu (5 caractères, ex. 01004, 2A004) ou vide"
    _check(path, encoded["commune"], ~valid, kept, first_line, col["commune"], expected)
    if "category" in encoded:
        expected = "catégorie professionnelle attendue : C, M, E, F ou vide"
        bad = ~np.isin(encoded["category"][1], CATEGORIES)
        _check(path, encoded["category"], bad, kept, first_line, col["category"], expected)
    return empty, kept


def _block_lines(
    path: Path, table: pa.Table, layout: _Layout, first_line: int, sectors, finess_map: dict[str, str] | None
) -> tuple[pa.Table, Counter]:
    """The lines of the retained professions, checked, as compact columns; counts of the others."""
    col = layout.columns
    ident = _text(table, layout, "id")
    roles = ("profession", "mode", "commune", "category", "sector")
    encoded = {r: _encoded(_text(table, layout, r)) for r in roles if r in col}
    empty, kept = _validated(path, table, layout, first_line, ident, encoded)
    student = (
        (encoded["category"][1] == STUDENT)[encoded["category"][0]] if "category" in col else np.zeros(len(kept), bool)
    )
    sector_ok = np.ones(len(kept), bool)
    if sectors is not None:
        sector_ok = np.isin(encoded["sector"][1], list(sectors))[encoded["sector"][0]]
    flags = _skill_flags(table, layout)
    rows = pa.array(np.flatnonzero(kept))

    def take(role: str) -> pa.Array | None:
        return _text(table, layout, role).take(rows) if role in col else None

    prof_codes, profs = encoded["profession"]
    mode_codes, modes = encoded["mode"]
    prof_index = np.array([KEPT_CODES.index(p) if p in KEPT_CODES else -1 for p in profs], dtype=np.int8)
    mode_index = np.array([MODE_CODES.index(m) if m in MODE_CODES else -1 for m in modes], dtype=np.int8)
    out = pa.table(
        {
            "id": _hashed(ident.take(rows), len(rows)),
            "structure": _hashed(take("structure"), len(rows)),
            "profession": prof_index[prof_codes[kept]],
            "flag": flags[kept] if flags is not None else np.zeros(len(rows), np.int8),
            "mode": mode_index[mode_codes[kept]],
            "student": student[kept],
            "sector_ok": sector_ok[kept],
            "commune": take("commune"),
            "postal": take("postal") if "postal" in col else pa.array([""] * len(rows), pa.string()),
            "finess_commune": _finess_commune(take("finess"), finess_map, len(rows)),
        }
    )
    counts = Counter({"lines": len(kept) - int(empty.sum()), "empty": int(empty.sum())})
    counts.update({f"other:{p}": n for p, n in Counter(profs[prof_codes[~kept & ~empty]]).items()})
    return out, counts


def extraction_date(name: str) -> dt.date | None:
    """Date of the extraction from ``PS_LibreAcces_Personne_activite_AAAAMMJJHHMM.txt`` (None if absent)."""
    m = EXTRACTION_STAMP.search(Path(name).stem)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _indices(column: pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Codes (int32) of a text column and its distinct values (one dictionary for all chunks)."""
    encoded = pc.dictionary_encode(column)
    if encoded.num_chunks == 0:
        return np.zeros(0, np.int32), np.array([], dtype=object)
    codes = np.concatenate([c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks])
    return codes.astype(np.int32, copy=False), np.array(encoded.chunks[0].dictionary.to_pylist(), dtype=object)


def _savoir_faire_flags(path: Path, ids: np.ndarray, id_column: str, block_bytes: int):
    """Per practitioner (``ids``: identity hashes of the ``id_column`` of the activities file): has a
    general-practice / another spécialité ordinale in the SavoirFaire file."""
    gp, other = np.zeros(len(ids), bool), np.zeros(len(ids), bool)
    index = pd.Index(ids)
    for layout, _, _, table in _read_blocks(path, SAVOIR_FAIRE_MEMBER, SAVOIR_FAIRE_REQUIRED, block_bytes):
        same = next((n for n in layout.names if _normalised(n) == _normalised(id_column)), None)
        if same is None:
            raise RawDataError(path, f"colonne « {id_column} » absente : elle identifie les professionnels", line=1)
        identity = pc.utf8_trim_whitespace(table.column(same).combine_chunks())
        position = index.get_indexer(_hashed(identity, table.num_rows))
        flags = _skill_flags(table, layout)
        gp[position[(position >= 0) & (flags == 1)]] = True
        other[position[(position >= 0) & (flags == 2)]] = True
    return gp, other


def _companion_savoir_faire(path: Path) -> Path:
    """The SavoirFaire file next to the activities file (same zip, or same folder)."""
    if path.suffix.lower() == ".zip":
        return path
    found = sorted(p for p in path.parent.iterdir() if fnmatch.fnmatch(p.name.lower(), SAVOIR_FAIRE_MEMBER))
    if not found:
        raise RawDataError(
            path,
            "colonnes « Code type savoir-faire » et « Code savoir-faire » absentes : les spécialités "
            "sont alors dans PS_LibreAcces_SavoirFaire_….txt ; placez ce fichier à côté",
            line=1,
        )
    return found[-1]


def _postal_communes(postal: np.ndarray, commune: np.ndarray, given: pd.DataFrame | None) -> dict[str, str]:
    """Postal code → commune, for the postal codes that point to one commune only."""
    pairs = pd.DataFrame({"postal": postal.astype(str), "commune": commune.astype(str)})
    pairs = pairs[(pairs["commune"] != "") & pairs["postal"].str.match(POSTAL_CODE)]
    if given is not None:
        pairs = pd.concat(
            [
                pairs,
                pd.DataFrame(
                    {
                        "postal": given["postal_code"].astype(str).str.strip(),
                        "commune": given["commune"].astype(str).str.strip(),
                    }
                ),
            ]
        )
    pairs = pairs[pairs["commune"].str.match(COMMUNE_CODE)]
    single = pairs.drop_duplicates().drop_duplicates("postal", keep=False)
    return dict(zip(single["postal"], single["commune"]))


def _in_vocabulary(vocabulary: np.ndarray, communes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``vocabulary`` grown with the new ``communes``, and their positions in it (-1 for ``""``)."""
    known = pd.Index(vocabulary).get_indexer(communes)
    new = pd.unique(communes[(known < 0) & (communes != "")])
    vocabulary = np.concatenate([vocabulary, np.asarray(new, dtype=object)])
    position = pd.Index(vocabulary).get_indexer(communes)
    position[communes == ""] = -1
    return vocabulary, position


def _locate(lines: pa.Table, postal_communes: pd.DataFrame | None):
    """Per line the position of its commune in a vocabulary (-1 unknown) and how it was found (1 code commune,
    2 FINESS, 3 postal code, 0 none); the vocabulary; the lines' postal codes (codes and values)."""
    commune_idx, vocabulary = _indices(lines.column("commune"))
    code = np.where((vocabulary == "")[commune_idx], -1, commune_idx).astype(np.int32)
    source = np.where(code >= 0, 1, 0).astype(np.int8)
    finess_idx, finess_communes = _indices(lines.column("finess_commune"))
    vocabulary, found = _in_vocabulary(vocabulary, finess_communes)
    use = (code < 0) & (found[finess_idx] >= 0)
    code, source = np.where(use, found[finess_idx], code), np.where(use, 2, source).astype(np.int8)
    postal_idx, postals = _indices(lines.column("postal"))
    direct = source == 1
    pairs = pd.unique((postal_idx[direct].astype(np.int64) << 32) | code[direct].astype(np.int64))
    mapping = _postal_communes(postals[pairs >> 32], vocabulary[pairs & 0xFFFFFFFF], postal_communes)
    vocabulary, found = _in_vocabulary(
        vocabulary, pd.Series(postals, dtype=object).map(mapping).fillna("").to_numpy(object)
    )
    use = (code < 0) & (found[postal_idx] >= 0)
    code, source = np.where(use, found[postal_idx], code).astype(np.int32), np.where(use, 3, source).astype(np.int8)
    return code, source, vocabulary, postal_idx, postals


def _professions(lines: pa.Table, pid: np.ndarray, gp: np.ndarray, other: np.ndarray) -> np.ndarray:
    """Output profession index per line (-1: physician without spécialité ordinale)."""
    by_code = np.array(
        [OUTPUT_PROFESSIONS.index(PROFESSION_OF_CODE[c]) if c in PROFESSION_OF_CODE else -1 for c in KEPT_CODES],
        dtype=np.int8,
    )
    physician_kind = np.where(gp, 0, np.where(other, 1, -1)).astype(np.int8)
    code = lines.column("profession").to_numpy()
    return np.where(code == KEPT_CODES.index(PHYSICIAN), physician_kind[pid], by_code[code]).astype(np.int8)


def _departement_of_postal(postal: pd.Series) -> pd.Series:
    code = postal.where(postal.str.match(POSTAL_CODE), "")
    return code.str[:3].where(code.str.startswith("97"), code.str[:2]).replace("", "inconnu")


def read_rpps_activities(
    path: Path,
    year: int | None = None,
    *,
    finess_communes: pd.DataFrame | None = None,
    postal_communes: pd.DataFrame | None = None,
    sectors=None,
    savoir_faire: Path | None = None,
    block_bytes: int = BLOCK_BYTES,
) -> pd.DataFrame:
    """``health_professionals``: commune, year, profession, mode, practitioners (shares summed, float).

    ``year``: the extraction's year, by default from the file name (``…_AAAAMMJJHHMM.txt``).
    ``finess_communes``: finess_et, commune (FINESS establishments) to locate sites by their FINESS number.
    ``postal_communes``: postal_code, commune (e.g. La Poste's « base officielle des codes postaux »).
    ``sectors``: the ``Code secteur d'activité`` kept (None: all). ``savoir_faire``: the SavoirFaire file,
    needed (and looked for next to the file when not given) only when the activities file has no savoir-faire.
    ``attrs``: ``details``, ``warnings`` (French), ``skipped`` (reason, lines, practitioners not counted),
    ``unlocated`` (profession, departement_code, practitioners not counted for want of a commune).
    """
    path = Path(path)
    lines, counts, layout, name = _read_lines(path, sectors, finess_communes, block_bytes)
    date = extraction_date(name) or extraction_date(path.name)
    pid, ids = pd.factorize(lines.column("id").to_numpy())
    is_physician = lines.column("profession").to_numpy() == KEPT_CODES.index(PHYSICIAN)
    gp, other = _specialties(lines, pid, len(ids), is_physician)
    if not ("skill" in layout.columns and "skill_type" in layout.columns):
        sf = Path(savoir_faire or _companion_savoir_faire(path))
        sf_gp, sf_other = _savoir_faire_flags(sf, ids, layout.columns["id"], block_bytes)
        gp, other = gp | sf_gp, other | sf_other
    profession = _professions(lines, pid, gp, other)
    reason = _reasons(lines, profession)
    commune, source, vocabulary, postal_idx, postals = _locate(lines, postal_communes)
    mode, structure = lines.column("mode").to_numpy(), lines.column("structure").to_numpy()
    del lines
    out, unlocated = _share(pid, profession, mode, structure, postal_idx, postals, commune, vocabulary, reason)
    out.insert(1, "year", _extraction_year(path, year, date))
    both = int((gp & other & _present(pid[is_physician], len(ids))).sum())
    out.attrs.update(_summary(name, date, layout, counts, pid, profession, reason, source, unlocated, both, out))
    return out


def _read_lines(path: Path, sectors, finess_communes: pd.DataFrame | None, block_bytes: int):
    """The retained lines of the whole file (compact columns), counts, the header and the file's name."""
    finess_map = None
    if finess_communes is not None:
        finess_map = dict(
            zip(finess_communes["finess_et"].astype(str).str.strip(), finess_communes["commune"].astype(str))
        )
    parts, counts, layout, name = [], Counter(), None, path.name
    for layout, name, first_line, table in _read_blocks(path, MEMBER, REQUIRED, block_bytes):  # noqa: B007
        if sectors is not None and "sector" not in layout.columns:
            raise RawDataError(
                path, "colonne « Code secteur d'activité » absente : impossible de retenir des secteurs", line=1
            )
        part, n = _block_lines(path, table, layout, first_line, sectors, finess_map)
        parts.append(part)
        counts += n
    if layout is None or not counts["lines"]:
        raise RawDataError(path, "aucune ligne de données")
    return pa.concat_tables(parts), counts, layout, name


def _extraction_year(path: Path, year: int | None, date: dt.date | None) -> int:
    if year is not None:
        return int(year)
    if date is None:
        raise RawDataError(
            path,
            "année de l'extraction introuvable dans le nom du fichier (attendu "
            "PS_LibreAcces_Personne_activite_AAAAMMJJHHMM.txt) : précisez-la en option",
        )
    return date.year


def _specialties(lines: pa.Table, pid: np.ndarray, n_ids: int, is_physician: np.ndarray):
    """Per practitioner: has a general-practice / another spécialité ordinale on one of his lines."""
    flags = lines.column("flag").to_numpy()
    gp, other = np.zeros(n_ids, bool), np.zeros(n_ids, bool)
    gp[pid[is_physician & (flags == 1)]] = True
    other[pid[is_physician & (flags == 2)]] = True
    return gp, other


def _reasons(lines: pa.Table, profession: np.ndarray) -> np.ndarray:
    """Why a line is not counted (index in :data:`REASONS`, 0: counted); the first reason wins."""
    mode = lines.column("mode").to_numpy()
    conditions = [
        lines.column("student").to_numpy(),
        mode == MODE_CODES.index(""),
        mode == MODE_CODES.index("B"),
        profession < 0,
        ~lines.column("sector_ok").to_numpy(),
    ]
    return np.select(conditions, [1, 2, 3, 4, 5], 0).astype(np.int8)


def _present(codes: np.ndarray, size: int) -> np.ndarray:
    """Which of ``0 … size-1`` occur in ``codes`` (a distinct count without sorting)."""
    return np.bincount(codes, minlength=size) > 0 if len(codes) else np.zeros(size, bool)


def _share(pid, profession, mode, structure, postal_idx, postals, commune, vocabulary, reason):
    """Practitioners by commune, profession and mode (equal shares of one's distinct located activities), and
    the practitioners with no located activity (profession, departement_code from the postal code)."""
    counted = reason == 0
    # one integer per (practitioner, profession, mode, commune) and one per site (structure × postal code):
    # distinct activities are distinct pairs of them, found by hashing, not by sorting 6 columns
    person = (pid[counted].astype(np.int64) << 3) | profession[counted]
    packed = (person << 21) | (mode[counted].astype(np.int64) << 19) | (commune[counted] + 1)
    site = structure[counted] ^ (postal_idx[counted].astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15))
    distinct = ~pd.DataFrame({"a": packed, "b": site.view(np.int64)}).duplicated().to_numpy()
    person, packed = person[distinct], packed[distinct]
    located = (packed & ((1 << 19) - 1)) > 0
    group = pd.factorize(person)[0]
    n_located = np.bincount(group, weights=located)[group]
    weight = np.where(located, 1 / np.maximum(n_located, 1), 0.0)
    cell = (packed & ((1 << 19) - 1)) - 1 + len(vocabulary) * ((packed >> 19) & 1) + 2 * len(vocabulary) * (person & 7)
    total = np.bincount(cell[located], weights=weight[located], minlength=2 * len(vocabulary) * len(OUTPUT_PROFESSIONS))
    present = np.flatnonzero(total)
    prof, rest = np.divmod(present, 2 * len(vocabulary))
    mode_out, place = np.divmod(rest, len(vocabulary))
    out = pd.DataFrame(
        {
            "commune": vocabulary[place],
            "profession": np.array(OUTPUT_PROFESSIONS, dtype=object)[prof],
            "mode": np.array(OUTPUT_MODES, dtype=object)[mode_out],
            "practitioners": total[present],
        }
    )
    out = out.iloc[np.lexsort((mode_out, prof, out["commune"].to_numpy().astype(str)))].reset_index(drop=True)
    nowhere = (n_located == 0) & ~pd.Series(group).duplicated().to_numpy()
    postal = pd.Series(postals[postal_idx[counted][distinct][nowhere]], dtype=object).astype(str)
    unlocated = pd.DataFrame(
        {
            "profession": np.array(OUTPUT_PROFESSIONS, dtype=object)[person[nowhere] & 7],
            "departement_code": _departement_of_postal(postal).to_numpy(),
        }
    )
    return out, unlocated


def _summary(name, date, layout, counts, pid, profession, reason, source, unlocated, both, out) -> dict:
    n = fr_number
    details = [
        f"{name} : {n(counts['lines'])} lignes"
        + (f", extraction du {date:%d/%m/%Y}" if date else "")
        + f", encodage {layout.encoding}"
    ]
    others = {k[6:]: v for k, v in counts.items() if k.startswith("other:")}
    if others:
        details.append(
            f"{n(sum(others.values()))} ligne(s) d'autres professions non retenues (codes {', '.join(sorted(others))})"
        )
    if counts["empty"]:
        details.append(f"{n(counts['empty'])} ligne(s) vide(s) ignorée(s)")
    size = int(pid.max()) + 1 if len(pid) else 0
    skipped = [
        {
            "reason": label,
            "lines": int((reason == code).sum()),
            "practitioners": int(_present(pid[reason == code], size).sum()),
        }
        for code, label in enumerate(REASONS)
        if code and (reason == code).any()
    ]
    counted = reason == 0
    located_by = Counter(source[counted].tolist())
    details.append(
        f"commune d'exercice des lignes retenues : code commune {n(located_by[1])}, numéro FINESS "
        f"{n(located_by[2])}, code postal {n(located_by[3])}, inconnue {n(located_by[0])}"
    )
    distinct = int(
        _present(
            pid[counted].astype(np.int64) * len(OUTPUT_PROFESSIONS) + profession[counted],
            size * len(OUTPUT_PROFESSIONS),
        ).sum()
    )
    details.append(
        f"{n(distinct)} praticiens distincts (par profession) retenus, dont {n(len(unlocated))} sans commune "
        f"d'exercice connue (non comptés) ; total compté {n(out['practitioners'].sum(), 1)}"
    )
    by_prof = out.groupby("profession")["practitioners"].sum()
    details.append(" ; ".join(f"{FRENCH_PROFESSIONS[p]} {n(by_prof.get(p, 0), 1)}" for p in OUTPUT_PROFESSIONS))
    if both:
        details.append(
            f"{n(both)} médecin(s) ayant une spécialité ordinale de médecine générale et une autre : "
            "comptés généralistes"
        )
    details += [
        f"non comptés : {s['reason']} ({n(s['lines'])} ligne(s), {n(s['practitioners'])} praticien(s))" for s in skipped
    ]
    warnings = []
    if len(unlocated):
        per = unlocated["profession"].value_counts()
        warnings.append(
            f"{n(len(unlocated))} praticien(s) sans commune d'exercice (ni code commune, ni numéro FINESS, ni "
            "code postal univoque) non comptés : "
            + ", ".join(f"{FRENCH_PROFESSIONS[p]} {n(v)}" for p, v in per.items())
        )
    table = unlocated.groupby(["profession", "departement_code"]).size().rename("practitioners").reset_index()
    return {
        "details": details,
        "warnings": warnings,
        "skipped": skipped,
        "unlocated": table.to_dict("records"),
        "extraction_date": date.isoformat() if date else None,
    }


SOURCE_INFO = [
    {
        "key": "rpps",
        "label": "Annuaire santé (RPPS) : extraction en libre accès des activités des professionnels",
        "publisher": "Agence du numérique en santé, annuaire.sante.fr ou data.gouv.fr « Annuaire santé : "
        "extractions des données en libre accès » (PS_LibreAcces_Personne_activite_AAAAMMJJHHMM.txt)",
        "use": "professionnels de santé par commune d'exercice, profession et mode d'exercice (densités, "
        "accessibilité)",
        "patterns": (
            "ps_libreacces_personne_activite*.txt",
            "ps-libreacces-personne-activite*.txt",
            "ps_libreacces_*.zip",
        ),
        "header": ("Identifiant PP", "Code profession", "Code mode exercice", "Code commune (coord. structure)"),
    },
    {
        "key": "rpps_savoir_faire",
        "label": "Annuaire santé (RPPS) : savoir-faire des professionnels",
        "publisher": "Agence du numérique en santé (PS_LibreAcces_SavoirFaire_AAAAMMJJHHMM.txt, même archive)",
        "use": "spécialité ordinale des médecins quand l'extraction des activités ne la porte pas",
        "patterns": ("ps_libreacces_savoirfaire*.txt", "ps-libreacces-savoirfaire*.txt"),
        "header": ("Identifiant PP", "Code type savoir-faire", "Code savoir-faire"),
    },
]
