"""docs/ajouter-un-indicateur.md followed to the letter in a copy of the project: the files the guide
shows are written where it says, a raw file is added, and the new indicator must show up in
indicators.parquet, the synthesis chart, its family's section, the CSV and the methods annex, with
significance and the secret statistique applied; the errors the guide quotes are the ones raised."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from diagnostics import config
from diagnostics.indicators.declared import DeclarationError, read_declaration
from diagnostics.indicators.families import FAMILY_LABELS

GUIDE = config.PROJECT_ROOT / "docs" / "ajouter-un-indicateur.md"
SKIPPED = shutil.ignore_patterns(".venv", ".git", "reports", "processed", "__pycache__", "*.egg-info", ".pytest_cache")


def guide_files() -> dict[str, str]:
    """path → content of every block the guide introduces with « <!-- fichier: path --> »."""
    text = GUIDE.read_text(encoding="utf-8")
    return dict(re.findall(r"<!-- fichier: (\S+) -->\n```\w*\n(.*?)```", text, re.S))


def screening_file(raw: Path) -> None:
    """The raw file of step 1 for the demo communes: 35 % of the 50-74 year olds screened, except in
    the tiny CLS des Hauts-Vallons (4 people: masked); France at 34 %."""
    pop = pd.concat(pd.read_csv(p, sep=";", dtype={"CODGEO": str}) for p in (raw / "population").glob("*2023.csv"))
    target = pop[pop.AGE5.isin(["50-54", "55-59", "60-64", "65-69", "70-74"])].groupby("CODGEO")["NB"].sum()
    counts = (target * 0.35).round().astype(int)
    counts[counts.index.isin(["96240", "96294", "96296", "96298"])] = 1
    france = pd.read_csv(raw / "france" / "france_population_deces.csv", sep=";")
    fr_target = france[
        (france.annee == 2023) & france.classe_age.isin(["50-54", "55-59", "60-64", "65-69", "70-74"])
    ].population.sum()
    lines = (
        ["commune;annee;personnes_depistees"]
        + [f"{c};2023;{n}" for c, n in counts.items()]
        + [f"FRANCE;2023;{round(fr_target * 0.34)}"]
    )
    (raw / "depistage_colorectal_communes_2023.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    copy = tmp_path_factory.mktemp("guide") / "projet"
    shutil.copytree(config.PROJECT_ROOT, copy, ignore=SKIPPED)
    files = guide_files()
    assert set(files) == {
        "diagnostics/indicators/declared/depistage_colorectal.yaml",
        "diagnostics/indicators/declared/depistage_colorectal.py",
    }
    for path, content in files.items():
        (copy / path).write_text(content, encoding="utf-8")
    screening_file(copy / "data" / "raw" / "demo")
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


@pytest.mark.slow
def test_check_lists_the_new_raw_file(project):
    r = run_in(project, "--check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (
        "[ok] depistage_colorectal_communes_2023.csv — indicateur déclaré « Participation au dépistage du cancer "
        "colorectal »" in r.stdout
    )


@pytest.mark.slow
def test_the_declared_indicator_shows_up_everywhere(project):
    r = run_in(project, "TS-SUD", "CLS-VALLONS")
    assert r.returncode == 0, r.stdout + r.stderr
    ind = pd.read_parquet(project / "data" / "processed" / "indicators.parquet")
    rows = ind[ind.indicator == "depistage_colorectal"].set_index("territory_code")
    assert rows.loc["TS-SUD", "value"] == pytest.approx(35.0, abs=0.1) and rows.loc["FRANCE", "value"] == pytest.approx(
        34.0, abs=0.01
    )
    assert rows.loc["TS-SUD", "sig_france"] == "supérieur"  # CI above France
    assert rows.loc["CLS-VALLONS", "small_count"]
    page = html.unescape((project / "reports" / "TS-SUD.html").read_text(encoding="utf-8"))
    assert "Consommation de soins : indicateurs complémentaires" in page  # its family's section
    # the synthesis chart (its alt text), read with the declared polarity: higher is better
    shown = f"{rows.loc['TS-SUD', 'value']:.1f}".replace(".", ",")
    assert (
        f"Participation au dépistage du cancer colorectal : {shown}\u00a0% (France 34,0\u00a0%), significativement "
        "meilleur" in page
    )
    assert "Part des personnes de 50 à 74 ans ayant réalisé un test de dépistage" in page  # methods annex
    csv = pd.read_csv(project / "reports" / "TS-SUD.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert csv[csv.indicateur == "depistage_colorectal"].valeur.tolist() == [shown]
    tiny = pd.read_csv(project / "reports" / "CLS-VALLONS.csv", sep=";", encoding="utf-8-sig", dtype=str)
    assert tiny[tiny.indicateur == "depistage_colorectal"].effectif.tolist() == ["<\u00a011"]


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("higher_is: better", "higer_is: better", "depistage_colorectal.yaml, ligne 10 : champ « higer_is » inconnu"),
        (
            "higher_is: better",
            "higher_is: mieux",
            "depistage_colorectal.yaml, ligne 10 : higher_is : « mieux » : attendu worse, better ou neither",
        ),
        ("family: consumption", "family: consumption: x", "depistage_colorectal.yaml, ligne 3 : syntaxe YAML invalide"),
        (
            "target = target.groupby",
            "target = target.groupby(",
            "depistage_colorectal.py, ligne 9 : erreur de syntaxe Python",
        ),
    ],
)
def test_the_errors_quoted_by_the_guide_point_at_the_line(tmp_path, old, new, message):
    for path, content in guide_files().items():
        (tmp_path / Path(path).name).write_text(content.replace(old, new), encoding="utf-8")
    with pytest.raises(DeclarationError) as error:
        read_declaration(tmp_path / "depistage_colorectal.yaml", set(FAMILY_LABELS))
    assert message in str(error.value)
    assert message in GUIDE.read_text(encoding="utf-8")  # the guide quotes it as it is
