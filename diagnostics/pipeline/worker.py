"""One report at a time in one process: the notebook executed in this process's shell, as an HTML page, with its CSV.

A failing territory is reported (cell and error) without stopping the others, and its executed notebook is kept.
"""

from __future__ import annotations

import re
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from diagnostics import config
from diagnostics.pipeline.io import is_disk_fault, output_error, write_text


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
    from diagnostics.sources.territory_definitions import SAFE_CODE  # the reader's rule; loads pandas

    if not SAFE_CODE.match(code):
        raise ValueError(f"code de territoire « {code} » inutilisable comme nom de fichier (lettres, chiffres, - _ .)")
    return code


def kernel_name() -> str:
    """The project's kernel when registered (install command), else the current Python's: the kernel JupyterLab
    runs the notebooks in (the pipeline runs them in its own process, :mod:`.notebook_shell`)."""
    from jupyter_client.kernelspec import KernelSpecManager

    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


# what the report notebook imports: loaded ahead where a process has something to wait for
REPORT_MODULES = (
    "diagnostics.reporting.figures",
    "diagnostics.reporting.health_section",
    "diagnostics.reporting.narrative",
    "diagnostics.reporting.power_note",
    "diagnostics.reporting.primary_care_section",
    "diagnostics.reporting.social_section",
)


def import_report_modules() -> None:
    import importlib

    for module in REPORT_MODULES:
        importlib.import_module(module)


OVERVIEW = "synthese_regionale"  # the regional overview's file name (and its key in the state file)


CELL_TIMEOUT = 600  # seconds; a cell taking longer is stuck


class ReportWorker:
    """Builds reports one after the other in one process, reusing what is safe to reuse: the imports of the
    report modules and the parsed notebook.

    Nothing of one territory reaches the next: every run starts with ``%reset -f`` (the namespace emptied,
    figures closed), and the notebook loads its territory's data itself. ``tests/test_batch.py`` checks that a
    report built after others is identical to the same report built alone.
    """

    def __init__(self, notebook: str = str(config.REPORT_NOTEBOOK)):
        from diagnostics.pipeline.notebook_shell import read_notebook

        self.notebook = Path(notebook)
        self.base = read_notebook(self.notebook)

    def execute(self, parameters: dict):
        """The executed notebook (raises ``CellError`` with the notebook attached as ``.nb``)."""
        import copy

        from diagnostics.pipeline import notebook_shell

        nb = notebook_shell.inject_parameters(copy.deepcopy(self.base), parameters)
        return notebook_shell.execute(nb, cwd=str(self.notebook.parent), timeout=CELL_TIMEOUT)

    def build(self, code: str, processed_dir: str, generated: str) -> tuple[str, str]:
        """(HTML, CSV text) of one territory's report."""
        return self.report({"territory": code, "processed_dir": str(processed_dir), "generated": generated})

    def report(self, parameters: dict) -> tuple[str, str]:
        """(HTML, CSV text) of the report notebook run with ``parameters`` (a territory, or a perimeter's communes)."""
        from diagnostics.reporting.notebook_page import notebook_page

        nb = self.last_notebook = self.execute(parameters)
        csv_text, title = notebook_csv(nb)
        return notebook_page(nb, title), csv_text


def notebook_csv(nb) -> tuple[str, str]:
    """(CSV text, report title) of the territory, as the notebook displayed them: the HTML and the CSV
    come from the same load of its rows by the notebook."""
    from diagnostics.reporting.report import CSV_MIMETYPE

    for cell in nb["cells"]:
        for output in cell.get("outputs", []):
            if CSV_MIMETYPE in output.get("data", {}):
                return output["data"][CSV_MIMETYPE], output.get("metadata", {}).get(CSV_MIMETYPE, {}).get(
                    "report_title", ""
                )
    raise ValueError("le notebook n'a pas affiché le CSV du territoire (display(report.csv_export(t)))")


_WORKERS: dict[str, ReportWorker] = {}


def worker_for(notebook: str) -> ReportWorker:
    """This process's worker for a notebook (created on first use)."""
    if notebook not in _WORKERS:
        _WORKERS[notebook] = ReportWorker(notebook)
    return _WORKERS[notebook]


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


def build_report(
    code: str,
    processed_dir: str,
    output_dir: str,
    keep_notebooks: bool,
    generated: str,
    notebook: str = str(config.REPORT_NOTEBOOK),
) -> Outcome:
    """Execute the report notebook for one territory and write ``<code>.html`` and ``<code>.csv``."""
    report_filename(code)
    worker = worker_for(notebook)

    def produce():
        body, csv_text = worker.build(code, processed_dir, generated)
        write_report(Path(output_dir), code, body, csv_text)
        return worker.last_notebook

    return _outcome(code, Path(output_dir), keep_notebooks, produce)


def build_overview(processed_dir: str, output_dir: str, keep_notebooks: bool, generated: str) -> Outcome:
    """The regional overview (``synthese_regionale.html``) from its own notebook."""
    from diagnostics.reporting.notebook_page import notebook_page

    worker = worker_for(str(config.OVERVIEW_NOTEBOOK))

    def produce():
        nb = worker.execute({"processed_dir": str(processed_dir), "generated": generated})
        write_text(
            Path(output_dir) / f"{OVERVIEW}.html", notebook_page(nb, "Synthèse régionale des diagnostics territoriaux")
        )
        return nb

    return _outcome(OVERVIEW, Path(output_dir), keep_notebooks, produce)


def _outcome(code: str, output: Path, keep_notebooks: bool, produce) -> Outcome:
    """Run ``produce`` (which writes the files and returns the executed notebook) into an :class:`Outcome`:
    one document's failure must not stop the batch; its executed notebook is kept for debugging."""
    from diagnostics.pipeline.notebook_shell import notebook_json

    start = time.perf_counter()
    try:
        nb = produce()
    except Exception as exc:
        if is_disk_fault(exc):
            return Outcome(code, False, time.perf_counter() - start, str(output_error(output, exc)), disk_fault=True)
        failed = getattr(exc, "nb", None)
        kept = keep_notebook(output, code, notebook_json(failed)) if failed is not None else ""
        return Outcome(code, False, time.perf_counter() - start, describe_error(exc), kept)
    if keep_notebooks:
        keep_notebook(output, code, notebook_json(nb))
    return Outcome(code, True, time.perf_counter() - start)


def describe_error(exc: Exception) -> str:
    """The failing cell and its error, for the summary (the executed notebook rides on ``exc.nb``)."""
    from diagnostics.pipeline.notebook_shell import CellError

    if isinstance(exc, CellError):
        nb = getattr(exc, "nb", None)
        failed = next(
            (
                (i + 1, c)
                for i, c in enumerate(nb["cells"] if nb is not None else [])
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        if failed is None:
            return f"cellule ? du notebook : {exc.ename} : {exc.evalue}"
        number, cell = failed
        first = next(
            (line.strip() for line in cell["source"].splitlines() if line.strip() and not line.startswith("#")), ""
        )
        opening = first[:60] + ("…" if len(first) > 60 else "")
        # the line within the cell, from IPython's « Cell In[3], line 7 » (colours stripped)
        found = re.search(
            r"In \[\d+\], line (\d+)|In\[\d+\], line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", exc.traceback or "")
        )
        line = f", ligne {found.group(1) or found.group(2)}" if found else ""
        # numbered as in the kept executed notebook (with the injected parameters cell)
        return f"cellule {number}{line} du notebook (« {opening} ») : {exc.ename} : {exc.evalue}"
    return f"{type(exc).__name__} : {exc}" + ("" if str(exc) else "\n" + traceback.format_exc(limit=3))
