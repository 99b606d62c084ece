"""Atomic writes: a file is either absent, the old version, or complete — never half-written."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line starts without loading pandas
    import pandas as pd

# faults of the disk written to, in words (other OSErrors are bugs or bad paths, reported as they are)
DISK_FAULTS = {
    errno.ENOSPC: "disque plein",
    errno.EDQUOT: "quota disque dépassé",
    errno.EROFS: "disque en lecture seule",
    errno.EACCES: "écriture refusée (droits)",
    errno.EPERM: "écriture refusée (droits)",
}


class OutputError(Exception):
    """A folder of results cannot be written (full, read-only, refused); the message says which and why."""


def output_error(folder: Path | str, exc: OSError) -> OutputError:
    reason = DISK_FAULTS.get(exc.errno, exc.strerror or str(exc))
    target = f" ({Path(exc.filename).name})" if getattr(exc, "filename", None) else ""
    return OutputError(f"{folder} : écriture impossible{target} : {reason}")


def is_disk_fault(exc: BaseException) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FAULTS


def ensure_writable(folder: Path | str) -> None:
    """Create ``folder`` if needed and prove a file can be written there (before hours of work)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".essai-ecriture.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as exc:
        raise output_error(folder, exc) from None


STOP_SIGNALS = {signal.SIGINT, signal.SIGTERM}
_UMASK = os.umask(0)
os.umask(_UMASK)


@contextlib.contextmanager
def atomic_path(path: Path | str):
    """Yield a temporary path in the target's folder; rename it over the target on success."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a stop signal between the creation of the temporary file and the ``try`` would leave it behind:
    # held back until the cleanup below is armed
    held = signal.pthread_sigmask(signal.SIG_BLOCK, STOP_SIGNALS)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        raise
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_UMASK)  # mkstemp creates 0600; published files follow the umask
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text(path: Path | str, text: str) -> None:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")


@contextlib.contextmanager
def signals_deferred():
    """SIGINT and SIGTERM held back until the block ends (then delivered): what the block writes is
    complete. Python runs signal handlers in the main thread only, so elsewhere nothing is changed."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = {
        s: signal.signal(s, lambda signum, _frame: received.append(signum)) for s in (signal.SIGINT, signal.SIGTERM)
    }
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if received:
            signal.raise_signal(received[0])


def write_parquet_set(tables: dict[str, pd.DataFrame], folder: Path | str) -> None:
    """Tables that belong together (``data/processed``), replaced all at once: a build stopped or
    failing at any moment leaves the whole old set or the whole new one, never a mix."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(signals_deferred())  # entered first, left last: after every rename
        for name, df in tables.items():
            df.to_parquet(stack.enter_context(atomic_path(Path(folder) / f"{name}.parquet")), index=False)
