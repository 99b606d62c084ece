"""Batch throughput: wall time per report for 100, 400, 1 250 territories, against the naive loop
(papermill CLI then nbconvert CLI, one territory after the other); prints the figures.

    python benchmarks/benchmark_batch.py [--sizes 100 400 1250] [--jobs 2] [--naive 4]

The territories are synthetic (deterministic): sets of 2 to 40 communes of the demo région drawn
with a fixed seed, written as ``territoires.csv`` in a copy of the demo raw folder, so every report
has the full content (all sections, all figures, the map). Peak memory is the largest sum of the
resident memory of the batch and all its children (the worker processes), sampled every 0.2 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics import config  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from versions import versions  # noqa: E402


def synthetic_raw(folder: Path, n: int) -> Path:
    """The demo raw folder with ``n`` territories of 2 to 40 neighbouring communes (seeded): like the
    EPCI, contrats locaux or bassins de vie, each is in one piece around a randomly drawn commune."""
    from diagnostics.sources.geometry import read_geometry

    raw = folder / f"raw-{n}"
    shutil.copytree(config.DEMO_RAW_DIR, raw)
    geo = read_geometry(raw / "geo" / "communes-val-brumeux.geojson")
    centres = np.array([[g.centroid.x, g.centroid.y] for g in geo["geometry"]])
    codes = geo["code"].to_numpy()
    rng = np.random.default_rng(n)
    rows = []
    for i in range(n):
        seed, size = int(rng.integers(len(codes))), int(rng.integers(2, 41))
        nearest = np.argsort(((centres - centres[seed]) ** 2).sum(axis=1))[:size]
        rows.append(
            (f"T{i:04d}", f"Territoire synthétique {i}", "territoire de proximité", " ".join(sorted(codes[nearest])))
        )
    pd.DataFrame(rows, columns=["code", "nom", "type", "communes"]).to_csv(
        raw / "territoires.csv", sep=";", index=False
    )
    for demo_only in ("contrats.csv", "objectifs.csv"):  # they name the demo's territories
        (raw / demo_only).unlink(missing_ok=True)
    return raw


def run_measured(cmd: list[str]) -> tuple[float, float, float, str]:
    """Wall seconds, peak memory (GB) of the process tree as the sum of proportional set sizes (PSS:
    pages shared by the forked workers counted once, shared among them) and as the sum of resident
    sizes (RSS: shared pages counted in every process, an upper bound), output."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=ROOT)
    peak, peak_rss, done = [0], [0], threading.Event()

    def sample():
        root = psutil.Process(proc.pid)
        while not done.is_set():
            try:
                tree = [p for p in [root] + root.children(recursive=True) if p.is_running()]
                info = [p.memory_full_info() for p in tree]
                peak[0] = max(peak[0], sum(i.pss for i in info))
                peak_rss[0] = max(peak_rss[0], sum(i.rss for i in info))
            except psutil.Error:
                pass
            time.sleep(0.2)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    out, _ = proc.communicate()
    done.set()
    thread.join()
    if proc.returncode != 0:
        raise SystemExit(out[-3000:])
    return time.perf_counter() - start, peak[0] / 1e9, peak_rss[0] / 1e9, out


def naive_seconds_per_report(raw: Path, processed: Path, tmp: Path, k: int) -> float:
    """papermill CLI then nbconvert CLI, one territory after the other (the way before the batch)."""
    codes = pd.read_csv(raw / "territoires.csv", sep=";", dtype=str)["code"].tolist()[:k]
    start = time.perf_counter()
    for code in codes:
        executed = tmp / f"naive-{code}.ipynb"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "papermill",
                str(config.REPORT_NOTEBOOK),
                str(executed),
                "-p",
                "territory",
                code,
                "-p",
                "processed_dir",
                str(processed),
                "--report-mode",
                "-k",
                "diagnostic-territorial",
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        subprocess.run(
            [sys.executable, "-m", "jupyter", "nbconvert", "--to", "html", "--no-input", str(executed)],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
    return (time.perf_counter() - start) / len(codes)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--naive", type=int, default=4, help="territories timed with the naive loop")
    args = parser.parse_args()
    print(f"machine : {psutil.virtual_memory().total / 2**30:.0f} Gio ; {versions()}")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batch_per_report = None
        per_size = {}
        for n in args.sizes:
            raw = synthetic_raw(tmp, n)
            seconds, peak, peak_rss, _ = run_measured(
                [
                    sys.executable,
                    "run_all.py",
                    "--raw",
                    str(raw),
                    "--processed",
                    str(tmp / f"p{n}"),
                    "--output",
                    str(tmp / f"r{n}"),
                    "--jobs",
                    str(args.jobs),
                    "--force",
                ]
            )
            html = [p.stat().st_size for p in (tmp / f"r{n}").glob("T*.html")]
            per = seconds / n
            batch_per_report = batch_per_report or per
            per_size[n] = per
            print(
                f"{n:5d} territoires : {seconds:7.1f} s, {per:.2f} s par rapport (tout compris : données, index), "
                f"pic mémoire {peak:.2f} Go (PSS ; RSS cumulés {peak_rss:.2f} Go), HTML moyen "
                f"{np.mean(html) / 1e6:.2f} Mo"
            )
            shutil.rmtree(tmp / f"r{n}")
        if len(per_size) > 1:
            first, last = min(per_size), max(per_size)
            print(
                f"linéarité : {per_size[last]:.2f} s par rapport à {last} territoires contre {per_size[first]:.2f} s à "
                f"{first} (rapport {per_size[last] / per_size[first]:.2f} ; 1,00 = coût proportionnel au nombre de "
                "territoires)"
            )
        if args.naive:
            naive = naive_seconds_per_report(raw, tmp / f"p{args.sizes[-1]}", tmp, args.naive)
            print(
                f"boucle naïve (papermill puis nbconvert en ligne de commande, {args.naive} territoires) : "
                f"{naive:.2f} s par rapport ; lot {batch_per_report:.2f} s par rapport : "
                f"{naive / batch_per_report:.1f}× plus rapide"
            )


if __name__ == "__main__":
    main()
