"""What a build depends on, and what is up to date: the processed tables (``<processed>/construction.json``:
the raw files by content, the code that reads them, the options) and the reports
(``<reports>/.etat-construction.json``: one fingerprint per report, the overview and the index).

Everything here is plain files and hashes: deciding that nothing needs rebuilding loads neither pandas
nor IPython."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from diagnostics import config
from diagnostics.pipeline.io import write_text

STATE_FILE = ".etat-construction.json"
BUILD_FILE = "construction.json"
INDEX = "index"  # the index page's key in the state file
PACKAGE = Path(__file__).resolve().parent.parent
# the code each output depends on (a change elsewhere does not rebuild it)
PROCESSING_CODE = (
    "config.py",
    "formatting.py",
    "methods",
    "sources",
    "territories",
    "indicators",
    "pipeline/processing.py",
)
REPORT_CODE = (
    "config.py",
    "formatting.py",
    "methods",
    "territories",
    "indicators",
    "reporting",
    "pipeline/worker.py",
    "pipeline/notebook_shell.py",
)
CODE_SUFFIXES = (".py", ".yaml", ".csv", ".md")


def _files(parts: tuple[str, ...]) -> list[Path]:
    found = []
    for part in parts:
        path = PACKAGE / part
        found += [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.suffix in CODE_SUFFIXES)
    return found


def digest_of(paths: list[Path], *texts: str) -> str:
    """sha256 of files (by name relative to the project and content) and strings."""
    h = hashlib.sha256()
    for path in paths:
        if path.is_file():
            h.update(str(path).removeprefix(str(config.PROJECT_ROOT)).encode())
            h.update(path.read_bytes())
    for text in texts:
        h.update(text.encode())
    return h.hexdigest()


def code_digest(parts: tuple[str, ...]) -> str:
    return digest_of(_files(parts))


def _file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 22), b""):
            h.update(block)
    return h.hexdigest()


def raw_fingerprints(raw_dir: Path, known: dict | None = None) -> dict[str, list]:
    """relative path → [size, mtime_ns, sha256] of every file of the raw folder; a file whose size and
    modification time are those already known keeps its known digest (not read again)."""
    known = known or {}
    out = {}
    for path in sorted(p for p in Path(raw_dir).rglob("*") if p.is_file()):
        rel, st = str(path.relative_to(raw_dir)), path.stat()
        before = known.get(rel)
        same = before is not None and before[0] == st.st_size and before[1] == st.st_mtime_ns
        out[rel] = [st.st_size, st.st_mtime_ns, before[2] if same else _file_digest(path)]
    return out


def read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_record(
    raw_dir: Path,
    processed_dir: Path,
    options: dict,
    tables: list[str],
    territories: list[str],
    raw: dict | None = None,
) -> dict:
    """What ``construction.json`` says of a build that has just written ``tables``."""
    return {
        "raw_dir": str(Path(raw_dir).resolve()),
        "raw": raw if raw is not None else raw_fingerprints(raw_dir),
        "code": code_digest(PROCESSING_CODE),
        "options": json.dumps(options, sort_keys=True, default=str),
        "tables": {name: _file_digest(Path(processed_dir) / f"{name}.parquet") for name in tables},
        "territories": territories,
    }


def write_build_record(processed_dir: Path, record: dict) -> None:
    write_text(Path(processed_dir) / BUILD_FILE, json.dumps(record, indent=1, sort_keys=True))


def current_build(raw_dir: Path, processed_dir: Path, options: dict) -> dict | None:
    """The record of the processed tables when they were built from exactly these raw files (by content),
    this code and these options, and are all still there; None when they must be rebuilt."""
    record = read_json(Path(processed_dir) / BUILD_FILE)
    if (
        not record
        or record.get("raw_dir") != str(Path(raw_dir).resolve())
        or record.get("code") != code_digest(PROCESSING_CODE)
        or record.get("options") != json.dumps(options, sort_keys=True, default=str)
    ):
        return None
    for name in record["tables"]:
        path = Path(processed_dir) / f"{name}.parquet"
        if not path.is_file():
            return None
    raw = raw_fingerprints(raw_dir, record["raw"])
    if {k: v[2] for k, v in raw.items()} != {k: v[2] for k, v in record["raw"].items()}:
        return None
    if raw != record["raw"]:  # touched, not changed (copied, restored from a backup): remember the new times
        record["raw"] = raw
        write_build_record(processed_dir, record)
    return record


def output_fingerprint(record: dict, notebook: Path, *extra: str) -> str:
    """What a report (or the overview) depends on besides its territory's code: the processed tables, the
    notebook, the HTML templates and the code the notebook runs."""
    tables = json.dumps(record["tables"], sort_keys=True)
    return digest_of([Path(notebook), *sorted(config.TEMPLATES_DIR.rglob("*")), *_files(REPORT_CODE)], tables, *extra)


def read_state(output: Path) -> dict[str, str]:
    return read_json(Path(output) / STATE_FILE)


def up_to_date(codes: list[str], state: dict[str, str], fingerprint: str, output: Path) -> list[str]:
    """The territories whose report and CSV exist and were built from exactly these inputs."""
    return [
        c
        for c in codes
        if state.get(c) == fingerprint and (output / f"{c}.html").exists() and (output / f"{c}.csv").exists()
    ]
