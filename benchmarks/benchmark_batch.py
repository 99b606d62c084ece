"""Time the full demo batch and the cost of one report; prints the figures.

    python benchmarks/benchmark_batch.py [--jobs N]

Measures, on the embedded demo region: raw files → processed tables and indicators; the whole
batch (every territory, in parallel); one report alone (notebook execution + HTML export).
"""
from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from diagnostics import config  # noqa: E402
from diagnostics.batch import build_report, kernel_name  # noqa: E402
from diagnostics.processing import build_processed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        tables = build_processed(config.DEMO_RAW_DIR, tmp / "processed")
        t_process = time.perf_counter() - t0
        terr = tables["territories"]
        codes = list(dict.fromkeys(terr.loc[terr.reported, "territory_code"]))

        t0 = time.perf_counter()
        one = build_report(codes[0], str(tmp / "processed"), str(tmp / "one"), False, "01/01/2026", kernel=kernel_name())
        t_one = time.perf_counter() - t0
        assert one.ok, one.error

        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(ROOT / "run_all.py"), "--output", str(tmp / "reports"),
                               "--processed", str(tmp / "processed2"), "--jobs", str(args.jobs)],
                              capture_output=True, text=True)
        t_batch = time.perf_counter() - t0
        if proc.returncode != 0:
            raise SystemExit(proc.stdout + proc.stderr)
        html_sizes = [p.stat().st_size for p in (tmp / "reports").glob("*.html") if p.name != "index.html"]

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"raw → processed + indicators : {t_process:6.2f} s ({len(codes)} territories + comparators)")
    print(f"one report (sequential)      : {t_one:6.2f} s")
    print(f"full demo batch, --jobs {args.jobs}    : {t_batch:6.2f} s for {len(codes)} reports "
          f"= {t_batch / len(codes):.2f} s wall per report (process start and indicators included)")
    print(f"report size                  : {sum(html_sizes) / len(html_sizes) / 1e6:.2f} MB average HTML")


if __name__ == "__main__":
    main()
