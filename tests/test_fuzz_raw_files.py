"""Seeded fuzz of the raw files (issue 14): the demo's raw folder, and the official-format demo, damaged one
file at a time — truncated, a NUL byte, text in a field, header removed or columns swapped, re-encoded in
UTF-16, a line of garbage, a line duplicated — then checked (``--check``) and built, in process.

For every case:

* nothing raises but :class:`RawDataError` (no traceback: ``run_all.py`` exits 0 or 2 with a French message);
* every refusal, by the check and by the build, names the damaged file;
* the check and the build agree: the check says « Aucun problème » exactly when the build succeeds;
* an accepted damaged folder builds the same tables as the clean one (labels aside: a name is free text),
  or the check warns about the damaged file: no row lost, no code or count changed without a word.

The cases are drawn from a fixed seed: a failure is reproduced by its number (see ``plan``).
"""

from __future__ import annotations

import io
import random
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from diagnostics import config
from diagnostics.pipeline.check import check_raw_folder
from diagnostics.pipeline.processing import PUBLISHED_TABLES, build_processed
from diagnostics.sources.errors import RawDataError

pytestmark = pytest.mark.slow

SEED = 20261127
CASES = {"demo": 100, "officiel": 50}
MUTATIONS = (
    "truncate",
    "nul",
    "text_in_field",
    "header_removed",
    "columns_swapped",
    "utf16",
    "garbage_line",
    "duplicated_line",
)
BINARY = {".xlsx", ".shp", ".shx", ".dbf", ".gz", ".zip", ".gpkg"}
BINARY_MUTATIONS = {"truncate", "nul", "garbage_line"}
HEADERLESS = ("etalab-cs11005", "deces-")  # FINESS and INSEE deaths files have no header line
FREE_FIELDS = {"territoires.csv": {0, 1}}  # a territory's code and name are whatever the user writes
TOKENS = ("abc", "x", "1O", "n.d.", "12abc", "-", "∅", "1;2")
LABELS = {"commune_name", "departement_name", "region_name", "epci_name", "territory_name", "name", "category_label"}
COMPARED = PUBLISHED_TABLES + ["indicators", "standard_population"]


@dataclass(frozen=True)
class Case:
    number: int
    file: str  # relative to the raw folder
    mutation: str
    seed: int

    def __str__(self) -> str:
        return f"cas {self.number} ({self.mutation} sur {self.file}, graine {self.seed})"


# --- damage -------------------------------------------------------------------------------------------


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _separator(line: bytes) -> bytes:
    return max((b";", b",", b"\t"), key=line.count)


def _data_line(lines: list[bytes], rng: random.Random, headerless: bool) -> int | None:
    first = 0 if headerless else 1
    candidates = [i for i in range(first, len(lines)) if lines[i].strip()]
    if headerless and len(candidates) > 1 and lines[0].startswith(b"finess;"):
        candidates = candidates[1:]  # the FINESS manifest is not a record
    return rng.choice(candidates) if candidates else None


def damage(data: bytes, case: Case) -> bytes | None:
    """The file's bytes after the case's mutation (None when the mutation does not apply to it)."""
    rng = random.Random(case.seed)
    name = Path(case.file).name
    headerless = name.startswith(HEADERLESS)
    if Path(name).suffix.lower() in BINARY or name.endswith(".csv.gz"):
        if case.mutation not in BINARY_MUTATIONS:
            return None
        at = rng.randrange(1, len(data))
        if case.mutation == "truncate":
            return data[:at]
        if case.mutation == "nul":
            return data[:at] + b"\x00" + data[at + 1 :]
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 40))) + data[at:]
    lines = _lines(data)
    if case.mutation == "truncate":
        at = rng.randrange(1, len(data.rstrip(b"\n")))
        return (
            data[: at - 1] if data[at - 1 : at] == b"\n" else data[:at]
        )  # inside a line: a cut at a line end is a shorter file
    if case.mutation == "nul":
        at = rng.randrange(len(data))
        return data[:at] + b"\x00" + data[at:]
    if case.mutation == "utf16":
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        return text.encode("utf-16")
    if case.mutation == "garbage_line":
        at = rng.randrange(len(lines))
        garbage = bytes(rng.choice([rng.randrange(32, 256), rng.randrange(32, 127)]) for _ in range(rng.randint(1, 60)))
        return b"\n".join(lines[:at] + [garbage.replace(b"\n", b" ")] + lines[at:])
    if case.mutation == "duplicated_line":
        at = _data_line(lines, rng, headerless)
        if at is None:
            return None
        return b"\n".join(lines[: at + 1] + [lines[at]] + lines[at + 1 :])
    if name.endswith((".geojson", ".json", ".toml", ".prj", ".cpg")) or len(lines) < 2:
        return None  # not a table of fields
    if name.startswith("deces-"):  # fixed width: digits of the dates or of the place of death
        if case.mutation != "text_in_field":
            return None
        i = _data_line(lines, rng, True)
        line = lines[i]
        at = rng.choice([rng.randrange(81, 89), rng.randrange(154, 167)])
        lines[i] = line[:at] + rng.choice([b"x", b"A", b" ", b"-"]) + line[at + 1 :]
        return b"\n".join(lines)
    if case.mutation == "header_removed":
        return b"\n".join(lines[1:])
    if case.mutation == "columns_swapped":
        i = _data_line(lines, rng, True) if headerless else 0
        sep = _separator(lines[i])
        fields = lines[i].split(sep)
        a, b = rng.sample(range(len(fields)), 2)
        fields[a], fields[b] = fields[b], fields[a]
        lines[i] = sep.join(fields)
        return b"\n".join(lines)
    if case.mutation == "text_in_field":
        i = _data_line(lines, rng, headerless)
        sep = _separator(lines[0] if not headerless else lines[i])
        fields = lines[i].split(sep)
        free = FREE_FIELDS.get(name, set())
        choices = [k for k in range(1 if headerless else 0, len(fields)) if k not in free]
        if not choices:
            return None
        fields[rng.choice(choices)] = rng.choice(TOKENS).encode("utf-8")
        lines[i] = sep.join(fields)
        return b"\n".join(lines)
    raise AssertionError(case.mutation)


def plan(folder: Path, n: int, seed: int) -> list[Case]:
    """``n`` cases: the mutations in turn, each on a file drawn at random among those it applies to."""
    rng = random.Random(seed)
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
    cases: list[Case] = []
    while len(cases) < n:
        mutation = MUTATIONS[len(cases) % len(MUTATIONS)]
        for _ in range(20):
            case = Case(len(cases) + 1, rng.choice(files), mutation, rng.randrange(1 << 30))
            if damage((folder / case.file).read_bytes(), case) is not None:
                cases.append(case)
                break
        else:
            cases.append(Case(len(cases) + 1, rng.choice(files), "truncate", rng.randrange(1 << 30)))
    return cases


# --- outcome ------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    check_code: int
    check_text: str
    tables: dict | None
    error: RawDataError | None


def run(raw: Path, processed: Path) -> Outcome:
    """``--check``, then the build, in process; anything but a RawDataError propagates (a traceback)."""
    out = io.StringIO()
    code = check_raw_folder(raw, {}, out=out)
    try:
        tables, error = build_processed(raw, processed), None
    except RawDataError as exc:
        tables, error = None, exc
    return Outcome(code, out.getvalue(), tables, error)


def sections(check_text: str) -> list[str]:
    """The check's output cut into one block per file (and the summary block)."""
    return [block for block in check_text.split("\n\n") if block.strip()]


def warnings(check_text: str) -> set[tuple[str, str]]:
    """(block header, warning) pairs of the check's output."""
    found = set()
    for block in sections(check_text):
        head, *rest = block.splitlines()
        found |= {(head, line.strip()) for line in rest if line.strip().startswith("attention :")}
    return found


def _as_text(column: pd.Series) -> pd.Series:
    if column.dtype == object and column.map(lambda v: isinstance(v, bytes)).any():  # geometries (WKB)
        return column.map(lambda v: v.hex() if isinstance(v, bytes) else str(v))
    return column.astype(str)


def _fingerprint(df: pd.DataFrame) -> tuple:
    """Columns and the sorted hashes of the rows, labels aside."""
    kept = pd.DataFrame({c: _as_text(df[c]) for c in df.columns if c not in LABELS})
    hashed = pd.util.hash_pandas_object(kept, index=False).to_numpy() if len(kept.columns) else np.zeros(len(df))
    return tuple(kept.columns), np.sort(hashed).tobytes()


def differences(clean: dict, damaged: dict) -> list[str]:
    """The processed tables whose rows differ (as sets of rows, labels aside)."""
    return [name for name in COMPARED if _fingerprint(clean[name]) != _fingerprint(damaged[name])]


def problems(case: Case, got: Outcome, clean: Outcome) -> list[str]:
    """What the case breaks of the four promises (empty when it keeps them).

    A refusal may name another file when the check warns about the damaged one (a table d'appartenance
    cut short, with a warning, leaves territoires.csv naming a département it no longer has)."""
    name = Path(case.file).name
    new = warnings(got.check_text) - warnings(clean.check_text)
    warned = [w for head, w in new if name in w or any(name in b and head in b for b in sections(got.check_text))]
    found = []
    if got.check_code not in (0, 2):
        found.append(f"code de sortie {got.check_code}")
    if (got.check_code == 0) != (got.tables is not None):
        found.append(
            f"--check dit {'OK' if got.check_code == 0 else 'ERREUR'} mais la construction "
            f"{'réussit' if got.tables is not None else 'échoue : ' + str(got.error)}"
        )
    if got.check_code == 2:
        errors = [b for b in sections(got.check_text) if "[ERREUR]" in b]
        if not any(name in b for b in errors) and not warned:
            found.append(f"le refus de --check ne nomme pas {name} : {' | '.join(errors)[:400]}")
    if got.error is not None and name not in str(got.error) and not warned:
        found.append(f"le refus de la construction ne nomme pas {name} : {got.error}")
    if got.tables is not None:
        changed = differences(clean.tables, got.tables)
        if changed and not warned:
            found.append(f"tables modifiées sans avertissement : {', '.join(changed)}")
    return found


def fuzz(base: Path, n: int, work: Path) -> tuple[list[str], dict[str, int]]:
    """Run ``n`` cases on a copy of ``base``; the failures (one line each) and the count of each outcome."""
    raw = work / "raw"
    shutil.copytree(base, raw)
    clean = run(raw, work / "processed-clean")
    assert clean.check_code == 0 and clean.tables is not None, clean.check_text
    failures, tally = [], {"refusé": 0, "accepté, identique": 0, "accepté, signalé": 0}
    for case in plan(raw, n, SEED):
        path = raw / case.file
        original = path.read_bytes()
        path.write_bytes(damage(original, case))
        try:
            got = run(raw, work / "processed")
        except Exception as exc:  # noqa: BLE001 — a traceback is the first thing the fuzz looks for
            failures.append(f"{case} : exception {type(exc).__name__} : {exc}")
            continue
        finally:
            path.write_bytes(original)
        failures += [f"{case} : {p}" for p in problems(case, got, clean)]
        if got.tables is None:
            tally["refusé"] += 1
        else:
            tally["accepté, signalé" if differences(clean.tables, got.tables) else "accepté, identique"] += 1
    return failures, tally


def _report(label: str, n: int, seconds: float, tally: dict, failures: list[str]) -> None:
    print(
        f"\nfuzz {label} : {n} cas, graine {SEED}, {seconds:.0f} s — " + ", ".join(f"{k} {v}" for k, v in tally.items())
    )
    assert not failures, "\n".join(failures)


@pytest.fixture(scope="module")
def official_demo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("officiel") / "val-brumeux"
    subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "scripts" / "generate_official_demo.py"), str(out)],
        check=True,
        capture_output=True,
    )
    return out


def test_damaged_demo_files_are_refused_with_their_name_or_change_nothing_unsaid(tmp_path):
    started = time.perf_counter()
    failures, tally = fuzz(config.DEMO_RAW_DIR, CASES["demo"], tmp_path)
    _report("démonstration", CASES["demo"], time.perf_counter() - started, tally, failures)


def test_damaged_official_files_are_refused_with_their_name_or_change_nothing_unsaid(official_demo, tmp_path):
    started = time.perf_counter()
    failures, tally = fuzz(official_demo, CASES["officiel"], tmp_path)
    _report("formats officiels", CASES["officiel"], time.perf_counter() - started, tally, failures)
