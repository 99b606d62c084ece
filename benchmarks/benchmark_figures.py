"""What a report's figures cost: CPU time of the 12 figures of one report in a warm process, then the
whole report notebook per territory in one process (as the batch's workers build them).

    python benchmarks/benchmark_figures.py [--processed data/processed] [--territory TS-NORD]
                                           [--repeat 5] [--reports 13]

Printed (this machine, whatever else it is doing — run it idle):
  1. per figure, the best of ``--repeat`` CPU times (``time.process_time``): « dessin » = the chart
     function and its embedding (charts.*: figure built and SVG written), « total » = with the data
     preparation of diagnostics.reporting.figures; then the sum over the 12 figures;
  2. per report, the notebook in this process (ReportWorker.build: parameters, execution in the IPython
     shell, HTML page): wall and CPU seconds.
Library versions are printed first: figures from different installs are not comparable.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))

from versions import versions  # noqa: E402

# the report notebook's figures, in its order
FIGURES = [
    ("spine", ()),
    ("pyramid", ()),
    ("mortality_by_sex", ("mortality_icm",)),
    ("mortality_by_sex", ("premature_mortality_icm",)),
    ("region_ranking", ("mortality_icm",)),
    ("region_ranking", ("premature_mortality_icm",)),
    ("css_trend", ()),
    ("icm_trend", ()),
    ("spending_by_item", ()),
    ("equipment_by_family", ()),
    ("region_map", ("mortality_icm",)),
    ("establishments_map", ()),
]
CHART_FUNCTIONS = [
    "spine_chart",
    "population_pyramid",
    "interval_chart",
    "trend_chart",
    "grouped_bars",
    "territory_map",
    "establishments_map",
    "funnel_plot",
    "group_map",
    "figure_html",
]


def fr(seconds: float, unit: str = "ms") -> str:
    value = seconds * 1000 if unit == "ms" else seconds
    return f"{value:7.1f} {unit}".replace(".", ",") if unit == "ms" else f"{value:5.2f} s".replace(".", ",")


def chart_timer():
    """Wraps the chart functions of diagnostics.reporting.charts to add up the CPU time spent in them."""
    from diagnostics.reporting import charts

    spent = [0.0]
    depth = [0]

    def wrap(fn):
        @functools.wraps(fn)
        def timed(*args, **kwargs):
            depth[0] += 1
            start = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    spent[0] += time.process_time() - start

        return timed

    for name in CHART_FUNCTIONS:
        if hasattr(charts, name):
            setattr(charts, name, wrap(getattr(charts, name)))
    return spent


def figures_cost(processed: Path, code: str, repeat: int) -> None:
    from diagnostics.reporting import charts, figures
    from diagnostics.reporting.territory import load_territory

    print(f"module des graphiques : {charts.__file__}")
    print(f"matplotlib chargé après import : {'matplotlib' in sys.modules}")
    t = load_territory(code, processed)
    spent = chart_timer()
    best = {}
    for run in range(repeat + 1):  # the first run warms caches (tables, shapes, fonts) and is not kept
        for k, (name, args) in enumerate(FIGURES):
            spent[0] = 0.0
            start = time.process_time()
            html = getattr(figures, name)(t, *args)
            total = time.process_time() - start
            if run:
                best.setdefault(k, []).append((total, spent[0], len(html)))
    print(f"\n1. Figures de {code}, meilleur de {repeat} (temps CPU) :")
    print(f"   {'figure':44s} {'dessin':>10s} {'total':>10s} {'octets':>9s}")
    drawing = total = 0.0
    for k, (name, args) in enumerate(FIGURES):
        t_total, t_draw, size = min(best[k])
        drawing, total = drawing + t_draw, total + t_total
        label = name + (f" ({args[0]})" if args else "")
        print(f"   {label:44s} {fr(t_draw)} {fr(t_total)} {size:9d}")
    print(f"   {'les 12 figures':44s} {fr(drawing)} {fr(total)}")
    print(f"   matplotlib chargé après les figures : {'matplotlib' in sys.modules}")


def reports_cost(processed: Path, count: int) -> None:
    import pandas as pd

    from diagnostics.pipeline.worker import ReportWorker

    codes = pd.read_parquet(processed / "territories.parquet")
    codes = codes.loc[codes["reported"], "territory_code"].drop_duplicates().tolist()[:count]
    worker = ReportWorker()
    worker.build(codes[0], str(processed), "01/01/2026")  # imports done
    walls, cpus = [], []
    for code in codes:
        wall, cpu = time.perf_counter(), time.process_time()
        worker.build(code, str(processed), "01/01/2026")
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(f"\n2. Notebook du rapport dans le processus du lot, {len(codes)} territoire(s) :")
    print(
        f"   par rapport : médiane {fr(statistics.median(walls), 's')} (mur), {fr(statistics.median(cpus), 's')} (CPU)"
    )
    print(f"   min {fr(min(walls), 's')}, max {fr(max(walls), 's')} (mur) ; total {fr(sum(walls), 's')}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--processed", type=Path, default=ROOT / "data" / "processed")
    p.add_argument("--territory", default="TS-NORD")
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--reports", type=int, default=13, help="territoires du point 2 (0 : sauter)")
    args = p.parse_args()
    print(versions())
    figures_cost(args.processed, args.territory, args.repeat)
    if args.reports:
        reports_cost(args.processed, args.reports)


if __name__ == "__main__":
    main()
