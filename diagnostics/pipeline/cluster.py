"""The same batch on an existing Dask distributed cluster (``run_all.py --scheduler tcp://HOST:PORT``).

Workers need the project installed, nothing else: the processed tables and the notebook are sent
to them once (broadcast), each worker unpacks them in a temporary folder of its own, builds reports
with a :class:`~diagnostics.pipeline.worker.ReportWorker` (its imports reused between territories), and sends
the HTML and CSV back; the client writes them. No shared filesystem is needed.
"""

from __future__ import annotations

import tempfile
import threading
import time
from pathlib import Path

from diagnostics import config

_UNPACKED: dict[str, Path] = {}
_LOCK = threading.Lock()


def bundle(processed_dir: Path, notebook: Path) -> dict[str, bytes]:
    """What a worker needs: the processed tables and the report notebook, as bytes."""
    files = {f"processed/{p.name}": p.read_bytes() for p in sorted(Path(processed_dir).glob("*.parquet"))}
    files["notebook.ipynb"] = Path(notebook).read_bytes()
    return files


def _unpacked(files: dict[str, bytes], fingerprint: str) -> Path:
    """This worker's copy of the bundle (written once per build fingerprint)."""
    with _LOCK:
        if fingerprint not in _UNPACKED:
            root = Path(tempfile.mkdtemp(prefix="diagnostic-"))
            for name, data in files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_bytes(data)
            _UNPACKED[fingerprint] = root
        return _UNPACKED[fingerprint]


def remote_report(code: str, files: dict[str, bytes], fingerprint: str, generated: str, keep_notebook: bool) -> dict:
    """Run on a worker: one territory's report, returned rather than written (with the executed
    notebook when it failed or ``keep_notebook``)."""
    from diagnostics.pipeline.notebook_shell import notebook_json
    from diagnostics.pipeline.worker import describe_error, worker_for

    start = time.perf_counter()
    root = _unpacked(files, fingerprint)
    worker = worker_for(str(root / "notebook.ipynb"))
    try:
        html, csv = worker.build(code, str(root / "processed"), generated)
        return {
            "territory": code,
            "ok": True,
            "seconds": time.perf_counter() - start,
            "html": html,
            "csv": csv,
            "notebook": notebook_json(worker.last_notebook) if keep_notebook else "",
        }
    except Exception as exc:  # noqa: BLE001 - reported to the client, the batch goes on
        nb = getattr(exc, "nb", None)
        return {
            "territory": code,
            "ok": False,
            "seconds": time.perf_counter() - start,
            "error": describe_error(exc),
            "notebook": notebook_json(nb) if nb is not None else "",
        }


def build_on_cluster(
    address: str,
    codes: list[str],
    processed_dir: Path,
    output: Path,
    generated: str,
    fingerprint: str,
    keep_notebooks: bool,
    progress,
    record,
) -> None:
    """Submit every territory to the cluster at ``address``; write each result as it arrives and
    pass its :class:`~diagnostics.pipeline.batch.Outcome` to ``record``."""
    from distributed import Client, as_completed

    from diagnostics.pipeline.worker import Outcome, keep_notebook, write_report

    with Client(address, timeout="30s") as client:
        files = client.scatter(bundle(processed_dir, config.REPORT_NOTEBOOK), broadcast=True)
        futures = [
            client.submit(
                remote_report,
                code,
                files,
                fingerprint,
                generated,
                keep_notebooks,
                key=f"rapport-{code}-{fingerprint[:12]}",
                pure=False,
            )
            for code in codes
        ]
        try:
            for future in progress(as_completed(futures), len(futures)):
                r = future.result()
                kept = keep_notebook(output, r["territory"], r["notebook"]) if r["notebook"] else ""
                if r["ok"]:
                    write_report(output, r["territory"], r["html"], r["csv"])
                    record(Outcome(r["territory"], True, r["seconds"]))
                else:
                    record(Outcome(r["territory"], False, r["seconds"], r["error"], kept))
        except BaseException:
            client.cancel(futures)  # the cluster stops working for a client that has stopped
            raise
