"""Throughput and memory of the INSEE deaths-file reader (``deces-AAAA.txt``); prints the figures.

    python benchmarks/benchmark_deaths.py [--records 650000] [--files 1 3 6]

Generates deterministic fictional yearly files (≈ the size of a real year, 5 % non-ASCII names,
2 % records repeated in the next file), then parses, deduplicates and aggregates 1, 3 and 6 of
them. Time is measured on a plain run; peak memory (Python and numpy allocations) on a second,
traced run. Memory should not grow with the number of files.
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.demo.official_writers import death_records  # noqa: E402
from diagnostics.sources.insee_deaths import aggregate_death_files  # noqa: E402


def write_year(folder: Path, year: int, n: int, rng: np.random.Generator) -> Path:
    # 35 000 communes; deaths concentrate where hospitals are (Zipf-like weights)
    pool = np.char.add(
        np.char.zfill(rng.integers(1, 96, 35_000).astype(str), 2),
        np.char.zfill(rng.integers(1, 900, 35_000).astype(str), 3),
    )
    weights = 1 / np.arange(1, len(pool) + 1) ** 0.9
    communes = pool[rng.choice(len(pool), n, p=weights / weights.sum())]
    ages = np.minimum(rng.gamma(9.0, 9.0, n).astype(int), 110)
    lines = death_records(rng, communes, np.full(n, year), rng.integers(1, 3, n), ages, first_act=(year % 100) * 10**7)
    accented = rng.random(n) < 0.05
    for i in np.flatnonzero(accented):
        lines[i] = "É" + lines[i][1:]
    late = rng.random(n) < 0.02  # late records: the next year's file repeats them
    path = folder / f"deces-{year}.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / f"late-{year}.txt").write_text("\n".join(np.asarray(lines)[late]) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=650_000, help="records per yearly file")
    parser.add_argument("--files", type=int, nargs="+", default=[1, 3, 6])
    args = parser.parse_args()
    rng = np.random.default_rng(2024)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        print(f"machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}")
        t = time.perf_counter()
        years = list(range(2024 - max(args.files) + 1, 2025))
        paths = []
        for year in years:
            paths.append(write_year(folder, year, args.records, rng))
        for prev, path in zip(paths, paths[1:]):  # append the previous year's late records to this file
            with open(path, "a", encoding="utf-8") as f:
                f.write((folder / f"late-{int(prev.stem[-4:])}.txt").read_text(encoding="utf-8"))
        print(
            f"génération de {len(paths)} fichiers : {time.perf_counter() - t:.1f} s, "
            f"{sum(p.stat().st_size for p in paths) / 1e6:.0f} Mo"
        )
        for k in args.files:
            chosen = paths[-k:]
            t = time.perf_counter()
            table, summary = aggregate_death_files(chosen)
            seconds = time.perf_counter() - t
            tracemalloc.start()  # a second run for memory: tracing slows numpy down
            aggregate_death_files(chosen)
            _, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            print(
                f"{k} fichier(s) : {summary.records:>9,} enregistrements en {seconds:5.2f} s = "
                f"{summary.records / seconds / 1e6:4.2f} M enr./s ; doublons écartés {summary.duplicates:,} ; "
                f"pic mémoire {peak / 1e6:4.0f} Mo ; table agrégée {len(table):,} lignes".replace(",", " ")
            )


if __name__ == "__main__":
    main()
