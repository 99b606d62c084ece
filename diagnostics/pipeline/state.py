"""What a build depends on, and which reports are up to date (``reports/.etat-construction.json``)."""

from __future__ import annotations

import json
from pathlib import Path

from diagnostics import config

STATE_FILE = ".etat-construction.json"


def build_fingerprint(processed_dir: Path, notebook: Path) -> str:
    """What a report depends on besides its territory's code: the processed data, the notebook, the
    HTML template and the package's code and reference tables."""
    import hashlib

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = (
        sorted(Path(processed_dir).glob("*.parquet"))
        + [Path(notebook)]
        + sorted(config.TEMPLATES_DIR.rglob("*"))
        + sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml", ".csv"))
    )
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_state(output: Path) -> dict[str, str]:
    try:
        return json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def up_to_date(codes: list[str], state: dict[str, str], fingerprint: str, output: Path) -> list[str]:
    """The territories whose report and CSV exist and were built from exactly these inputs."""
    return [
        c
        for c in codes
        if state.get(c) == fingerprint and (output / f"{c}.html").exists() and (output / f"{c}.csv").exists()
    ]
