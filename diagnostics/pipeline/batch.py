"""The batch: raw files → processed tables → one notebook run per territory → HTML, CSV, index.

The territories are shared among worker processes (one territory alone: in the command's process), each
with its own output paths; a failing territory is reported (cell and error) without stopping the others, and
its executed notebook is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

from diagnostics import config
from diagnostics.formatting import fr_number
from diagnostics.pipeline.collection import resume_collection
from diagnostics.pipeline.io import OutputError, ensure_writable, is_disk_fault, output_error, write_text
from diagnostics.pipeline.state import INDEX, STATE_FILE, current_build, output_fingerprint, read_state, up_to_date
from diagnostics.pipeline.worker import OVERVIEW, Outcome, build_overview, build_report, report_filename
from diagnostics.sources.errors import RawDataError


def release_unused_memory() -> None:
    """Give Arrow's freed buffers back to the system (≈ 100 MB after reading a région's raw files)."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()


def _worker_setup() -> None:
    """Worker processes send their stderr (the libraries' warnings) to /dev/null: failures
    reach the user through :class:`Outcome`, and the progress bar stays readable. Terminated, a
    worker unwinds (SystemExit), so that the report it was writing leaves no temporary file."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def progress(iterable, total: int):
    from tqdm import tqdm

    return tqdm(iterable, total=total, unit="rapport", desc="Rapports", file=sys.stderr, dynamic_ncols=True)


def processed_tables_for(args: argparse.Namespace, options: dict) -> dict:
    """The record of processed tables built from the raw folder as it is now: the current ones when the raw
    files (by content), the code that reads them and the options are unchanged, else a new build."""
    build = current_build(args.raw, args.processed, options)
    if build is not None:
        print(
            f"Fichiers bruts inchangés depuis la dernière construction : tables de {args.processed} réutilisées "
            "(--check pour tout revérifier)",
            file=sys.stderr,
        )
        return build
    from diagnostics.pipeline.processing import build_processed

    resume_collection()
    print(f"Lecture et validation des fichiers bruts : {args.raw}", file=sys.stderr)
    build_processed(args.raw, args.processed, options)
    release_unused_memory()  # the workers fork from this process: they need none of the raw-derived tables
    return current_build(args.raw, args.processed, options) or {}


def run(args: argparse.Namespace) -> int:
    options = {
        k: v
        for k, v in {"region": args.region, "standard": args.standard, "threshold": args.threshold}.items()
        if v is not None
    }
    if args.check:
        from diagnostics.pipeline.check import check_raw_folder

        resume_collection()
        return check_raw_folder(args.raw, options)
    started = time.perf_counter()
    try:
        for folder in (args.processed, args.output):
            ensure_writable(folder)
        build = processed_tables_for(args, options)
    except RawDataError as exc:
        print(f"Erreur dans les données brutes : {exc}", file=sys.stderr)
        return 2
    except OutputError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        if not is_disk_fault(exc):
            raise
        print(f"Erreur : {output_error(args.processed, exc)} ; les tables précédentes sont intactes.", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    available = build["territories"]
    wanted = args.territories or available
    unknown = [c for c in wanted if c not in available]
    if unknown:
        print(
            f"Erreur : territoire(s) inconnu(s) : {', '.join(unknown)} ; disponibles : {', '.join(available)}",
            file=sys.stderr,
        )
        return 2
    try:
        for code in wanted:
            report_filename(code)
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    args.output.mkdir(parents=True, exist_ok=True)
    generated = dt.date.today().strftime("%d/%m/%Y")
    fingerprint = output_fingerprint(build, config.REPORT_NOTEBOOK)
    state = read_state(args.output)
    fresh = [] if args.force else up_to_date(wanted, state, fingerprint, args.output)
    todo = [c for c in wanted if c not in fresh]
    if fresh:
        print(
            f"{len(fresh)} rapport(s) à jour (mêmes données, notebook, modèle et paramètres) : non reconstruit(s)",
            file=sys.stderr,
        )
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        """Each report's state saved as soon as it is written: a batch stopped midway resumes there."""
        if outcome.disk_fault:
            raise OutputError(outcome.error)
        outcomes.append(outcome)
        state[outcome.territory] = fingerprint if outcome.ok else ""
        write_text(args.output / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))

    try:
        overview_fingerprint = output_fingerprint(build, config.OVERVIEW_NOTEBOOK)
        # the overview is the région's: a command naming territories builds it only if there is none
        missing = not (args.output / f"{OVERVIEW}.html").exists()
        overview_due = missing or (not args.territories and (args.force or state.get(OVERVIEW) != overview_fingerprint))
        overview = None
        if todo and args.scheduler:
            from diagnostics.pipeline.cluster import build_on_cluster

            resume_collection()
            print(f"Production sur la grappe Dask {args.scheduler}", file=sys.stderr)
            build_on_cluster(
                args.scheduler,
                todo,
                args.processed,
                args.output,
                generated,
                fingerprint,
                args.keep_notebooks,
                progress,
                record,
            )
        elif todo:
            overview = build_all(todo, args, generated, record, overview=overview_due)
        if overview_due and overview is None:
            overview = build_overview(args.processed, args.output, args.keep_notebooks, generated)
        if overview is not None:
            if overview.disk_fault:
                raise OutputError(overview.error)
            state[OVERVIEW] = overview_fingerprint if overview.ok else ""
            write_text(args.output / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))
        built = sorted(up_to_date(list(state), state, fingerprint, args.output))  # this run's and earlier ones
        has_overview = (args.output / f"{OVERVIEW}.html").exists()
        index_fingerprint = output_fingerprint(
            build, config.TEMPLATES_DIR / "pages" / "index.html.j2", json.dumps([built, has_overview])
        )
        index_written = (
            (args.force and not args.territories)
            or state.get(INDEX) != index_fingerprint
            or not (args.output / "index.html").exists()
        )
        if index_written:
            from diagnostics.reporting.index_page import index_html
            from diagnostics.reporting.territory import load_tables

            write_text(
                args.output / "index.html",
                index_html(load_tables(args.processed), set(built), generated, overview=has_overview),
            )
            state[INDEX] = index_fingerprint
            write_text(args.output / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))
    except KeyboardInterrupt as stop:
        print(
            f"\nInterrompu : {len([o for o in outcomes if o.ok])} rapport(s) écrit(s) sur {len(todo)} ; aucun fichier "
            "à moitié écrit. Relancez la même commande pour terminer (les rapports à jour ne sont pas refaits).",
            file=sys.stderr,
        )
        return 128 + getattr(stop, "signal", signal.SIGINT)
    except (OutputError, OSError) as exc:
        if isinstance(exc, OSError) and not is_disk_fault(exc):
            raise
        message = exc if isinstance(exc, OutputError) else output_error(args.output, exc)
        print(
            f"\nErreur : {message}.\nArrêt : {len([o for o in outcomes if o.ok])} rapport(s) écrit(s) et complet(s) ; "
            "aucun fichier à moitié écrit. Libérez de la place (ou rendez le dossier inscriptible) puis relancez : "
            "seuls les rapports manquants seront produits.",
            file=sys.stderr,
        )
        return 2
    if not outcomes and overview is None and not index_written:
        print(
            f"Rien à reconstruire : tables, rapports, synthèse régionale et index à jour dans {args.output} "
            f"({fr_number(time.perf_counter() - started, 1)} s ; --force pour tout refaire)."
        )
        return 0
    print_summary(outcomes, time.perf_counter() - started, args.output)
    if args.territories and state.get(OVERVIEW) != overview_fingerprint:
        print(
            "Synthèse régionale non reconstruite pour une commande qui nomme des territoires : relancez "
            "« python run_all.py » pour la mettre à jour."
        )
    if overview is not None:
        print(
            f"Synthèse régionale : {args.output / (OVERVIEW + '.html')} ({fr_number(overview.seconds, 1)} s)"
            if overview.ok
            else f"ÉCHEC de la synthèse régionale : {overview.error}"
            + (f"\n    notebook exécuté conservé : {overview.debug_notebook}" if overview.debug_notebook else "")
        )
    return 0 if all(o.ok for o in outcomes) and (overview is None or overview.ok) else 1


CRASHED = (
    "le processus qui le produisait s'est arrêté brutalement (mémoire insuffisante ? plantage d'une bibliothèque ?)"
)


def build_all(
    codes: list[str], args: argparse.Namespace, generated: str, record, overview: bool = False
) -> Outcome | None:
    """Every report, on the local pool of worker processes (each reusing its imports); ``record``
    receives each :class:`Outcome` as it comes. With ``overview``, the regional overview is built too
    and its Outcome is returned. Interrupted, the workers are stopped at once (each removes its temporary file).

    A single report is built in this process (a pool would only add a process start and its imports, ≈ 1 s). A
    worker that dies (a crash in a library, the memory exhausted) fails the document it was building, not the
    batch: the documents it took down with it are built again, each in a process of its own."""
    report_args = (str(args.processed), str(args.output), args.keep_notebooks, generated, str(config.REPORT_NOTEBOOK))
    if len(codes) == 1 and not overview:
        record(build_report(codes[0], *report_args))
        return None
    # the overview first: the longest job, it runs beside the reports instead of after them
    jobs = ([(OVERVIEW, build_overview, report_args[:4])] if overview else []) + [
        (code, build_report, (code, *report_args)) for code in codes
    ]
    results: dict[str, Outcome] = {}

    def done(name: str, outcome: Outcome) -> None:
        results[name] = outcome
        if name != OVERVIEW:
            record(outcome)

    crashed = _run_pool(jobs, min(args.jobs, len(jobs)), done, show_progress=True)
    for job in [j for j in jobs if j[0] in crashed]:  # alone now: a second crash is this document's
        if _run_pool([job], 1, done):
            done(job[0], Outcome(job[0], False, 0.0, CRASHED))
    return results.get(OVERVIEW)


def _run_pool(jobs: list[tuple], workers: int, done, show_progress: bool = False) -> set[str]:
    """Run ``jobs`` (name, function, arguments) on a pool of ``workers`` processes, passing each Outcome to
    ``done``; the names of the jobs lost because a worker died."""
    from concurrent.futures.process import BrokenProcessPool

    resume_collection()  # before the workers fork: they start with it running
    pool = ProcessPoolExecutor(max_workers=workers, initializer=_worker_setup)
    crashed = set()
    try:
        futures = {pool.submit(function, *arguments): name for name, function, arguments in jobs}
        finished = as_completed(futures)
        for future in progress(finished, len(futures)) if show_progress else finished:
            try:
                done(futures[future], future.result())
            except BrokenProcessPool:
                crashed.add(futures[future])
    except BaseException:
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(timeout=10)
        raise
    pool.shutdown()
    return crashed


def print_summary(outcomes: list[Outcome], seconds: float, output: Path) -> None:
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if not outcomes:
        print(f"\nAucun rapport reconstruit ; index mis à jour dans {output} ({fr_number(seconds, 1)} s).")
        return
    print(
        f"\n{len(ok)} rapport(s) écrit(s) dans {output}, {len(failed)} échec(s), en {fr_number(seconds, 1)} s "
        f"({fr_number(seconds / max(len(outcomes), 1), 2)} s par rapport)."
    )
    slowest = sorted(ok, key=lambda o: -o.seconds)[:5]
    if slowest:
        print("Les plus longs :\n" + "\n".join(f"  {o.territory:<24} {fr_number(o.seconds, 1):>6} s" for o in slowest))
    if failed:
        print("Échecs :")
    for o in failed:
        print(f"  ÉCHEC {o.territory} : {o.error}")
        if o.debug_notebook:
            print(f"    notebook exécuté conservé : {o.debug_notebook}")
