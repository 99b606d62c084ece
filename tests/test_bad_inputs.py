"""The corpus of malformed inputs (``tests/bad_inputs/cases.toml``): each case breaks one file of a
copy of a raw folder, runs the batch on it, and checks that it stops (exit code 2) with a message
naming the file, the line or column, and what was expected — and that the reports and processed
tables of the previous build are byte-for-byte unchanged. ``--check`` refuses the same folder with
the same message (a folder that passes the check builds).

A case is a few lines of TOML (see the head of cases.toml): adding one needs no Python.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from diagnostics import config
from diagnostics.pipeline import cli
from diagnostics.pipeline.check import check_raw_folder

HERE = Path(__file__).parent / "bad_inputs"
CASES = tomllib.loads((HERE / "cases.toml").read_text(encoding="utf-8"))["case"]
MIN_CASES = 40


def decode(raw: bytes) -> tuple[str, str]:
    try:
        return raw.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return raw.decode("latin-1"), "latin-1"


def break_file(folder: Path, case: dict) -> None:
    """Apply the case's edit to ``folder / case["file"]`` (see cases.toml for the edits)."""
    path = folder / case["file"]
    edit = case["edit"]
    if edit == "delete":
        path.unlink()
        return
    if edit == "copy":
        shutil.copy(HERE / case["source"], path)
        return
    text, encoding = decode(path.read_bytes()) if path.exists() else ("", "utf-8")
    lines = text.split("\n")
    if edit == "replace":
        assert case["old"] in text, f"{case['name']}: « {case['old']} » absent de {path.name}"
        text = text.replace(case["old"], case["new"], case.get("count", 1) or -1)
    elif edit == "set_line":
        lines[case["line"] - 1] = case["text"]
        text = "\n".join(lines)
    elif edit == "insert":
        lines[case["line"] - 1 : case["line"] - 1] = case["text"].split("\n")
        text = "\n".join(lines)
    elif edit == "repeat_line":  # line `line` copied again before line `at`
        lines[case["at"] - 1 : case["at"] - 1] = [lines[case["line"] - 1]]
        text = "\n".join(lines)
    elif edit == "delete_lines":
        text = "\n".join(line for line in lines if case["containing"] not in line)
    elif edit == "content":
        text = case["text"]
    elif edit == "truncate":
        path.write_bytes(path.read_bytes()[: case["bytes"]])
        return
    elif edit == "encode":
        encoding = case["encoding"]
    elif edit == "nul":  # a NUL byte inserted after the first `after`, or before the first `before`
        raw = path.read_bytes()
        mark = (case.get("after") or case["before"]).encode(encoding)
        assert mark in raw, f"{case['name']}: « {mark!r} » absent de {path.name}"
        at = raw.index(mark) + (len(mark) if "after" in case else 0)
        path.write_bytes(raw[:at] + b"\x00" + raw[at:])
        return
    elif edit == "latin1_line":  # one line re-encoded in ISO-8859-1 inside a UTF-8 file
        head = "\n".join(lines[: case["line"] - 1]) + "\n"
        tail = "\n" + "\n".join(lines[case["line"] :])
        path.write_bytes(head.encode("utf-8") + lines[case["line"] - 1].encode("latin-1") + tail.encode("utf-8"))
        return
    else:
        raise AssertionError(f"{case['name']}: modification inconnue « {edit} »")
    path.write_bytes(text.encode(encoding))


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def bases(tmp_path_factory) -> dict[str, Path]:
    """The raw folders the cases break: the tidy demo and the official-format demo."""
    official = tmp_path_factory.mktemp("officiel") / "val-brumeux"
    subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "scripts" / "generate_official_demo.py"), str(official)],
        check=True,
        capture_output=True,
    )
    return {"demo": config.DEMO_RAW_DIR, "officiel": official}


@pytest.fixture(scope="module")
def previous_build(tmp_path_factory) -> tuple[Path, Path, dict, dict]:
    """A complete earlier build (processed tables and one report) that no failed run may touch."""
    root = tmp_path_factory.mktemp("previous")
    processed, reports = root / "processed", root / "reports"
    assert (
        cli.main(
            [
                "--raw",
                str(config.DEMO_RAW_DIR),
                "--processed",
                str(processed),
                "--output",
                str(reports),
                "--jobs",
                "1",
                "CLS-BRUMES",
            ]
        )
        == 0
    )
    return processed, reports, tree_digest(processed), tree_digest(reports)


# one case at least for each kind of file a raw folder may hold
READER_FILES = (
    "population_communes_sexe_age5_",
    "deces_domicile_communes_",
    "territoires.csv",
    "beneficiaires_css",
    "depenses_remboursees_communes_",
    "depenses_remboursees_france_",
    "france_population_deces.csv",
    "places_medico_sociales_france_",
    "communes-val-brumeux.geojson",
    "etalab-cs1100507-",
    "etalab-cs1100505-",
    "table-appartenance-geo-communes-",
    "deces-2020.txt",
    "fichier-opposition-deces",
    "R2023",
    "RNIAM_",
    "BTT_TD_POP1B_",
    "estim-pop-dep-sexe-aq-",
    "sources.toml",
    "contrats",
    "objectifs",
    # offre de soins de premier recours (issue 18)
    "PS_LibreAcces_",
    "demographie-effectifs",
    "professionnels_sante_france_",
    "zonage_medecins",
    # issue 17
    "deces_causes_",
    "cepidc_",
    "Deces_2023.csv",
    # social context (issue 19)
    "cc_filosofi_",
    "DS_FILOSOFI_CC_",
    "base-cc-emploi-",
    "base-cc-diplomes-",
    "base-cc-coupl-",
    "base-ic-",
)


def test_the_corpus_is_large_and_covers_every_reader():
    assert len(CASES) >= MIN_CASES
    assert len({c["name"] for c in CASES}) == len(CASES)
    for prefix in READER_FILES:
        assert any(Path(c["file"]).name.startswith(prefix) for c in CASES), prefix


@pytest.mark.slow
@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_bad_input_stops_with_a_message_that_says_where_and_what(case, bases, previous_build, tmp_path, capsys):
    processed, reports = tmp_path / "processed", tmp_path / "reports"
    shutil.copytree(previous_build[0], processed)
    shutil.copytree(previous_build[1], reports)
    raw = tmp_path / "raw"
    shutil.copytree(bases[case.get("base", "demo")], raw)
    break_file(raw, case)
    capsys.readouterr()
    code = cli.main(["--raw", str(raw), "--processed", str(processed), "--output", str(reports), "--jobs", "1"])
    message = capsys.readouterr().err
    assert code == 2, repr(message[-600:])
    for fragment in [Path(case.get("named", case["file"])).name, case["where"], *case["expected"]]:
        assert fragment in message, f"« {fragment} » absent du message : {message!r}"
    assert tree_digest(processed) == previous_build[2]
    assert tree_digest(reports) == previous_build[3]
    out = io.StringIO()
    assert check_raw_folder(raw, {}, out=out) == 2, out.getvalue()[-600:]
    for fragment in [Path(case.get("named", case["file"])).name, case["where"], *case["expected"]]:
        assert fragment in out.getvalue(), f"« {fragment} » absent de --check : {out.getvalue()[-1500:]!r}"
