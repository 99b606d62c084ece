"""The garbage collector paused while ``run_all.py`` starts, then resumed with what it loaded frozen.

A command's start-up (pandas, pyarrow, IPython, the package) creates about a million objects that live as long as
the process; the collector would scan them again and again as they appear (≈ 0,07 s of a one-territory report of
1 s). ``run_all.py`` pauses it before its imports and :func:`resume_collection` takes it back where the work begins
(the raw files read, a notebook executed, worker processes forked): what exists then is frozen (never scanned
again, and not written to by later collections in forked workers — the sequence the ``gc.freeze`` documentation
gives for processes that fork), and collection goes on as usual for everything created after.
"""

from __future__ import annotations

import gc


def pause_collection() -> None:
    gc.disable()


def resume_collection() -> None:
    """No-op when the collector runs (a library caller, a test, a second call)."""
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
