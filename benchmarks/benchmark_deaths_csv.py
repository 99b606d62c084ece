"""Throughput of the reader of the INSEE deaths file's CSV edition (``Deces_AAAA.csv``); prints the figures.

    python benchmarks/benchmark_deaths_csv.py [--records 650000] [--repeat 3]

Generates one deterministic fictional year (≈ the size of a real one) in both editions from the same
records — 5 % of names accented, 1 % holding a double quote (escaped ``""`` in the CSV), every CSV
field quoted, CRLF line ends — then times, best of ``--repeat`` runs: the CSV parser alone, the
fixed-width parser alone on the same records (the reference), and the whole aggregation of the CSV
file (deduplication and counts) by ``aggregate_death_files`` with the readers the catalog gives
it. It also checks that both parsers return identical records.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics.demo.official_writers import death_records  # noqa: E402
from diagnostics.formatting import fr_number  # noqa: E402
from diagnostics.sources import insee_deaths  # noqa: E402
from diagnostics.sources.insee_deaths_csv import HEADER, file_order_key, read_and_parse  # noqa: E402

FIELDS = [(0, 80), (80, 81), (81, 89), (89, 94), (94, 124), (124, 154), (154, 162), (162, 167), (167, 176)]


def both_editions(folder: Path, n: int, rng: np.random.Generator) -> tuple[Path, Path]:
    pool = np.char.add(
        np.char.zfill(rng.integers(1, 96, 35_000).astype(str), 2),
        np.char.zfill(rng.integers(1, 900, 35_000).astype(str), 3),
    )
    weights = 1 / np.arange(1, len(pool) + 1) ** 0.9
    communes = pool[rng.choice(len(pool), n, p=weights / weights.sum())]
    ages = np.minimum(rng.gamma(9.0, 9.0, n).astype(int), 110)
    lines = death_records(rng, communes, np.full(n, 2024), rng.integers(1, 3, n), ages, first_act=24 * 10**7)
    for i in np.flatnonzero(rng.random(n) < 0.05):
        lines[i] = "ÉLÉONORE" + lines[i][8:]
    for i in np.flatnonzero(rng.random(n) < 0.01):
        lines[i] = 'O"BRIEN ' + lines[i][8:]
    for i in np.flatnonzero(rng.random(n) < 0.8):  # act numbers of varying length, as in the real files (8, 1204)
        lines[i] = lines[i][:167] + f"{lines[i][167:176].lstrip('0') or '0':<9}"
    txt, csv = folder / "deces-2024.txt", folder / "Deces_2024.csv"
    txt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    quoted = ('"' + '";"'.join(line[a:b].rstrip().replace('"', '""') for a, b in FIELDS) + '"' for line in lines)
    csv.write_text("\r\n".join(['"' + '";"'.join(HEADER) + '"', *quoted]) + "\r\n", encoding="utf-8", newline="")
    return txt, csv


def best(repeat: int, run) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = run()
        times.append(time.perf_counter() - t)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=650_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    import pandas as pd
    import pyarrow as pa

    print(
        f"machine : {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}, pandas {pd.__version__}, pyarrow {pa.__version__} ; "
        f"charge moyenne {os.getloadavg()[0]:.1f} pour {os.cpu_count()} cœurs"
    )
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        txt, csv = both_editions(Path(tmp), args.records, np.random.default_rng(2024))
        print(
            f"génération : {time.perf_counter() - t:.1f} s ; CSV {csv.stat().st_size / 1e6:.0f} Mo, "
            f"largeur fixe {txt.stat().st_size / 1e6:.0f} Mo, {fr_number(args.records)} enregistrements"
        )
        n = args.records
        s_csv, r_csv = best(args.repeat, lambda: read_and_parse(csv))
        s_txt, r_txt = best(args.repeat, lambda: read_and_parse(txt))
        # every record array alike ("lines", the last line's number, counts the CSV's header line)
        same = all(np.array_equal(r_csv[k], r_txt[k]) for k in r_csv if k != "lines")
        print(f"lecture CSV         : {s_csv:5.2f} s = {n / s_csv / 1e6:4.2f} M enr./s")
        print(f"lecture largeur fixe: {s_txt:5.2f} s = {n / s_txt / 1e6:4.2f} M enr./s (référence)")
        print(f"enregistrements identiques entre les deux éditions : {'oui' if same else 'NON'}")
        s_agg, (table, summary) = best(
            args.repeat,
            lambda: insee_deaths.aggregate_death_files([csv], read=read_and_parse, order_key=file_order_key),
        )  # as the catalog reads the deaths files
        print(
            f"agrégation du CSV   : {s_agg:5.2f} s = {summary.records / s_agg / 1e6:4.2f} M enr./s ; "
            f"{fr_number(summary.kept)} décès comptés, table de {fr_number(len(table))} lignes"
        )


if __name__ == "__main__":
    main()
