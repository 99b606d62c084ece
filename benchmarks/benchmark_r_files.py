"""Throughput and memory of the Cnam R-file reader (``RAAAAMM.csv``); prints the figures.

    python benchmarks/benchmark_r_files.py [--rows 1000000] [--gzip]

A real monthly file has ≈ 4.3 million rows of 39 columns; this writes one deterministic fictional
file of ``--rows`` rows in that layout (every column present, decimal commas), then streams it
through :func:`read_r_file`. Peak memory is traced on a second run: it should depend on the block
size, not on the number of rows.
"""

from __future__ import annotations

import argparse
import gzip
import platform
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.demo.official_writers import R_FILE_COLUMNS  # noqa: E402
from diagnostics.sources.cnam_reimbursements import read_r_file, series_items  # noqa: E402

DEPARTEMENTS = [f"{d:02d}" for d in range(1, 96) if d != 20] + ["2A", "2B", "971", "972", "973", "974", "976"]


def write_file(path: Path, rows: int, rng: np.random.Generator) -> None:
    series = np.array([p + "1" for p in series_items()])
    frame = pd.DataFrame({c: "0" for c in R_FILE_COLUMNS}, index=range(rows))
    frame["sns_date"] = rng.choice(["202001", "201912", "201911"], rows, p=[0.8, 0.15, 0.05])
    frame["serie"] = rng.choice(series, rows)
    frame["dpt"] = rng.choice(DEPARTEMENTS, rows)
    frame["l_dpt"] = frame["dpt"] + "-Département"
    frame["rem_mon"] = np.char.replace(np.round(rng.gamma(1.5, 80.0, rows), 2).astype(str), ".", ",")
    frame["act_dnb"] = np.arange(1, rows + 1).astype(
        str
    )  # every line of a real file is a distinct combination of its axes
    text = frame.to_csv(sep=";", index=False)
    path.write_bytes(gzip.compress(text.encode(), compresslevel=1) if path.suffix == ".gz" else text.encode())


def measure(path: Path) -> None:
    """Read once for time, once traced for Python memory; Arrow's own pool peak (a fresh process)."""
    import pyarrow as pa

    start = time.perf_counter()
    out = read_r_file(path)
    elapsed = time.perf_counter() - start
    tracemalloc.start()
    read_r_file(path)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    print(f"{elapsed:.3f} {peak:.0f} {pa.default_memory_pool().max_memory() / 1e6:.0f} {len(out)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--gzip", action="store_true")
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.measure)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / ("R202001.csv.gz" if args.gzip else "R202001.csv")
        write_file(path, args.rows, np.random.default_rng(2020))
        size = path.stat().st_size / 1e6
        result = subprocess.run(
            [sys.executable, __file__, "--measure", str(path)], capture_output=True, text=True, check=True
        )
        elapsed, peak, arrow_peak, groups = result.stdout.split()
    elapsed = float(elapsed)
    print(f"machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}")
    print(
        f"{args.rows:,} lignes, {size:.0f} Mo{' (gzip)' if args.gzip else ''} : {elapsed:.2f} s, "
        f"{args.rows / elapsed / 1e6:.2f} M lignes/s, pic mémoire Python {peak} Mo + Arrow {arrow_peak} Mo, {groups} "
        "agrégats"
    )


if __name__ == "__main__":
    main()
