"""The French guides cannot rot: every run_all.py command they quote is accepted by the batch's
option parser, and every file they link exists."""

import re
import shlex

import pytest

from diagnostics import config
from diagnostics.pipeline.cli import parse_args

DOCS = sorted((config.PROJECT_ROOT / "docs").glob("*.md"))


def test_the_guides_exist():
    assert {p.name for p in DOCS} >= {
        "ajouter-un-indicateur.md",
        "ajouter-une-source.md",
        "routine-annuelle.md",
        "definir-un-territoire.md",
    }


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_quoted_commands_are_valid(doc):
    commands = re.findall(r"^python run_all\.py(.*)$", doc.read_text(encoding="utf-8"), re.M)
    for arguments in commands:
        parse_args(shlex.split(arguments))  # exits (SystemExit) on an unknown option


@pytest.mark.parametrize("doc", DOCS, ids=[p.name for p in DOCS])
def test_quoted_project_paths_exist(doc):
    text = doc.read_text(encoding="utf-8")
    written = set(re.findall(r"<!-- fichier: (\S+) -->", text))  # created by the reader of the guide
    for path in re.findall(r"`((?:docs|notebooks|diagnostics)/[^`*<]+)`", text):
        if path in written or "declared/depistage" in path:
            continue
        assert (config.PROJECT_ROOT / path).exists(), path
