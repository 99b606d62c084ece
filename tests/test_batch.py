"""The batch reuses its worker processes without leaking state, rebuilds only what changed, and runs the same on
a Dask cluster (a LocalCluster of worker processes on loopback) as on the local pool."""

import datetime as dt
import os
import shutil
import subprocess
import sys

import pytest

from diagnostics import config
from diagnostics.pipeline.worker import ReportWorker

pytestmark = pytest.mark.slow  # runs the batch or a Jupyter kernel


def run_all(*args):
    return subprocess.run(
        [sys.executable, str(config.PROJECT_ROOT / "run_all.py"), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=config.PROJECT_ROOT,
    )


def test_a_reused_worker_gives_the_same_report_as_a_fresh_process(demo_processed, tmp_path):
    today = dt.date.today().strftime("%d/%m/%Y")  # the date run_all.py writes in the header
    reused = ReportWorker()
    reused.build("TS-NORD", demo_processed, today)
    after_other, csv_after = reused.build("CLS-VALLONS", demo_processed, today)
    alone = run_all("CLS-VALLONS", "--processed", demo_processed, "--output", tmp_path, "--jobs", "1")
    assert alone.returncode == 0, alone.stdout + alone.stderr
    assert after_other == (tmp_path / "CLS-VALLONS.html").read_text(encoding="utf-8")
    assert csv_after == (tmp_path / "CLS-VALLONS.csv").read_text(encoding="utf-8")
    assert "<h1>CLS des Hauts-Vallons</h1>" in after_other


def test_each_run_starts_from_an_empty_namespace(demo_processed, tmp_path):
    import nbformat

    nb = nbformat.v4.new_notebook(
        metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        cells=[
            nbformat.v4.new_code_cell("territory = 'X'", metadata={"tags": ["parameters"]}),
            nbformat.v4.new_code_cell(
                "print(sorted(k for k in globals() if k.startswith('leftover')))\nleftover_from = territory"
            ),
        ],
    )
    path = tmp_path / "probe.ipynb"
    nbformat.write(nb, path)
    worker = ReportWorker(str(path))
    first = worker.execute({"territory": "A"})
    second = worker.execute({"territory": "B"})
    assert first["cells"][-1]["outputs"][0]["text"] == "[]\n"
    assert second["cells"][-1]["outputs"][0]["text"] == "[]\n"  # « leftover_from » of A is gone


def test_rerun_with_nothing_changed_rebuilds_nothing_and_force_rebuilds(tmp_path):
    out, processed = tmp_path / "reports", tmp_path / "processed"
    first = run_all("TS-SUD", "--output", out, "--processed", processed, "--jobs", "1")
    assert first.returncode == 0, first.stdout + first.stderr
    stamp = (out / "TS-SUD.html").stat().st_mtime_ns
    tables = (processed / "indicators.parquet").stat().st_mtime_ns
    again = run_all("TS-SUD", "--output", out, "--processed", processed, "--jobs", "1")
    assert again.returncode == 0
    assert "Fichiers bruts inchangés depuis la dernière construction" in again.stderr  # raw files not read again
    assert "Rien à reconstruire : tables, rapports, synthèse régionale et index à jour" in again.stdout
    assert (out / "TS-SUD.html").stat().st_mtime_ns == stamp
    assert (processed / "indicators.parquet").stat().st_mtime_ns == tables
    forced = run_all("TS-SUD", "--output", out, "--processed", processed, "--jobs", "1", "--force")
    assert "1 rapport(s) écrit(s)" in forced.stdout and (out / "TS-SUD.html").stat().st_mtime_ns != stamp
    # a change in the options (here the disclosure threshold) rebuilds the tables and the report
    changed = run_all("TS-SUD", "--output", out, "--processed", processed, "--jobs", "1", "--threshold", "5")
    assert "Lecture et validation des fichiers bruts" in changed.stderr
    assert "1 rapport(s) écrit(s)" in changed.stdout, changed.stdout + changed.stderr


def test_raw_files_are_read_again_only_when_their_content_changed(tmp_path):
    raw, out, processed = tmp_path / "raw", tmp_path / "reports", tmp_path / "processed"
    shutil.copytree(config.DEMO_RAW_DIR, raw)
    args = ["CLS-VALLONS", "--raw", raw, "--output", out, "--processed", processed, "--jobs", "1"]
    assert run_all(*args).returncode == 0
    css = raw / "css" / "beneficiaires_css.csv"
    os.utime(css, ns=(css.stat().st_atime_ns, css.stat().st_mtime_ns + 10**9))  # touched, same content
    touched = run_all(*args)
    assert "Fichiers bruts inchangés" in touched.stderr and "Rien à reconstruire" in touched.stdout
    lines = css.read_text(encoding="utf-8").splitlines()
    code, year, count = lines[1].rsplit(";", 2)[0], lines[1].rsplit(";", 2)[1], int(lines[1].rsplit(";", 2)[2])
    lines[1] = f"{code};{year};{count + 1}"
    css.write_text("\n".join(lines) + "\n", encoding="utf-8")  # one more beneficiary in one commune
    changed = run_all(*args)
    assert "Lecture et validation des fichiers bruts" in changed.stderr
    assert "1 rapport(s) écrit(s)" in changed.stdout, changed.stdout + changed.stderr


def test_a_dask_cluster_builds_the_same_reports(tmp_path):
    distributed = pytest.importorskip("distributed")
    local = run_all(
        "TS-SUD", "CLS-VALLONS", "--output", tmp_path / "local", "--processed", tmp_path / "p1", "--jobs", "2"
    )
    assert local.returncode == 0, local.stdout + local.stderr
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        remote = run_all(
            "TS-SUD",
            "CLS-VALLONS",
            "--output",
            tmp_path / "remote",
            "--processed",
            tmp_path / "p2",
            "--scheduler",
            cluster.scheduler_address,
        )
    assert remote.returncode == 0, remote.stdout + remote.stderr
    assert f"Production sur la grappe Dask {cluster.scheduler_address}" in remote.stderr
    for name in ("TS-SUD.html", "TS-SUD.csv", "CLS-VALLONS.html", "CLS-VALLONS.csv"):
        assert (tmp_path / "remote" / name).read_bytes() == (tmp_path / "local" / name).read_bytes(), name
