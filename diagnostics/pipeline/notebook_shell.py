"""A notebook executed in this process's IPython shell, its outputs recorded as a Jupyter kernel records them.

The batch, the one-territory command and the perimeters run the report notebooks here rather than in a Jupyter
kernel: no kernel to start (≈ 2 s on a 2-core machine), no outputs serialised to JSON and sent over ZeroMQ. The
notebook is the same file JupyterLab runs, with the same IPython (magics, ``display``, rich representations,
the inline matplotlib backend); ``tests/test_notebooks.py`` checks that the report's HTML outputs are those the
notebook gives in a Jupyter kernel, ``tests/test_notebook_shell.py`` the recording of every kind of output.

Parameters are injected as papermill does (a cell tagged ``injected-parameters`` after the ``parameters`` cell),
without importing papermill (≈ 0,6 s). One notebook at a time per process: IPython's display machinery, the
standard streams and the working directory are the process's, so threads (a multi-threaded Dask worker) take
turns — run Dask workers with one thread each. What a kernel gives and this does not: a process apart (a crash in
a library ends the worker process: the batch rebuilds the documents it took down, and fails the one that crashes
again) and a time limit outside the main thread or inside C code (SIGALRM interrupts Python code only).
"""

from __future__ import annotations

import base64
import contextlib
import gc
import io
import json
import linecache
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

from IPython.core.displayhook import DisplayHook
from IPython.core.displaypub import DisplayPublisher
from IPython.core.interactiveshell import InteractiveShell

from diagnostics.pipeline.collection import resume_collection

# what a kernel has: figures drawn by a notebook (plt.show() or a figure left open) shown inline, as PNG
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

RESET = """%reset -f
import gc as _gc, sys as _sys
if "matplotlib.pyplot" in _sys.modules: _sys.modules["matplotlib.pyplot"].close("all")
_gc.collect(); del _gc, _sys"""

_TURN = threading.Lock()


class CellError(Exception):
    """A cell raised: its exception's name, message and IPython traceback (text), as a kernel reports them;
    ``nb`` is the executed notebook up to that cell (kept for debugging)."""

    def __init__(self, ename: str, evalue: str, traceback: str, nb=None):
        super().__init__(f"{ename}: {evalue}")
        self.ename, self.evalue, self.traceback, self.nb = ename, evalue, traceback, nb


class CellTimeout(BaseException):
    """A cell ran longer than the notebook's timeout (a BaseException: an ``except Exception`` in the notebook or a
    library must not swallow it)."""


def output(output_type: str, **fields) -> dict:
    """A cell output as nbformat writes it (IPython's display data is valid by construction: no schema check)."""
    return {"output_type": output_type, **fields}


# The notebook is handled as the plain JSON dictionary of its file, not through nbformat, whose import loads the
# jsonschema validator (≈ 0,2 s of a one-territory command); nbformat is imported only to write a kept notebook.


def read_notebook(path) -> dict:
    """A notebook file (format 4) as a dictionary, its cells' sources joined into one string each."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(nb, dict) or nb.get("nbformat") != 4 or not isinstance(nb.get("cells"), list):
        raise ValueError(f"{path} : notebook Jupyter au format 4 attendu")
    for cell in nb["cells"]:
        if isinstance(cell.get("source"), list):
            cell["source"] = "".join(cell["source"])
    return nb


def notebook_json(nb: dict) -> str:
    """The executed notebook as an ``.ipynb`` file's text (checked and written by nbformat)."""
    import nbformat

    return nbformat.writes(nbformat.from_dict(nb))


class _Recorder:
    """The outputs of the running cell (display data, results, streams, errors) as a notebook file holds them, with
    nbclient's rules: an update of a display id replaces that display's data wherever it is shown, and
    ``clear_output(wait=True)`` clears when the next output comes."""

    def __init__(self):
        self.outputs: list = []
        self.displays: dict[str, list[dict]] = {}
        self.clear_pending = False

    def add(self, item: dict) -> None:
        if self.clear_pending:
            self.outputs.clear()
            self.clear_pending = False
        self.outputs.append(item)

    def stream(self, name: str, text: str) -> None:
        if (
            not self.clear_pending
            and self.outputs
            and self.outputs[-1]["output_type"] == "stream"
            and self.outputs[-1]["name"] == name
        ):
            self.outputs[-1]["text"] += text
        else:
            self.add(output("stream", name=name, text=text))

    def display(self, data: dict, metadata: dict, display_id: str | None, update: bool) -> None:
        if update:
            for shown in self.displays.get(display_id, []):
                shown["data"], shown["metadata"] = data, metadata
            return
        item = output("display_data", data=data, metadata=metadata)
        self.add(item)
        if display_id is not None:
            self.displays.setdefault(display_id, []).append(item)

    def clear(self, wait: bool) -> None:
        if wait:
            self.clear_pending = True
        else:
            self.outputs.clear()


def json_data(data: dict) -> dict:
    """A mime bundle as JSON holds it: binary data (a ``_repr_png_`` returning bytes) base64-encoded, as ipykernel
    does."""
    return {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v for k, v in data.items()}


class _Stream(io.TextIOBase):
    """``sys.stdout`` / ``sys.stderr`` while a cell runs: text goes to the cell's stream output (a text file without
    a file descriptor, like ipykernel's streams)."""

    def __init__(self, recorder: _Recorder, name: str):
        super().__init__()
        self.recorder, self.name = recorder, name

    @property
    def encoding(self) -> str:
        return "utf-8"

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if text:
            self.recorder.stream(self.name, text)
        return len(text)


class _Publisher(DisplayPublisher):
    def publish(self, data, metadata=None, source=None, *, transient=None, update=False, **kwargs) -> None:
        display_id = (transient or {}).get("display_id")
        self.shell.recorder.display(json_data(data), metadata or {}, display_id, update and display_id is not None)

    def clear_output(self, wait: bool = False) -> None:
        self.shell.recorder.clear(wait)


class _ResultHook(DisplayHook):
    """The value of a cell's last expression, as an ``execute_result``."""

    def write_output_prompt(self) -> None:
        pass

    def write_format_data(self, format_dict, md_dict=None) -> None:
        self.shell.recorder.add(
            output(
                "execute_result",
                data=json_data(format_dict),
                metadata=md_dict or {},
                execution_count=self.exec_result.execution_count if self.exec_result else self.prompt_count,
            )
        )

    def finish_displayhook(self) -> None:
        pass


class NotebookShell(InteractiveShell):
    """An IPython shell that records outputs instead of printing them (what ipykernel's shell does over ZeroMQ)."""

    display_pub_class = _Publisher
    displayhook_class = _ResultHook

    def _showtraceback(self, etype, evalue, stb) -> None:
        self.recorder.add(
            output("error", ename=getattr(etype, "__name__", str(etype)), evalue=str(evalue), traceback=list(stb))
        )

    def enable_gui(self, gui=None):  # no event loop here; %matplotlib inline needs none
        pass


def shell() -> NotebookShell:
    """This process's shell (created on first use; no history file written)."""
    if InteractiveShell.initialized() and not isinstance(InteractiveShell.instance(), NotebookShell):
        raise RuntimeError(
            "les rapports ne peuvent pas être produits dans un notebook ou une console IPython déjà ouverts : lancez "
            "« python run_all.py … » dans un terminal (ou « !python run_all.py … » depuis une cellule)"
        )
    if not NotebookShell.initialized():
        from traitlets.config import Config

        config = Config()
        config.HistoryManager.enabled = False
        config.InteractiveShell.colors = "nocolor"
        main = sys.modules["__main__"]
        NotebookShell.instance(config=config)
        sys.modules["__main__"] = main  # the shell's namespace is ``__main__`` only while a notebook runs
    return NotebookShell.instance()


def inject_parameters(nb, parameters: dict):
    """``nb`` with a cell assigning ``parameters`` after its ``parameters`` cell (first, without one), as
    papermill does; values are Python literals (str, numbers, booleans, None)."""
    source = "# Parameters\n" + "".join(f"{name} = {value!r}\n" for name, value in parameters.items())
    cell = {
        "cell_type": "code",
        "execution_count": None,
        "id": uuid.uuid4().hex[:8],
        "metadata": {"tags": ["injected-parameters"]},
        "outputs": [],
        "source": source,
    }
    cells = [c for c in nb["cells"] if "injected-parameters" not in c.get("metadata", {}).get("tags", [])]
    tagged = [i for i, c in enumerate(cells) if "parameters" in c.get("metadata", {}).get("tags", [])]
    cells.insert(tagged[0] + 1 if tagged else 0, cell)
    nb["cells"] = cells
    return nb


_frozen = False


def _reset(ip: NotebookShell) -> None:
    """The namespace emptied, figures closed, IPython's input history dropped (it would grow by a notebook's cells
    at each run). After the first reset, the survivors (modules, cached tables) are frozen once: later collections
    only scan what each notebook left, ≈ 0 s instead of ≈ 0,2 s for a pass over every object."""
    global _frozen
    run_cell(ip, RESET)
    history = ip.history_manager
    history.input_hist_parsed[:], history.input_hist_raw[:] = [""], [""]
    history.db_input_cache[:], history.db_output_cache[:] = [], []
    for name in ip.compile._filename_map:  # the cells' sources kept for tracebacks
        linecache.cache.pop(name, None)
    ip.compile._filename_map.clear()
    if not _frozen:
        gc.freeze()
        _frozen = True


@contextlib.contextmanager
def _time_limit(seconds: float | None):
    """SIGALRM after ``seconds``, the caller's handler and timer restored after. Only in the main thread of a
    system that has SIGALRM: elsewhere (a Dask worker's threads) no limit, and only Python code can be stopped."""
    if not seconds or not hasattr(signal, "SIGALRM") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(_signum, _frame):
        raise CellTimeout(f"cellule arrêtée après {seconds:g} s")

    previous = signal.signal(signal.SIGALRM, expire)
    outer, _ = signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if outer:  # an outer timer keeps running for what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - started), 1e-3))


def run_cell(ip: NotebookShell, source: str, timeout: float | None = None) -> tuple[list, object]:
    """(outputs, IPython's ExecutionResult) of one cell."""
    recorder = ip.recorder
    recorder.outputs, recorder.clear_pending = [], False
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(recorder, "stdout"), _Stream(recorder, "stderr")
    try:
        with _time_limit(timeout):
            result = ip.run_cell(source, store_history=True)
    finally:
        sys.stdout, sys.stderr = saved
    return recorder.outputs, result


def execute(nb, cwd: str | None = None, timeout: float | None = None):
    """Execute ``nb`` (its code cells, top to bottom, in an emptied namespace) and fill in its outputs; raises
    :class:`CellError` at the first failing cell, with the notebook attached."""
    resume_collection()  # paused by run_all.py while it started
    with _TURN:
        ip = shell()
        here, main = os.getcwd(), sys.modules["__main__"]
        # as in a kernel, the notebook's namespace is the module ``__main__`` (pickle, dataclasses look it up);
        # outside, this process's own (multiprocessing's spawn needs it)
        sys.modules["__main__"] = ip.user_module
        ip.recorder = _Recorder()
        try:
            if cwd:
                os.chdir(cwd)
            if ip.execution_count > 1:  # a notebook ran before in this process (a new shell starts empty)
                _reset(ip)
            ip.execution_count = 1
            for cell in nb["cells"]:
                if cell["cell_type"] != "code":
                    continue
                outputs, result = run_cell(ip, cell["source"], timeout)
                cell["outputs"], cell["execution_count"] = outputs, result.execution_count
                failure = result.error_in_exec or result.error_before_exec
                if isinstance(failure, (KeyboardInterrupt, SystemExit)):
                    raise failure  # a stop (Ctrl-C, SIGTERM), even between two statements, stops the batch
                if not result.success:
                    error = next((o for o in outputs if o["output_type"] == "error"), None)
                    if error is None:  # raised before IPython could show it
                        raise CellError(type(failure).__name__, str(failure), "", nb) from failure
                    raise CellError(error["ename"], error["evalue"], "\n".join(error["traceback"]), nb)
        finally:
            os.chdir(here)
            sys.modules["__main__"] = main
    return nb
