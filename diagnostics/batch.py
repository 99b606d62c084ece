"""The batch: raw files → processed tables → one notebook run per territory → HTML, CSV, index.

Each territory runs in its own worker process with its own output paths; a failing territory is
reported (cell and error) without stopping the others, and its executed notebook is kept.
"""
from __future__ import annotations

import argparse
import datetime as dt
import os
import re
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from . import config
from .io import write_text
from .sources.errors import RawDataError

SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,80}$")


@dataclass
class Outcome:
    territory: str
    ok: bool
    seconds: float
    error: str = ""
    debug_notebook: str = ""


def report_filename(code: str) -> str:
    """The territory code as a file name; codes that are not safe file names are refused."""
    if not SAFE_NAME.match(code) or code in (".", ".."):
        raise ValueError(f"code de territoire « {code} » inutilisable comme nom de fichier (lettres, chiffres, - _ .)")
    return code


def kernel_name() -> str:
    """The project's kernel when registered (install command), else the current Python's."""
    from jupyter_client.kernelspec import KernelSpecManager

    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="diagnostic", extra_template_basedirs=[str(config.TEMPLATES_DIR)])


def build_report(code: str, processed_dir: str, output_dir: str, keep_notebooks: bool, generated: str,
                 notebook: str = str(config.REPORT_NOTEBOOK), kernel: str | None = None) -> Outcome:
    """Execute the report notebook for one territory and write ``<code>.html`` and ``<code>.csv``."""
    import papermill as pm

    from . import report

    start = time.perf_counter()
    name = report_filename(code)
    output = Path(output_dir)
    debug_dir = output / "_notebooks"
    debug_dir.mkdir(parents=True, exist_ok=True)
    executed = debug_dir / f"{name}.ipynb"
    try:
        nb = _execute(pm, notebook, executed, code, processed_dir, generated, kernel or kernel_name())
        t = report.load_territory(code, processed_dir)
        body, _ = html_exporter().from_notebook_node(nb, resources={"report_title": f"Diagnostic de santé – {t.name}"})
        csv_text = report.csv_table(t).to_csv(sep=";", decimal=",", index=False, lineterminator="\n")
        write_text(output / f"{name}.csv", "\ufeff" + csv_text)  # BOM: Excel opens UTF-8 correctly
        write_text(output / f"{name}.html", body)
    except Exception as exc:  # one territory's failure must not stop the batch
        return Outcome(code, False, time.perf_counter() - start, describe_error(exc), str(executed) if executed.exists() else "")
    if not keep_notebooks:
        executed.unlink(missing_ok=True)
    return Outcome(code, True, time.perf_counter() - start)


def _execute(pm, notebook, executed, code, processed_dir, generated, kernel):
    """Run the notebook; retry once when the kernel itself failed to start or died (two workers
    can race for the same free port), never when a cell raised."""
    from papermill.exceptions import PapermillExecutionError

    for attempt in (1, 2):
        try:
            return pm.execute_notebook(
                notebook, str(executed),
                parameters={"territory": code, "processed_dir": str(processed_dir), "generated": generated},
                kernel_name=kernel, progress_bar=False, log_output=False, report_mode=True,
            )
        except PapermillExecutionError:
            raise
        except Exception:
            if attempt == 2:
                raise


def describe_error(exc: Exception) -> str:
    from papermill.exceptions import PapermillExecutionError

    if isinstance(exc, PapermillExecutionError):
        return f"cellule {exc.exec_count or exc.cell_index} du notebook : {exc.ename} : {exc.evalue}"
    return f"{type(exc).__name__} : {exc}" + ("" if str(exc) else "\n" + traceback.format_exc(limit=3))


def _quiet_worker() -> None:
    """Worker processes send their stderr (the kernels' start-up chatter) to /dev/null: failures
    reach the user through :class:`Outcome`, and the progress bar stays readable."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)


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
    print(f"Lecture et validation des fichiers bruts : {args.raw}", file=sys.stderr)
    try:
        tables = build_processed(args.raw, args.processed, options)
    except RawDataError as exc:
        print(f"Erreur dans les données brutes : {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:
        print(f"Erreur : {exc}", file=sys.stderr)
        return 2
    terr = tables["territories"]
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
    kernel = kernel_name()
    outcomes: list[Outcome] = []
    jobs = min(args.jobs, len(wanted))
    with ProcessPoolExecutor(max_workers=jobs, initializer=_quiet_worker) as pool:
        futures = [pool.submit(build_report, code, str(args.processed), str(args.output), args.keep_notebooks,
                               generated, str(config.REPORT_NOTEBOOK), kernel) for code in wanted]
        for future in progress(as_completed(futures), len(futures)):
            outcomes.append(future.result())
    try:  # keep the debugging folder only when it holds something
        (args.output / "_notebooks").rmdir()
    except OSError:
        pass
    built = {o.territory for o in outcomes if o.ok}
    write_text(args.output / "index.html", index_html(load_tables(args.processed), built, generated))
    print_summary(outcomes, time.perf_counter() - started, args.output)
    return 0 if all(o.ok for o in outcomes) else 1


def print_summary(outcomes: list[Outcome], seconds: float, output: Path) -> None:
    ok = [o for o in outcomes if o.ok]
    failed = [o for o in outcomes if not o.ok]
    print(f"\n{len(ok)} rapport(s) écrit(s) dans {output}, {len(failed)} échec(s), en {seconds:.1f} s "
          f"({seconds / max(len(outcomes), 1):.1f} s par rapport).")
    slowest = sorted(ok, key=lambda o: -o.seconds)[:3]
    if slowest:
        print("Les plus longs : " + ", ".join(f"{o.territory} ({o.seconds:.1f} s)" for o in slowest))
    for o in failed:
        print(f"ÉCHEC {o.territory} : {o.error}")
        if o.debug_notebook:
            print(f"  notebook exécuté conservé : {o.debug_notebook}")


def main(argv=None) -> int:
    return run(parse_args(argv))
