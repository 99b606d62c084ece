"""The epidemiologist's loop, measured in one run and printed beside the naive baseline of the same run.

    python benchmarks/benchmark_loop.py [--skip-raw]

Figures (wall seconds, this machine, whatever else it is doing — run it idle):
  1. naive: one territory with the papermill CLI then the nbconvert CLI (the baseline of every ratio);
  2. ``run_all.py TERRITOIRE --force`` with the processed tables current (Python start-up included);
  1 and 2 are run ``--repeat`` times each, alternately (a slow moment of a shared machine falls on both), and
  their medians compared;
  3. the report notebook « Run All » on a started kernel, then again after changing ``territory``;
  4. the demo (13 reports, index, regional overview) from current processed tables (``--force``);
  5. a rebuild when nothing changed (and what it says);
  6. the demo from raw files in a fresh output and processed folder (first run after install).
Library versions are printed first: figures from different installs are not comparable.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from versions import versions  # noqa: E402

TERRITORY = "CLS-BRUMES"
OTHER = "TS-SUD"


def timed(cmd: list, **kwargs) -> tuple[float, subprocess.CompletedProcess]:
    start = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=ROOT, **kwargs)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"échec de {' '.join(map(str, cmd))} :\n{done.stdout}\n{done.stderr}")
    return seconds, done


def naive(processed: Path, work: Path) -> float:
    """papermill CLI then nbconvert CLI, as a user would do by hand."""
    executed = work / "naive.ipynb"
    bin_dir = Path(sys.executable).parent
    first, _ = timed(
        [
            bin_dir / "papermill",
            ROOT / "notebooks" / "diagnostic_territorial.ipynb",
            executed,
            "-p",
            "territory",
            TERRITORY,
            "-p",
            "processed_dir",
            processed,
            "--no-progress-bar",
        ]
    )
    second, _ = timed([bin_dir / "jupyter", "nbconvert", "--to", "html", "--no-input", executed, "--output-dir", work])
    return first + second


def notebook_loop(processed: Path) -> tuple[float, float]:
    """« Run All » on a started kernel, then after changing the territory (as in JupyterLab)."""
    import nbformat
    from jupyter_client.manager import start_new_kernel
    from nbclient import NotebookClient

    from diagnostics.pipeline.worker import kernel_name

    nb = nbformat.read(ROOT / "notebooks" / "diagnostic_territorial.ipynb", as_version=4)
    km, kc = start_new_kernel(kernel_name=kernel_name(), cwd=str(ROOT / "notebooks"))
    try:
        times = []
        for territory in (TERRITORY, OTHER):
            for cell in nb.cells:
                if "parameters" in cell.metadata.get("tags", []):
                    cell.source = (
                        f'territory = "{territory}"\nprocessed_dir = "{processed}"\ngenerated = None\n'
                        "communes = None\nnom = None"
                    )
            client = NotebookClient(nb, km=km, timeout=600)
            client.kc = kc
            start = time.perf_counter()
            client.execute(cleanup_kc=False)
            times.append(time.perf_counter() - start)
        return times[0], times[1]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def _listed(values: list[float]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--skip-raw", action="store_true", help="ne pas mesurer la construction depuis les fichiers bruts")
    p.add_argument("--repeat", type=int, default=3, help="passages de 1 et 2 (médianes comparées ; 3 par défaut)")
    args = p.parse_args()
    print(versions())
    python = sys.executable
    with tempfile.TemporaryDirectory(prefix="bench-loop-") as tmp:
        tmp = Path(tmp)
        processed, out = tmp / "processed", tmp / "reports"
        timed([python, "run_all.py", "--processed", processed, "--output", out])  # tables and reports current
        naives, ones = [], []
        for _ in range(max(args.repeat, 1)):
            naives.append(naive(processed, tmp))
            ones.append(
                timed([python, "run_all.py", TERRITORY, "--force", "--processed", processed, "--output", out])[0]
            )
        baseline, one = statistics.median(naives), statistics.median(ones)
        print(
            f"1. naïf (papermill puis nbconvert, {TERRITORY}) : {baseline:.2f} s (médiane de {_listed(naives)}) — "
            "référence des rapports"
        )
        print(
            f"2. run_all.py {TERRITORY} --force, tables à jour : {one:.2f} s (médiane de {_listed(ones)} ; "
            f"{baseline / one:.1f}× plus rapide que le naïf)"
        )

        first, changed = notebook_loop(processed)
        print(
            f"3. notebook, « Run All » sur un noyau démarré : {first:.2f} s ; territoire changé et relancé : "
            f"{changed:.2f} s"
        )

        demo, _ = timed([python, "run_all.py", "--force", "--processed", processed, "--output", out])
        print(
            f"4. démo complète (13 rapports, index, synthèse) depuis les tables : {demo:.2f} s "
            f"({demo / baseline:.2f}× un rapport naïf)"
        )

        again, done = timed([python, "run_all.py", "--processed", processed, "--output", out])
        said = (done.stderr.strip().splitlines() or [""])[-1]
        print(f"5. relance sans changement : {again:.2f} s ({again / baseline:.2f}× un rapport naïf) — « {said} »")

        if not args.skip_raw:
            fresh_p, fresh_o = tmp / "processed-neuf", tmp / "reports-neuf"
            raw, _ = timed([python, "run_all.py", "--processed", fresh_p, "--output", fresh_o])
            print(f"6. démo depuis les fichiers bruts (dossiers neufs) : {raw:.2f} s")
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
