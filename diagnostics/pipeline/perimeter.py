"""``run_all.py --communes … --nom …``: one ad hoc perimeter's report from the current processed tables, without
rebuilding the other territories, the index or the overview (« Pour quel périmètre ? », issue 20)."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from diagnostics import config
from diagnostics.formatting import fr_number
from diagnostics.pipeline.io import OutputError, ensure_writable


def check_perimeter(members, name: str, processed_dir: Path) -> tuple[str, list[str], str]:
    """(slug, communes, line for territoires.csv), or PerimeterError/FileNotFoundError before anything runs."""
    import pandas as pd

    from diagnostics.reporting.perimeter import PERIMETER_TABLES, build_region
    from diagnostics.reporting.territory import require_tables
    from diagnostics.territories.perimeter import perimeter_communes, perimeter_slug, territories_csv_line

    require_tables(processed_dir, PERIMETER_TABLES)
    communes = pd.read_parquet(processed_dir / "communes.parquet")
    territories = pd.read_parquet(processed_dir / "territories.parquet")
    listed = perimeter_communes(members, communes, build_region(territories))
    slug = perimeter_slug(name, set(territories["territory_code"]))
    return slug, listed, territories_csv_line(slug, name, members)


def compute_ahead(members: str, name: str, processed_dir: str) -> None:
    """The perimeter's indicators computed in two child processes (half of the families each: both cores) while
    this one loads the report's modules, then finished (comparators, trends, secret statistique, power) and offered
    to the notebook's own call (same function, same arguments). On any failure the notebook computes them itself,
    and says why if it cannot."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from diagnostics.indicators.compute import HALVES
    from diagnostics.pipeline import notebook_shell
    from diagnostics.pipeline.worker import import_report_modules
    from diagnostics.reporting.perimeter import all_tables, offer_perimeter, perimeter_frames, perimeter_tables

    if "fork" not in multiprocessing.get_all_start_methods():  # the children must start with this process's imports
        return
    with ProcessPoolExecutor(2, mp_context=multiprocessing.get_context("fork")) as pool:
        parts = [pool.submit(perimeter_frames, members, name, processed_dir, families) for families in HALVES]
        notebook_shell.shell()
        import_report_modules()
        import scipy.special  # noqa: F401 - the trend tests and the power that follow: loaded while the children work

        try:
            tables = all_tables(processed_dir)
            frames = [frame for part in parts for frame in part.result()]
            perimeter = perimeter_tables(members, name, processed_dir, tables=tables, frames=frames)
            offer_perimeter(perimeter, members, name, processed_dir)
        except Exception:  # noqa: BLE001 - the notebook's own call reports it
            pass


def run_perimeter(args: argparse.Namespace) -> int:
    """Exit 0 with the report written, 2 on a bad list or name (nothing written), 1 if the notebook fails."""
    from diagnostics.territories.perimeter import PerimeterError

    started = time.perf_counter()
    name = args.nom or ""
    try:
        ensure_writable(args.output)
        slug, communes, line = check_perimeter(args.communes, name, Path(args.processed))
    except (PerimeterError, FileNotFoundError, OutputError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    from diagnostics.pipeline.worker import ReportWorker, write_report

    members = " ".join(communes)
    compute_ahead(members, name, str(args.processed))
    worker = ReportWorker(str(config.REPORT_NOTEBOOK))
    try:
        body, csv_text = worker.report(
            {
                "communes": members,
                "nom": name,
                "processed_dir": str(args.processed),
                "generated": dt.date.today().strftime("%d/%m/%Y"),
            }
        )
    except Exception as exc:  # noqa: BLE001 - the notebook's error, said in one line
        print(f"ÉCHEC du rapport du périmètre : {type(exc).__name__} : {str(exc).splitlines()[-1:]}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    write_report(Path(args.output), slug, body, csv_text)
    print(
        f"Rapport du périmètre « {' '.join(name.split())} » ({fr_number(len(communes))} communes) : "
        f"{args.output / (slug + '.html')} et {slug}.csv ({fr_number(time.perf_counter() - started, 1)} s ; "
        "non repris dans l'index)."
    )
    print("Pour le garder, ajoutez cette ligne à territoires.csv :")
    print(line)
    return 0


def run_comparison(args: argparse.Namespace) -> int:
    """``--comparer "Nom A=…" "Nom B=…"``: the comparison page of 2 to 6 candidates, ``comparaison-<a>-<b>….html``."""
    import pandas as pd

    from diagnostics.pipeline.io import write_text
    from diagnostics.reporting.comparison import candidate_definitions, parse_candidates
    from diagnostics.reporting.perimeter import PERIMETER_TABLES
    from diagnostics.reporting.territory import require_tables
    from diagnostics.territories.perimeter import PerimeterError

    started = time.perf_counter()
    processed = Path(args.processed)
    try:
        ensure_writable(args.output)
        candidates = parse_candidates(args.comparer)
        require_tables(processed, PERIMETER_TABLES)  # the candidates are perimeters (all_tables)
        tables = {t: pd.read_parquet(processed / f"{t}.parquet") for t in ("communes", "territories")}
        slugs = candidate_definitions(candidates, tables)["territory_code"].unique()
    except (PerimeterError, FileNotFoundError, OutputError) as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    from diagnostics.pipeline.worker import ReportWorker
    from diagnostics.reporting.notebook_page import notebook_page

    worker = ReportWorker(str(config.COMPARISON_NOTEBOOK))
    try:
        nb = worker.execute(
            {
                "candidats": list(args.comparer),
                "processed_dir": str(processed),
                "generated": dt.date.today().strftime("%d/%m/%Y"),
            }
        )
        body = notebook_page(nb, "Comparer des périmètres")
    except Exception as exc:  # noqa: BLE001 - the notebook's error, said in one line
        print(f"ÉCHEC de la comparaison : {type(exc).__name__} : {str(exc).splitlines()[-1:]}", file=sys.stderr)
        return 1
    args.output.mkdir(parents=True, exist_ok=True)
    name = ("comparaison-" + "-".join(slugs))[:120].rstrip("-")
    write_text(Path(args.output) / f"{name}.html", body)
    print(
        f"Comparaison de {len(candidates)} périmètres : {args.output / (name + '.html')} "
        f"({fr_number(time.perf_counter() - started, 1)} s ; non reprise dans l'index)."
    )
    return 0
