"""The collector paused during run_all.py's start-up, resumed (with the start-up frozen) where the work begins."""

import subprocess
import sys


def _run(code: str) -> list[str]:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()


def test_resume_freezes_the_start_up_and_runs_the_collector_again():
    out = _run(
        "import gc\n"
        "from diagnostics.pipeline.collection import pause_collection, resume_collection\n"
        "pause_collection(); print(gc.isenabled())\n"
        "import pandas\n"
        "resume_collection(); print(gc.isenabled(), gc.get_freeze_count() > 100_000)\n"
        "frozen = gc.get_freeze_count(); resume_collection(); print(gc.get_freeze_count() == frozen)\n"
    )
    assert out == ["False", "True", "True", "True"]


def test_resume_is_a_no_op_when_the_collector_runs():
    out = _run(
        "import gc\n"
        "from diagnostics.pipeline.collection import resume_collection\n"
        "resume_collection(); print(gc.isenabled(), gc.get_freeze_count())\n"
    )
    assert out == ["True", "0"]


def test_a_notebook_run_resumes_collection():
    out = _run(
        "import gc\n"
        "from diagnostics.pipeline.collection import pause_collection\n"
        "pause_collection()\n"
        "from diagnostics.pipeline.notebook_shell import execute\n"
        "nb = {'cells': [{'cell_type': 'code', 'source': 'import gc; print(gc.isenabled())', 'metadata': {}}]}\n"
        "execute(nb)\n"
        "print(nb['cells'][0]['outputs'][0]['text'].strip(), gc.isenabled())\n"
    )
    assert out == ["True", "True"]
