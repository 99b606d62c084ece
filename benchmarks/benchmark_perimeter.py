"""An ad hoc perimeter of 50 communes, processed tables current: from the command to the written report,
printed beside the naive papermill + nbconvert run of the same perimeter in the same run (target ≤ 4 s wall).

    python benchmarks/benchmark_perimeter.py

Figures (wall seconds, this machine, whatever else it is doing — run it idle):
  1. naive: the report notebook with the papermill CLI (parameters communes, nom) then the nbconvert CLI;
  2. ``run_all.py --communes … --nom …`` (Python start-up, checks, the notebook in the command's own process:
     indicators of the perimeter alone, HTML and CSV written);
  3. the perimeter's indicators alone, in this process (``perimeter_tables``), beside the full build of
     indicators from the raw files.
Library versions are printed first: figures from different installs are not comparable.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from versions import versions  # noqa: E402

NAME = "Périmètre de 50 communes"


def timed(cmd: list) -> float:
    start = time.perf_counter()
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"échec de {' '.join(map(str, cmd))} :\n{done.stdout}\n{done.stderr}")
    return seconds


def main() -> None:
    import pandas as pd

    from diagnostics import config
    from diagnostics.pipeline.processing import build_processed
    from diagnostics.reporting.perimeter import all_tables, perimeter_tables

    print(versions())
    python, bin_dir = sys.executable, Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="bench-perimetre-") as tmp:
        tmp = Path(tmp)
        processed, out = tmp / "processed", tmp / "reports"
        start = time.perf_counter()
        build_processed(config.DEMO_RAW_DIR, processed)
        build = time.perf_counter() - start
        communes = pd.read_parquet(processed / "communes.parquet")["commune"].sort_values().iloc[::5][:50].tolist()
        members = ",".join(communes)

        executed = tmp / "naive.ipynb"
        naive = timed(
            [
                bin_dir / "papermill",
                config.REPORT_NOTEBOOK,
                executed,
                "-p",
                "communes",
                members,
                "-p",
                "nom",
                NAME,
                "-p",
                "processed_dir",
                processed,
                "--no-progress-bar",
            ]
        )
        naive += timed([bin_dir / "jupyter", "nbconvert", "--to", "html", "--no-input", executed, "--output-dir", tmp])
        print(f"1. naïf (papermill puis nbconvert, {len(communes)} communes) : {naive:.2f} s — référence")

        ours = timed(
            [python, "run_all.py", "--communes", members, "--nom", NAME, "--processed", processed, "--output", out]
        )
        written = sorted(p.name for p in out.iterdir())
        print(
            f"2. run_all.py --communes ({len(communes)} communes) --nom, tables à jour : {ours:.2f} s "
            f"({naive / ours:.1f}× plus rapide que le naïf ; cible ≤ 4 s) → {', '.join(written)}"
        )

        tables = all_tables(processed)
        start = time.perf_counter()
        perimeter_tables(members, NAME, tables=tables)
        alone = time.perf_counter() - start
        print(
            f"3. indicateurs du seul périmètre (en mémoire) : {alone:.2f} s ; construction complète des tables "
            f"depuis les fichiers bruts : {build:.2f} s"
        )


if __name__ == "__main__":
    main()
