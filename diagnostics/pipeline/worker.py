"""One report at a time in one process: the notebook executed in a kept kernel, exported to HTML, with its CSV.

A failing territory is reported (cell and error) without stopping the others, and its executed notebook is kept.
"""

from __future__ import annotations

import re
import threading
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
    """The project's kernel when registered (install command), else the current Python's."""
    from jupyter_client.kernelspec import KernelSpecManager

    return config.KERNEL_NAME if config.KERNEL_NAME in KernelSpecManager().find_kernel_specs() else "python3"


def html_exporter():
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="diagnostic", extra_template_basedirs=[str(config.TEMPLATES_DIR)])


# After the first collection the survivors (modules, cached tables) are frozen: later collections only
# scan what the previous territory left, ≈ 0 s instead of ≈ 0,2 s for a full pass over every object.
RESET_CELL = """%reset -f
import gc as _gc, sys as _sys
if "matplotlib.pyplot" in _sys.modules: _sys.modules["matplotlib.pyplot"].close("all")
_gc.collect(); _gc.freeze(); del _gc, _sys"""


# what every report and the overview import: loaded in the kernel as soon as it is up
WARM_UP = (
    "import diagnostics.reporting.figures, diagnostics.reporting.narrative, diagnostics.reporting.overview_figures"
)

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

    def __init__(
        self,
        notebook: str = str(config.REPORT_NOTEBOOK),
        kernel: str | None = None,
        start: bool = True,
        warm_up: str = WARM_UP,
    ):
        self.kernel = kernel or kernel_name()
        self.warm_up = warm_up
        self.km = self.kc = None
        # the kernel boots (another process: the other core) while this one imports papermill and nbconvert
        # and prepares the exporter (≈ 1,5 s each on a 2-core machine): the first report starts ≈ 1 s sooner
        preparing = threading.Thread(target=self._prepare, args=(notebook,), daemon=True)
        preparing.start()
        if start:
            self._start_kernel()
        preparing.join()
        if self._failure is not None:
            raise self._failure

    def _prepare(self, notebook: str) -> None:
        self._failure = None
        try:
            from papermill.iorw import load_notebook_node
            from papermill.parameterize import parameterize_notebook  # noqa: F401 - imported here, used by execute

            self.base = load_notebook_node(notebook)
            self.exporter = html_exporter()
        except Exception as exc:  # noqa: BLE001 - raised in the constructor's thread
            self._failure = exc

    def _start_kernel(self) -> None:
        from nbclient import NotebookClient
        from nbformat.v4 import new_notebook

        client = NotebookClient(new_notebook(), kernel_name=self.kernel, timeout=CELL_TIMEOUT)
        try:
            client.create_kernel_manager()
            client.start_new_kernel()
            client.start_new_kernel_client()
        except Exception:  # noqa: BLE001 - the first execute starts one (and says why if it cannot)
            self.km = self.kc = None
            return
        self.km, self.kc = client.km, client.kc
        self.kc.execute(self.warm_up, silent=True, store_history=False)  # runs while this process prepares the exporter

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
    from diagnostics.reporting.report import CSV_MIMETYPE

    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if CSV_MIMETYPE in output.get("data", {}):
                return output["data"][CSV_MIMETYPE], output.get("metadata", {}).get(CSV_MIMETYPE, {}).get(
                    "report_title", ""
                )
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


def build_report(
    code: str,
    processed_dir: str,
    output_dir: str,
    keep_notebooks: bool,
    generated: str,
    notebook: str = str(config.REPORT_NOTEBOOK),
    kernel: str | None = None,
) -> Outcome:
    """Execute the report notebook for one territory and write ``<code>.html`` and ``<code>.csv``."""
    report_filename(code)
    worker = worker_for(notebook, kernel)

    def produce():
        body, csv_text = worker.build(code, processed_dir, generated)
        write_report(Path(output_dir), code, body, csv_text)
        return worker.last_notebook

    return _outcome(code, Path(output_dir), keep_notebooks, produce)


def build_overview(
    processed_dir: str, output_dir: str, keep_notebooks: bool, generated: str, kernel: str | None = None
) -> Outcome:
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
        body, _ = worker.exporter.from_notebook_node(
            nb, resources={"report_title": "Synthèse régionale des diagnostics territoriaux"}
        )
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


def describe_error(exc: Exception) -> str:
    """The failing cell and its error, for the summary (the executed notebook rides on ``exc.nb``)."""
    from nbclient.exceptions import CellExecutionError

    if isinstance(exc, CellExecutionError):
        nb = getattr(exc, "nb", None)
        failed = next(
            (
                (i + 1, c)
                for i, c in enumerate(nb.cells if nb is not None else [])
                if any(o.get("output_type") == "error" for o in c.get("outputs", []))
            ),
            None,
        )
        if failed is None:
            return f"cellule ? du notebook : {exc.ename} : {exc.evalue}"
        number, cell = failed
        first = next(
            (line.strip() for line in cell.source.splitlines() if line.strip() and not line.startswith("#")), ""
        )
        opening = first[:60] + ("…" if len(first) > 60 else "")
        # the line within the cell, from IPython's « Cell In[3], line 7 » (colours stripped)
        found = re.search(
            r"In \[\d+\], line (\d+)|In\[\d+\], line (\d+)", re.sub(r"\x1b\[[0-9;]*m", "", exc.traceback or "")
        )
        line = f", ligne {found.group(1) or found.group(2)}" if found else ""
        # numbered as in the kept executed notebook (with papermill's injected parameters cell)
        return f"cellule {number}{line} du notebook (« {opening} ») : {exc.ename} : {exc.evalue}"
    return f"{type(exc).__name__} : {exc}" + ("" if str(exc) else "\n" + traceback.format_exc(limit=3))
