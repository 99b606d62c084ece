"""Territory names with markup, quotes, accents and great length are shown as text, never run; a code
that is not a safe file name is refused before anything is written."""

import ast
import base64
import json
import re
import subprocess
import sys

import pytest

from diagnostics import config

HOSTILE = (
    '<script>alert("x")</script> & "Côte d\'Opale" — Communauté de communes du Pays des Sept Vallées et du Ternois'
)


def run_all(*args):
    return subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "run_all.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=config.PROJECT_ROOT,
    )


@pytest.mark.slow
def test_hostile_name_is_escaped_everywhere(raw_copy, tmp_path):
    with open(raw_copy / "territoires.csv", "a", encoding="utf-8") as f:
        f.write(f'CLS-HOSTILE;"{HOSTILE.replace(chr(34), chr(34) * 2)}";contrat local de santé;96101 96102 96103\n')
    r = run_all(
        "CLS-HOSTILE", "--raw", raw_copy, "--output", tmp_path / "out", "--processed", tmp_path / "p", "--jobs", "1"
    )
    assert r.returncode == 0, r.stdout + r.stderr
    for name in ("CLS-HOSTILE.html", "index.html"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8")
        assert "<script>alert" not in text
        assert "&lt;script&gt;alert(" in text and "&lt;/script&gt; &amp; " in text, name  # shown as text
        for svg in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text):
            assert b"<script>alert" not in base64.b64decode(svg)  # matplotlib escapes the labels of the figures
    csv = (tmp_path / "out" / "CLS-HOSTILE.csv").read_text(encoding="utf-8-sig")
    assert HOSTILE.replace('"', '""') in csv  # quoted as CSV, unchanged


@pytest.mark.slow
def test_code_that_would_leave_the_output_folder_is_refused(raw_copy, tmp_path):
    with open(raw_copy / "territoires.csv", "a", encoding="utf-8") as f:
        f.write("../evade;Évasion;contrat local de santé;96101\n")
    r = run_all(
        "../evade", "--raw", raw_copy, "--output", tmp_path / "out", "--processed", tmp_path / "p", "--jobs", "1"
    )
    assert r.returncode == 2
    assert "code de territoire « ../evade » inutilisable comme nom de fichier" in r.stderr
    assert not (tmp_path / "evade.html").exists() and not list((tmp_path).glob("*.html"))


@pytest.mark.slow
def test_names_of_the_deaths_files_never_reach_an_output(tmp_path):
    """The INSEE deaths files hold each deceased's name: none may reach a report, a CSV, a kept
    notebook, a processed table or the console."""
    import pandas as pd

    raw = tmp_path / "officiel"
    subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "scripts" / "generate_official_demo.py"), str(raw)],
        check=True,
        capture_output=True,
    )
    for deaths in sorted(raw.glob("deces-*.txt")):
        lines = deaths.read_text(encoding="latin-1").splitlines(keepends=True)
        # the name field is the first 80 characters of the fixed-width record
        deaths.write_text(
            "".join(f"DUPONTEL{i:06d}*HORTENSE MARGUERITE/".ljust(80) + line[80:] for i, line in enumerate(lines)),
            encoding="latin-1",
        )
    assert "DUPONTEL000001*HORTENSE" in (raw / "deces-2020.txt").read_text(encoding="latin-1")
    out, processed = tmp_path / "out", tmp_path / "processed"
    r = run_all(
        "TS-SUD", "DEP-961", "--raw", raw, "--output", out, "--processed", processed, "--jobs", "2", "--keep-notebooks"
    )
    assert r.returncode == 0, r.stdout + r.stderr
    texts = [r.stdout, r.stderr]
    for path in sorted(out.rglob("*")):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "replace")
            texts.append(text)
            texts += [
                base64.b64decode(s).decode("utf-8")
                for s in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", text)
            ]
    tables = sorted(processed.glob("*.parquet"))
    assert len(tables) >= 15 and len(list(out.glob("_notebooks/*.ipynb"))) == 3  # two territories and the overview
    for table in tables:  # read, not grepped: Parquet pages are compressed
        df = pd.read_parquet(table)
        texts += [" ".join(df[c].map(str)) for c in df.columns] + [" ".join(map(str, df.columns))]
    everything = "\n".join(texts).upper()
    assert "DUPONTEL" not in everything and "HORTENSE" not in everything and "MARGUERITE" not in everything


@pytest.mark.slow
def test_parameters_passed_to_the_notebook_cannot_run_code(tmp_path):
    """The processed folder's path reaches the notebook as a parameter: quotes, backslashes and line
    breaks in it stay text (papermill writes it as an escaped literal)."""
    hostile = tmp_path / 'p"; open("PWNED", "w"); x = "\\\n'
    r = run_all("ASV-NACRE", "--processed", hostile, "--output", tmp_path / "out", "--jobs", "1", "--keep-notebooks")
    assert r.returncode == 0, r.stdout + r.stderr
    assert (hostile / "indicators.parquet").exists() and (tmp_path / "out" / "ASV-NACRE.html").exists()
    notebook = json.loads((tmp_path / "out" / "_notebooks" / "ASV-NACRE.ipynb").read_text(encoding="utf-8"))
    injected = next(
        "".join(c["source"]) for c in notebook["cells"] if "injected-parameters" in c["metadata"].get("tags", [])
    )
    assignment = next(node for node in ast.parse(injected).body if node.targets[0].id == "processed_dir")
    assert ast.literal_eval(assignment.value) == str(hostile)  # one string literal, equal to the path
    assert not list(config.PROJECT_ROOT.rglob("PWNED")) and not list(tmp_path.rglob("PWNED"))
