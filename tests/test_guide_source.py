"""docs/ajouter-une-source.md followed to the letter in a copy of the project: the reader module it shows
is written where it says, the import and the entry are added to the registry where it says, an
`effectifs.csv` of the Cnam is put in the raw folder; then --check must list it, refuse a damaged line
with the message the guide quotes, and the build must save `pathologies.parquet` as the guide describes."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from diagnostics import config

GUIDE = config.PROJECT_ROOT / "docs" / "ajouter-une-source.md"
SKIPPED = shutil.ignore_patterns(".venv", ".git", "reports", "processed", "__pycache__", "*.egg-info", ".pytest_cache")
HEADER = (
    "annee;patho_niv1;patho_niv2;patho_niv3;top;cla_age_5;sexe;region;dept;Ntop;Npop;prev;Niveau prioritaire;"
    "libelle_classe_age;libelle_sexe;tri"
)
IMPORT_AFTER = "from . import care_spending as commune_spending\n"
ENTRY_BEFORE = "    # ajoutez les nouvelles sources au-dessus de cette ligne"

pytestmark = pytest.mark.slow  # runs run_all.py (the raw files of the demo read twice, one report built)


def blocks(kind: str) -> dict[str, str]:
    """path → content of every block the guide introduces with « <!-- kind: path --> »."""
    return dict(re.findall(rf"<!-- {kind}: (\S+) -->\n```\w*\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S))


def effectifs(second: str = "962") -> str:
    lines = [
        HEADER,
        "2022;Diabète;Diabète;Diabète;DIA_CAT_CAT;tsage;9;96;961;14210;231540;6.137;1,2,3;tous âges;tous sexes;2.0",
        f"2022;Diabète;Diabète;Diabète;DIA_CAT_CAT;tsage;9;96;{second};9870;160220;6.160;1,2,3;tous âges;tous "
        "sexes;2.0",
        "2022;Diabète;Diabète;Diabète;DIA_CAT_CAT;40-44;2;96;963;;5210;;1,2,3;de 40 à 44 ans;femmes;2.0",
        "2022;Diabète;Diabète;Diabète;DIA_CAT_CAT;tsage;9;99;999;4212730;68070000;6.189;1,2,3;tous âges;tous sexes;2.0",
    ]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("guide-source") / "projet"
    shutil.copytree(config.PROJECT_ROOT, copy, ignore=SKIPPED)
    files = blocks("fichier")
    assert set(files) == {"diagnostics/sources/cnam_pathologies.py"}
    for path, content in files.items():
        (copy / path).write_text(content, encoding="utf-8")
    catalog = copy / "diagnostics" / "sources" / "catalog.py"
    text = catalog.read_text(encoding="utf-8")
    assert IMPORT_AFTER in text and ENTRY_BEFORE in text, "le guide nomme des lignes absentes de catalog.py"
    text = text.replace(IMPORT_AFTER, IMPORT_AFTER + blocks("import")["diagnostics/sources/catalog.py"], 1)
    text = text.replace(ENTRY_BEFORE, blocks("entrée")["diagnostics/sources/catalog.py"] + ENTRY_BEFORE, 1)
    catalog.write_text(text, encoding="utf-8")
    (copy / "data" / "raw" / "demo" / "effectifs.csv").write_text(effectifs(), encoding="utf-8")
    return copy


def run_in(project: Path, *args):
    env = {**os.environ, "PYTHONPATH": str(project)}  # the copy's package, not the installed one
    return subprocess.run(
        [sys.executable, "run_all.py", *map(str, args)],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_check_lists_the_new_file(project):
    r = run_in(project, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert "[ok] effectifs.csv — Cnam : cartographie des pathologies (effectifs)" in r.stdout
    entry = r.stdout.split("[ok] effectifs.csv", 1)[1].split("\n[", 1)[0]
    assert "4 lignes" in entry and "année 2022" in entry and "4 département(s)" in entry


def test_check_refuses_the_damaged_line_the_guide_quotes(project, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(project / "data" / "raw" / "demo", raw)
    (raw / "effectifs.csv").write_text(effectifs("9A"), encoding="utf-8")
    r = run_in(project, "--raw", raw, "--check")
    assert r.returncode == 2
    quoted = re.search(r"```text\n(effectifs\.csv, ligne .*?)\n```", GUIDE.read_text(encoding="utf-8")).group(1)
    assert quoted in r.stdout.replace(str(raw) + "/", ""), r.stdout


def test_the_build_saves_the_table_the_entry_names(project, tmp_path):
    processed = tmp_path / "processed"
    r = run_in(project, "CLS-VALLONS", "--processed", processed, "--output", tmp_path / "reports")
    assert r.returncode == 0, r.stdout + r.stderr
    table = pd.read_parquet(processed / "pathologies.parquet")
    assert list(table.columns) == ["year", "departement_code", "pathology", "sex", "age_band", "patients", "population"]
    assert table["departement_code"].tolist() == ["961", "962", "963", "FRANCE"]
    assert table["patients"].isna().tolist() == [False, False, True, False]  # the masked count stays masked
    assert table.loc[3, "patients"] == 4212730 and table["sex"].tolist() == ["ensemble", "ensemble", "F", "ensemble"]
