"""Faults during a batch: a notebook that raises, the batch stopped by a signal, a full or read-only
disk. In every case the reports and tables on disk are whole (old or new, never half-written) and
the next run finishes the work, rebuilding only what is missing.

The disk tests mount small tmpfs file systems (root only: they are skipped elsewhere, never in CI,
which runs as root).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from diagnostics import config
from diagnostics.pipeline import cli
from diagnostics.pipeline.state import STATE_FILE

pytestmark = pytest.mark.slow  # runs the batch or a Jupyter kernel

TERRITORIES = ["TS-SUD", "CLS-VALLONS", "ASV-NACRE", "TS-NORD", "TS-CENTRE", "CLS-BRUMES"]


def run_all(*args, **kwargs):
    return subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "run_all.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=config.PROJECT_ROOT,
        **kwargs,
    )


def leftovers(*folders: Path) -> list[Path]:
    """Temporary files of interrupted writes."""
    return [
        p for folder in folders for p in folder.rglob("*") if p.name.endswith(".tmp") or p.name.startswith(".essai")
    ]


def assert_whole_reports(folder: Path) -> set[str]:
    """Every report on disk is complete; returns their territory codes."""
    codes = set()
    for html in folder.glob("*.html"):
        text = html.read_text(encoding="utf-8")
        assert text.rstrip().endswith("</html>"), html.name
        codes.add(html.stem)
    return codes - {"index", "synthese_regionale"}


def test_a_failing_notebook_fails_its_territory_only(tmp_path, monkeypatch, capsys):
    broken = tmp_path / "diagnostic_territorial.ipynb"
    text = config.REPORT_NOTEBOOK.read_text(encoding="utf-8")
    marker = "t = load_territory(territory, processed_dir)"
    assert marker in text
    broken.write_text(
        text.replace(marker, marker + "\\n\",\n    \"if territory == 'TS-SUD': raise ValueError('panne simulée')"),
        encoding="utf-8",
    )
    monkeypatch.setattr(config, "REPORT_NOTEBOOK", broken)
    cell = next(c for c in json.loads(text)["cells"] if marker in "".join(c["source"]))
    raising_line = "".join(cell["source"]).splitlines().index(marker) + 2  # the line after the marker
    out = tmp_path / "reports"
    code = cli.main(
        ["TS-SUD", "CLS-VALLONS", "ASV-NACRE", "--output", str(out), "--processed", str(tmp_path / "p"), "--jobs", "2"]
    )
    printed = capsys.readouterr().out
    assert code == 1
    assert "2 rapport(s) écrit(s)" in printed and "1 échec(s)" in printed
    assert (
        f"ÉCHEC TS-SUD : cellule 3, ligne {raising_line} du notebook (« from IPython.display import HTML, display ») : "
        "ValueError : panne simulée" in printed
    )
    assert f"notebook exécuté conservé : {out / '_notebooks' / 'TS-SUD.ipynb'}" in printed
    assert (out / "_notebooks" / "TS-SUD.ipynb").exists() and not (out / "TS-SUD.html").exists()
    assert assert_whole_reports(out) == {"CLS-VALLONS", "ASV-NACRE"}
    assert json.loads((out / STATE_FILE).read_text())["TS-SUD"] == ""  # rebuilt by the next run


def test_a_worker_that_dies_fails_its_territory_only_and_relative_folders_work(tmp_path, monkeypatch, capsys):
    crashing = tmp_path / "diagnostic_territorial.ipynb"
    text = config.REPORT_NOTEBOOK.read_text(encoding="utf-8")
    marker = "t = load_territory(territory, processed_dir)"
    crashing.write_text(
        text.replace(marker, marker + "\\n\",\n    \"if territory == 'TS-SUD': import os; os._exit(70)"),
        encoding="utf-8",
    )  # as a crash in a library or the kernel's OOM killer would end the process
    monkeypatch.setattr(config, "REPORT_NOTEBOOK", crashing)
    monkeypatch.chdir(tmp_path)  # the folders given relative to where the command runs, not to the notebook
    code = cli.main(["TS-SUD", "CLS-VALLONS", "ASV-NACRE", "--output", "rapports", "--processed", "p", "--jobs", "2"])
    printed = capsys.readouterr().out
    assert code == 1
    assert "2 rapport(s) écrit(s)" in printed and "1 échec(s)" in printed
    assert "ÉCHEC TS-SUD : le processus qui le produisait s'est arrêté brutalement" in printed
    out = tmp_path / "rapports"
    assert assert_whole_reports(out) == {"CLS-VALLONS", "ASV-NACRE"}
    assert json.loads((out / STATE_FILE).read_text())["TS-SUD"] == ""


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_batch_stopped_by_a_signal_leaves_whole_files_and_resumes(tmp_path, signum):
    out, processed = tmp_path / "reports", tmp_path / "processed"
    cmd = [
        sys.executable,
        str(config.PROJECT_ROOT / "run_all.py"),
        *TERRITORIES,
        "--output",
        str(out),
        "--processed",
        str(processed),
        "--jobs",
        "2",
    ]
    # a new session: SIGINT goes to the whole group, as Ctrl-C in a terminal does
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=config.PROJECT_ROOT, start_new_session=True
    )
    deadline = time.monotonic() + 300
    while not (out / STATE_FILE).exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert proc.poll() is None, "le lot s'est terminé avant le signal"
    children = psutil.Process(proc.pid).children(recursive=True)
    assert children  # workers and their kernels
    if signum == signal.SIGINT:
        os.killpg(proc.pid, signum)
    else:
        proc.send_signal(signum)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signum, err
    assert "Interrompu" in err and "aucun fichier à moitié écrit" in err
    assert not leftovers(out, processed)
    on_disk = assert_whole_reports(out)
    psutil.wait_procs(children, timeout=15)
    assert not [
        c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE
    ]  # no orphan worker or kernel
    state = json.loads((out / STATE_FILE).read_text())
    # recorded = received by the batch; a worker may have written a report the batch had not yet received
    built = {code for code, fingerprint in state.items() if fingerprint}
    assert 1 <= len(built) < len(TERRITORIES) and built <= on_disk

    again = run_all(*TERRITORIES, "--output", out, "--processed", processed, "--jobs", "2")
    assert again.returncode == 0, again.stderr
    assert f"{len(built)} rapport(s) à jour" in again.stderr
    assert f"{len(TERRITORIES) - len(built)} rapport(s) écrit(s)" in again.stdout
    assert assert_whole_reports(out) == set(TERRITORIES)


@contextlib.contextmanager
def small_disk(path: Path, size: str):
    """A tmpfs of ``size`` mounted on ``path`` (skips the test where mounting is not allowed)."""
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("monter un système de fichiers demande les droits root")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True, text=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"montage tmpfs impossible ici : {mounted.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_output_disk_stops_cleanly_and_the_next_run_finishes(tmp_path):
    processed = tmp_path / "processed"
    with small_disk(tmp_path / "disk", "600k") as out:  # about three reports (0,15 Mo each) and their CSV
        full = run_all(*TERRITORIES, "--output", out, "--processed", processed, "--jobs", "1")
        assert full.returncode == 2, full.stdout + full.stderr
        assert "écriture impossible" in full.stderr and "disque plein" in full.stderr
        assert "aucun fichier à moitié écrit" in full.stderr
        assert not leftovers(out)
        built = assert_whole_reports(out)
        assert len(built) < len(TERRITORIES)
        subprocess.run(["mount", "-o", "remount,size=50m", str(out)], check=True)
        again = run_all(*TERRITORIES, "--output", out, "--processed", processed, "--jobs", "1")
        assert again.returncode == 0, again.stderr
        assert f"{len(TERRITORIES) - len(built)} rapport(s) écrit(s)" in again.stdout
        assert assert_whole_reports(out) == set(TERRITORIES)


def test_full_disk_while_writing_the_tables_keeps_the_previous_set(tmp_path, demo_processed):
    # room for the current set (4 KiB blocks) and about half of another: the new set cannot be written beside it
    blocks = sum(-(-table.stat().st_size // 4096) for table in demo_processed.iterdir())
    with small_disk(tmp_path / "disk", f"{blocks * 6}k") as processed:
        for table in demo_processed.glob("*.parquet"):
            shutil.copy(table, processed / table.name)
        before = {p.name: p.read_bytes() for p in processed.iterdir()}
        # another threshold changes the indicators table: a new set has to be written
        r = run_all("TS-SUD", "--output", tmp_path / "reports", "--processed", processed, "--threshold", "5")
        assert r.returncode == 2, r.stdout + r.stderr
        assert "disque plein" in r.stderr and "les tables précédentes sont intactes" in r.stderr
        assert {p.name: p.read_bytes() for p in processed.iterdir()} == before
        assert not (tmp_path / "reports" / "TS-SUD.html").exists()


def test_read_only_output_is_refused_before_any_work(tmp_path):
    with small_disk(tmp_path / "disk", "1m") as out:
        (out / "ancien.html").write_text("<html></html>", encoding="utf-8")
        subprocess.run(["mount", "-o", "remount,ro", str(out)], check=True)
        r = run_all("TS-SUD", "--output", out, "--processed", tmp_path / "processed")
        assert r.returncode == 2
        assert f"{out} : écriture impossible" in r.stderr and "disque en lecture seule" in r.stderr
        assert "Lecture et validation" not in r.stderr  # refused before reading hours of raw files
        assert not (tmp_path / "processed").exists() or not list((tmp_path / "processed").iterdir())
        assert [p.name for p in out.iterdir()] == ["ancien.html"]
