"""The batch: raw files → processed tables → one notebook run per territory → HTML, CSV, index.

Each territory runs in its own worker process with its own output paths; a failing territory is
reported (cell and error) without stopping the others, and its executed notebook is kept.
"""
from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import re
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import config
from .formatting import fr_number
from .io import OutputError, ensure_writable, is_disk_fault, output_error, write_text
from .sources.errors import RawDataError
from .sources.territory_definitions import SAFE_CODE



@dataclass
class Outcome:
    territory: str
    ok: bool
    seconds: float
    error: str = ""
    debug_notebook: str = ""
    disk_fault: bool = False  # the output disk is full or read-only: every other report would fail too


def report_filename(code: str) -> str:
    """The territory code as a file name; codes that are not safe file names are refused."""
    if not SAFE_CODE.match(code):
        raise ValueError(f"code de territoire « {code} » inutilisable comme nom de fichier (lettres, chiffres, - _ .)")
    return code


def kernel_name() -> str:
    """The project's kernel when registered (install command), else the current Python's."""
    from jupyter_client.kernelspec import KernelSpecManager

    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="diagnostic", extra_template_basedirs=[str(config.TEMPLATES_DIR)])


# After the first collection the survivors (modules, cached tables) are frozen: later collections only
# scan what the previous territory left, ≈ 0 s instead of ≈ 0,2 s for a full pass over every object.
RESET_CELL = """%reset -f
import gc as _gc, matplotlib.pyplot as _plt
_plt.close("all"); _gc.collect(); _gc.freeze(); del _gc, _plt"""
OVERVIEW = "synthese_regionale"  # the regional overview's file name (and its key in the state file)
CELL_TIMEOUT = 600  # seconds; a cell taking longer is stuck


class ReportWorker:
    """Builds reports one after the other in one process, reusing what is safe to reuse: the kernel
    (its imports: a report starts in ≈ 0 s instead of ≈ 3), the parsed notebook and the HTML exporter.

    Nothing of one territory reaches the next: every run starts with ``%reset -f`` (the user namespace
    emptied, figures closed), and the notebook loads its territory's data itself. A kernel that died
    is replaced. ``tests/test_batch.py`` checks that a report built after others is identical to the
    same report built alone.
    """

    def __init__(self, notebook: str = str(config.REPORT_NOTEBOOK), kernel: str | None = None):
        from papermill.iorw import load_notebook_node

        self.base = load_notebook_node(notebook)
        self.kernel = kernel or kernel_name()
        self.exporter = html_exporter()
        self.km = self.kc = None

    def execute(self, parameters: dict):
        """The executed notebook (raises ``CellExecutionError`` with the notebook attached as ``.nb``)."""
        import copy

        import nbformat
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError, DeadKernelError
        from papermill.parameterize import parameterize_notebook

        for attempt in (1, 2):
            nb = parameterize_notebook(copy.deepcopy(self.base), parameters, report_mode=True)
            nb.cells.insert(0, nbformat.v4.new_code_cell(RESET_CELL))
            client = NotebookClient(nb, km=self.km, kernel_name=self.kernel, timeout=CELL_TIMEOUT, record_timing=False)
            client.kc = self.kc
            try:
                client.execute(cleanup_kc=False)
            except CellExecutionError as exc:
                self.km, self.kc = client.km, client.kc
                nb.cells.pop(0)
                exc.nb = nb
                raise
            except (DeadKernelError, RuntimeError, TimeoutError):
                self.close()  # a dead or stuck kernel is replaced, once
                if attempt == 2:
                    raise
                continue
            self.km, self.kc = client.km, client.kc
            nb.cells.pop(0)
            return nb

    def build(self, code: str, processed_dir: str, generated: str) -> tuple[str, str]:
        """(HTML, CSV text) of one territory's report."""
        nb = self.execute({"territory": code, "processed_dir": str(processed_dir), "generated": generated})
        csv_text, title = notebook_csv(nb)
        body, _ = self.exporter.from_notebook_node(nb, resources={"report_title": title})
        self.last_notebook = nb
        return body, csv_text

    def close(self) -> None:
        if self.kc is not None:
            try:
                self.kc.stop_channels()
            except Exception:  # noqa: BLE001 - best effort on the way out
                pass
        if self.km is not None:
            try:
                from jupyter_core.utils import run_sync

                run_sync(self.km.shutdown_kernel)(now=True)
            except Exception:  # noqa: BLE001
                pass
        self.km = self.kc = None


def notebook_csv(nb) -> tuple[str, str]:
    """(CSV text, report title) of the territory, as the notebook displayed them: the HTML and the CSV
    come from the same load of its rows in the kernel."""
    from .report import CSV_MIMETYPE

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if CSV_MIMETYPE in output.get("data", {}):
                return output["data"][CSV_MIMETYPE], output.get("metadata", {}).get(CSV_MIMETYPE, {}).get("report_title", "")
    raise ValueError("le notebook n'a pas affiché le CSV du territoire (display(report.csv_export(t)))")


_WORKERS: dict[tuple[str, str], ReportWorker] = {}


def worker_for(notebook: str, kernel: str | None) -> ReportWorker:
    """This process's worker for a notebook (created on first use, its kernel shut down at exit)."""
    import threading

    key = (notebook, kernel or "", threading.get_ident())  # a kernel serves one thread (Dask workers may have several)
    if key not in _WORKERS:
        import atexit
        from multiprocessing import util

        worker = _WORKERS[key] = ReportWorker(notebook, kernel)
        util.Finalize(worker, worker.close, exitpriority=10)  # pool workers skip atexit
        atexit.register(worker.close)
    return _WORKERS[key]


def write_report(output: Path, code: str, body: str, csv_text: str) -> None:
    """``<code>.csv`` then ``<code>.html`` (each replaced atomically)."""
    name = report_filename(code)
    write_text(output / f"{name}.csv", csv_text)
    write_text(output / f"{name}.html", body)


def keep_notebook(output: Path, code: str, notebook_text: str) -> str:
    """An executed notebook kept for debugging in ``<output>/_notebooks``; its path."""
    path = output / "_notebooks" / f"{report_filename(code)}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, notebook_text)
    return str(path)


def build_report(code: str, processed_dir: str, output_dir: str, keep_notebooks: bool, generated: str,
                 notebook: str = str(config.REPORT_NOTEBOOK), kernel: str | None = None) -> Outcome:
    """Execute the report notebook for one territory and write ``<code>.html`` and ``<code>.csv``."""
    report_filename(code)
    worker = worker_for(notebook, kernel)

    def produce():
        body, csv_text = worker.build(code, processed_dir, generated)
        write_report(Path(output_dir), code, body, csv_text)
        return worker.last_notebook

    return _outcome(code, Path(output_dir), keep_notebooks, produce)


def build_overview(processed_dir: str, output_dir: str, keep_notebooks: bool, generated: str, kernel: str | None = None) -> Outcome:
    """The regional overview (``synthese_regionale.html``) from its own notebook."""
    worker = worker_for(str(config.OVERVIEW_NOTEBOOK), kernel)
    donor = _WORKERS.get((str(config.REPORT_NOTEBOOK), kernel or "", threading.get_ident()))

    def produce():
        # one kernel per process: the overview borrows the one the reports use (imports loaded, no start-up)
        lend = worker.km is None and donor is not None and donor.km is not None
        if lend:
            worker.km, worker.kc = donor.km, donor.kc
        try:
            nb = worker.execute({"processed_dir": str(processed_dir), "generated": generated})
        finally:
            if lend:
                donor.km, donor.kc, worker.km, worker.kc = worker.km, worker.kc, None, None
        body, _ = worker.exporter.from_notebook_node(nb, resources={"report_title": "Synthèse régionale des diagnostics territoriaux"})
        write_text(Path(output_dir) / f"{OVERVIEW}.html", body)
        return nb

    return _outcome(OVERVIEW, Path(output_dir), keep_notebooks, produce)


def _outcome(code: str, output: Path, keep_notebooks: bool, produce) -> Outcome:
    """Run ``produce`` (which writes the files and returns the executed notebook) into an :class:`Outcome`:
    one document's failure must not stop the batch; its executed notebook is kept for debugging."""
    import nbformat

    start = time.perf_counter()
    try:
        nb = produce()
    except Exception as exc:
        if is_disk_fault(exc):
            return Outcome(code, False, time.perf_counter() - start, str(output_error(output, exc)), disk_fault=True)
        failed = getattr(exc, "nb", None)
        kept = keep_notebook(output, code, nbformat.writes(failed)) if failed is not None else ""
        return Outcome(code, False, time.perf_counter() - start, describe_error(exc), kept)
    if keep_notebooks:
        keep_notebook(output, code, nbformat.writes(nb))
    return Outcome(code, True, time.perf_counter() - start)


def release_unused_memory() -> None:
    """Give Arrow's freed buffers back to the system (≈ 100 MB after reading a région's raw files)."""
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()


def describe_error(exc: Exception) -> str:
    """The failing cell and its error, for the summary (the executed notebook rides on ``exc.nb``)."""
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError):
        nb = getattr(exc, "nb", None)
        failed = next(((i + 1, c) for i, c in enumerate(nb.cells if nb is not None else [])
                       if any(o.get("output_type") == "error" for o in c.get("outputs", []))), None)
        if failed is None:
            return f"cellule ? du notebook : {exc.ename} : {exc.evalue}"
        number, cell = failed
        first = next((line.strip() for line in cell.source.splitlines() if line.strip() and not line.startswith("#")), "")
        opening = first[:60] + ("…" if len(first) > 60 else "")
        # the line within the cell, from IPython's « Cell In[3], line 7 » (colours stripped)
        found = re.search(r"In \[\d+\], line (\d+)|In\[\d+\], line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", exc.traceback or ""))
        line = f", ligne {found.group(1) or found.group(2)}" if found else ""
        # numbered as in the kept executed notebook (with papermill's injected parameters cell)
        return f"cellule {number}{line} du notebook (« {opening} ») : {exc.ename} : {exc.evalue}"
    return f"{type(exc).__name__} : {exc}" + ("" if str(exc) else "\n" + traceback.format_exc(limit=3))


def _worker_setup() -> None:
    """Worker processes send their stderr (the kernels' start-up chatter) to /dev/null: failures
    reach the user through :class:`Outcome`, and the progress bar stays readable. Terminated, a
    worker unwinds (SystemExit), so that the report it was writing leaves no temporary file."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    signal.signal(signal.SIGTERM, lambda signum, _frame: sys.exit(128 + signum))


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="run_all.py",
        description="Produit le diagnostic territorial de santé (HTML + CSV) de chaque territoire, "
                    "et la page d'index, à partir des fichiers bruts.",
    )
    p.add_argument("territories", nargs="*", metavar="TERRITOIRE",
                   help="codes des territoires à produire (par défaut : tous ceux du fichier territoires.csv)")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1,
                   help="nombre de rapports produits en parallèle (par défaut : tous les cœurs, %(default)s ici)")
    p.add_argument("-o", "--output", type=Path, default=config.REPORTS_DIR,
                   help="dossier des rapports (par défaut : %(default)s)")
    p.add_argument("--raw", type=Path, default=config.DEMO_RAW_DIR,
                   help="dossier des fichiers bruts (par défaut : la région de démonstration, %(default)s)")
    p.add_argument("--check", action="store_true",
                   help="reconnaître et vérifier chaque fichier brut (lignes, années, couverture, totaux, problèmes) "
                        "sans rien construire")
    p.add_argument("--region", help="code Insee de la région des rapports quand les fichiers couvrent toute la France "
                                    "(sinon : option region de sources.toml, ou région des territoires définis)")
    p.add_argument("--processed", type=Path, default=config.PROCESSED_DIR,
                   help="dossier des tables produites (par défaut : %(default)s)")
    p.add_argument("--scheduler", metavar="tcp://HÔTE:PORT",
                   help="produire les rapports sur une grappe Dask distributed existante (ordonnanceur à cette adresse ; "
                        "le projet installé sur les workers suffit, sans dossier partagé) ; par défaut : les cœurs de cette machine")
    p.add_argument("--force", action="store_true",
                   help="reconstruire tous les rapports, même ceux déjà à jour (mêmes données, notebook, modèle et paramètres)")
    p.add_argument("--keep-notebooks", action="store_true",
                   help="conserver les notebooks exécutés (dans <sortie>/_notebooks) pour le débogage ; "
                        "ceux des territoires en échec sont toujours conservés")
    p.add_argument("--standard", choices=["france", "esp2013"], default=None,
                   help="population standard des taux standardisés (par défaut : option standard de sources.toml, sinon france)")
    p.add_argument("--threshold", type=int, default=None,
                   help="seuil du secret statistique : effectifs de 1 à seuil − 1 masqués "
                        f"(par défaut : option threshold de sources.toml, sinon {config.DISCLOSURE_THRESHOLD})")
    args = p.parse_args(argv)
    if args.jobs < 1:
        p.error("--jobs doit être au moins 1")
    if args.threshold is not None and args.threshold < 1:
        p.error("--threshold doit être au moins 1")
    return args


STATE_FILE = ".etat-construction.json"


def build_fingerprint(processed_dir: Path, notebook: Path) -> str:
    """What a report depends on besides its territory's code: the processed data, the notebook, the
    HTML template and the package's code and reference tables."""
    import hashlib

    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent
    files = sorted(Path(processed_dir).glob("*.parquet")) + [Path(notebook)] + sorted(config.TEMPLATES_DIR.rglob("*")) + \
        sorted(p for p in package.rglob("*") if p.suffix in (".py", ".yaml", ".csv"))
    for path in files:
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def read_state(output: Path) -> dict[str, str]:
    try:
        return json.loads((output / STATE_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def up_to_date(codes: list[str], state: dict[str, str], fingerprint: str, output: Path) -> list[str]:
    """The territories whose report and CSV exist and were built from exactly these inputs."""
    return [c for c in codes if state.get(c) == fingerprint and (output / f"{c}.html").exists() and (output / f"{c}.csv").exists()]


def progress(iterable, total: int):
    from tqdm import tqdm

    return tqdm(iterable, total=total, unit="rapport", desc="Rapports", file=sys.stderr, dynamic_ncols=True)


def run(args: argparse.Namespace) -> int:
    from .index_page import index_html
    from .processing import build_processed
    from .report import load_tables

    from .check import check_raw_folder

    options = {k: v for k, v in {"region": args.region, "standard": args.standard, "threshold": args.threshold}.items()
               if v is not None}
    if args.check:
        return check_raw_folder(args.raw, options)
    started = time.perf_counter()
    try:
        for folder in (args.processed, args.output):
            ensure_writable(folder)
        print(f"Lecture et validation des fichiers bruts : {args.raw}", file=sys.stderr)
        tables = build_processed(args.raw, args.processed, options)
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
    terr = tables["territories"]
    del tables  # the workers fork from this process: they need none of the raw-derived tables
    release_unused_memory()
    available = list(dict.fromkeys(terr.loc[terr["reported"], "territory_code"]))
    wanted = args.territories or available
    unknown = [c for c in wanted if c not in available]
    if unknown:
        print(f"Erreur : territoire(s) inconnu(s) : {', '.join(unknown)} ; disponibles : {', '.join(available)}", file=sys.stderr)
        return 2
    try:
        for code in wanted:
            report_filename(code)
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    args.output.mkdir(parents=True, exist_ok=True)
    generated = dt.date.today().strftime("%d/%m/%Y")
    fingerprint = build_fingerprint(args.processed, config.REPORT_NOTEBOOK)
    state = read_state(args.output)
    fresh = [] if args.force else up_to_date(wanted, state, fingerprint, args.output)
    todo = [c for c in wanted if c not in fresh]
    if fresh:
        print(f"{len(fresh)} rapport(s) à jour (mêmes données, notebook, modèle et paramètres) : non reconstruit(s)"
              + ("" if todo else " ; rien à reconstruire (--force pour tout refaire)"), file=sys.stderr)
    outcomes: list[Outcome] = []

    def record(outcome: Outcome) -> None:
        """Each report's state saved as soon as it is written: a batch stopped midway resumes there."""
        if outcome.disk_fault:
            raise OutputError(outcome.error)
        outcomes.append(outcome)
        state[outcome.territory] = fingerprint if outcome.ok else ""
        write_text(args.output / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))

    try:
        overview_fingerprint = build_fingerprint(args.processed, config.OVERVIEW_NOTEBOOK)
        overview_due = args.force or state.get(OVERVIEW) != overview_fingerprint or not (args.output / f"{OVERVIEW}.html").exists()
        overview = None
        if todo and args.scheduler:
            from .cluster import build_on_cluster

            print(f"Production sur la grappe Dask {args.scheduler}", file=sys.stderr)
            build_on_cluster(args.scheduler, todo, args.processed, args.output, generated, fingerprint,
                             args.keep_notebooks, progress, record)
        elif todo:
            overview = build_all(todo, args, generated, record, overview=overview_due)
        if overview_due and overview is None:
            overview = build_overview(args.processed, args.output, args.keep_notebooks, generated)
        if overview is not None:
            if overview.disk_fault:
                raise OutputError(overview.error)
            state[OVERVIEW] = overview_fingerprint if overview.ok else ""
            write_text(args.output / STATE_FILE, json.dumps(state, indent=1, sort_keys=True))
        built = set(up_to_date(list(state), state, fingerprint, args.output))  # this run's and earlier up-to-date reports
        write_text(args.output / "index.html", index_html(load_tables(args.processed), built, generated,
                                                          overview=(args.output / f"{OVERVIEW}.html").exists()))
    except KeyboardInterrupt as stop:
        print(f"\nInterrompu : {len([o for o in outcomes if o.ok])} rapport(s) écrit(s) sur {len(todo)} ; aucun fichier "
              "à moitié écrit. Relancez la même commande pour terminer (les rapports à jour ne sont pas refaits).",
              file=sys.stderr)
        return 128 + getattr(stop, "signal", signal.SIGINT)
    except (OutputError, OSError) as exc:
        if isinstance(exc, OSError) and not is_disk_fault(exc):
            raise
        message = exc if isinstance(exc, OutputError) else output_error(args.output, exc)
        print(f"\nErreur : {message}.\nArrêt : {len([o for o in outcomes if o.ok])} rapport(s) écrit(s) et complet(s) ; "
              "aucun fichier à moitié écrit. Libérez de la place (ou rendez le dossier inscriptible) puis relancez : "
              "seuls les rapports manquants seront produits.", file=sys.stderr)
        return 2
    print_summary(outcomes, time.perf_counter() - started, args.output)
    if overview is not None:
        print(f"Synthèse régionale : {args.output / (OVERVIEW + '.html')} ({fr_number(overview.seconds, 1)} s)" if overview.ok else
              f"ÉCHEC de la synthèse régionale : {overview.error}" + (f"\n    notebook exécuté conservé : {overview.debug_notebook}"
                                                                     if overview.debug_notebook else ""))
    return 0 if all(o.ok for o in outcomes) and (overview is None or overview.ok) else 1


class Stopped(KeyboardInterrupt):
    """SIGTERM (or SIGINT) received: the batch stops as after Ctrl-C."""

    def __init__(self, signum: int):
        super().__init__()
        self.signal = signum


@contextlib.contextmanager
def stop_signals_as_interrupt():
    """SIGTERM handled like Ctrl-C (by default it kills the process on the spot, leaving temporary
    files and workers behind)."""
    def stop(signum, _frame):
        raise Stopped(signum)

    if threading.current_thread() is not threading.main_thread():  # only the main thread may set handlers
        yield
        return
    previous = {s: signal.signal(s, stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def build_all(codes: list[str], args: argparse.Namespace, generated: str, record, overview: bool = False) -> Outcome | None:
    """Every report, on the local pool of worker processes (each reusing its kernel); ``record``
    receives each :class:`Outcome` as it comes. With ``overview``, the regional overview is the last
    job (it runs while the other worker finishes) and its Outcome is returned. Interrupted, the workers
    are stopped at once (each removes its temporary file; its kernel, polling its parent, exits with it)."""
    kernel = kernel_name()
    pool = ProcessPoolExecutor(max_workers=min(args.jobs, len(codes)), initializer=_worker_setup)
    try:
        futures = [pool.submit(build_report, code, str(args.processed), str(args.output), args.keep_notebooks,
                               generated, str(config.REPORT_NOTEBOOK), kernel) for code in codes]
        last = pool.submit(build_overview, str(args.processed), str(args.output), args.keep_notebooks, generated,
                           kernel) if overview else None
        for future in progress(as_completed(futures), len(futures)):
            record(future.result())
        result = last.result() if last else None
    except BaseException:
        workers = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in workers:
            process.terminate()
        for process in workers:
            process.join(timeout=10)
        raise
    pool.shutdown()
    return result


def print_summary(outcomes: list[Outcome], seconds: float, output: Path) -> None:
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    if not outcomes:
        print(f"\nAucun rapport reconstruit ; index mis à jour dans {output} ({fr_number(seconds, 1)} s).")
        return
    print(f"\n{len(ok)} rapport(s) écrit(s) dans {output}, {len(failed)} échec(s), en {fr_number(seconds, 1)} s "
          f"({fr_number(seconds / max(len(outcomes), 1), 2)} s par rapport).")
    slowest = sorted(ok, key=lambda o: -o.seconds)[:5]
    if slowest:
        print("Les plus longs :\n" + "\n".join(f"  {o.territory:<24} {fr_number(o.seconds, 1):>6} s" for o in slowest))
    if failed:
        print("Échecs :")
    for o in failed:
        print(f"  ÉCHEC {o.territory} : {o.error}")
        if o.debug_notebook:
            print(f"    notebook exécuté conservé : {o.debug_notebook}")


def main(argv=None) -> int:
    args = parse_args(argv)
    with stop_signals_as_interrupt():
        try:
            return run(args)
        except KeyboardInterrupt as stop:  # while reading the raw files or writing the tables
            print(f"\nInterrompu avant la production des rapports : {args.output} inchangé ; {args.processed} contient "
                  "l'ancien jeu de tables ou le nouveau, complet.", file=sys.stderr)
            return 128 + getattr(stop, "signal", signal.SIGINT)
