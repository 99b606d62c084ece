"""The batch's own IPython shell records a notebook's outputs as a kernel does, and isolates one run from the next."""

import json
import os
import subprocess
import sys
import threading
import time

import nbformat
import pytest

from diagnostics.pipeline import notebook_shell


def notebook(*sources, parameters="x = 1"):
    """A notebook as the pipeline reads it (the JSON of its file)."""
    cells = [nbformat.v4.new_code_cell(parameters, metadata={"tags": ["parameters"]})]
    cells += [nbformat.v4.new_markdown_cell("# Titre")]
    cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb = json.loads(nbformat.writes(nbformat.v4.new_notebook(cells=cells)))
    for cell in nb["cells"]:  # as read_notebook leaves them
        cell["source"] = "".join(cell["source"])
    return nb


def outputs(nb):
    return [c["outputs"] for c in nb["cells"] if c["cell_type"] == "code"]


def last_output(nb):
    return nb["cells"][-1]["outputs"][-1]


def test_displays_results_and_streams_are_recorded_in_order():
    nb = notebook(
        "from IPython.display import HTML, display\nprint('a'); print('b')\ndisplay(HTML('<p>x</p>'))\nx + 41",
        "import sys\nprint('attention', file=sys.stderr)",
    )
    done = notebook_shell.execute(notebook_shell.inject_parameters(nb, {"x": 1}))
    first = outputs(done)[2]
    assert [o["output_type"] for o in first] == ["stream", "display_data", "execute_result"]
    assert first[0]["name"] == "stdout" and first[0]["text"] == "a\nb\n"
    assert first[1]["data"]["text/html"] == "<p>x</p>"
    assert first[2]["data"]["text/plain"] == "42"
    assert [c.get("execution_count") for c in done["cells"] if c["cell_type"] == "code"] == [1, 2, 3, 4]
    assert first[2]["execution_count"] == 3  # the parameters, the injected cell, then this one
    assert outputs(done)[3] == [nbformat.v4.new_output("stream", name="stderr", text="attention\n")]
    nbformat.validate(nbformat.reads(notebook_shell.notebook_json(done), as_version=4))  # a valid .ipynb


def test_parameters_are_injected_after_the_parameters_cell_as_papermill_does():
    nb = notebook_shell.inject_parameters(notebook("y = x * 2\ny"), {"x": 21, "nom": "L'Haÿ « test »", "n": None})
    injected = nb["cells"][1]
    assert injected["metadata"]["tags"] == ["injected-parameters"]
    assert injected["source"] == '# Parameters\nx = 21\nnom = "L\'Haÿ « test »"\nn = None\n'
    again = notebook_shell.inject_parameters(nb, {"x": 3})  # a second injection replaces the first
    assert [c["metadata"].get("tags") for c in again["cells"]].count(["injected-parameters"]) == 1
    done = notebook_shell.execute(again)
    assert last_output(done)["data"]["text/plain"] == "6"


def test_a_failing_cell_raises_with_its_error_and_the_notebook():
    nb = notebook_shell.inject_parameters(notebook("a = 1", "b = 2\nraise ValueError('commune inconnue')"), {})
    with pytest.raises(notebook_shell.CellError) as raised:
        notebook_shell.execute(nb)
    error = raised.value
    assert error.ename == "ValueError" and error.evalue == "commune inconnue"
    assert "line 2" in error.traceback and "\x1b[" not in error.traceback
    assert error.nb is nb and last_output(nb)["output_type"] == "error"


def test_each_run_starts_from_an_empty_namespace():
    notebook_shell.execute(notebook("left_over = 1"))
    done = notebook_shell.execute(notebook("'left_over' in dir()"))
    assert last_output(done)["data"]["text/plain"] == "False"


def test_a_stuck_cell_is_stopped_by_the_time_limit_even_under_except_exception():
    import signal

    stuck = "import time\ntry:\n    time.sleep(30)\nexcept Exception:\n    pass\ntime.sleep(30)"
    handler = signal.getsignal(signal.SIGALRM)
    started = time.monotonic()
    with pytest.raises(notebook_shell.CellError) as raised:
        notebook_shell.execute(notebook(stuck), timeout=0.3)
    assert raised.value.ename == "CellTimeout" and time.monotonic() - started < 5
    assert signal.getsignal(signal.SIGALRM) is handler and signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert sys.stdout is sys.__stdout__ or not isinstance(sys.stdout, notebook_shell._Stream)  # streams given back


@pytest.mark.parametrize("stop", ["raise KeyboardInterrupt", "import sys; sys.exit(143)"], ids=["Ctrl-C", "SIGTERM"])
def test_a_stop_stops_the_run_instead_of_failing_the_cell(stop):
    nb = notebook(stop, "never = 1")
    with pytest.raises((KeyboardInterrupt, SystemExit)):
        notebook_shell.execute(nb)
    assert nb["cells"][-1]["outputs"] == []  # the next cell never ran


def test_threads_take_turns_and_keep_their_own_outputs():
    results = {}

    def run(name):
        nb = notebook_shell.inject_parameters(
            notebook("import time\nfor i in range(5):\n print(n, i); time.sleep(0.01)"), {"n": name}
        )
        results[name] = last_output(notebook_shell.execute(nb))["text"]

    threads = [threading.Thread(target=run, args=(n,)) for n in ("A", "B")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {n: "".join(f"{n} {i}\n" for i in range(5)) for n in ("A", "B")}


def test_a_matplotlib_figure_is_shown_inline_as_in_a_kernel():
    code = (
        "from diagnostics.pipeline import notebook_shell\n"
        "nb = {'cells': [{'cell_type': 'code', 'metadata': {}, 'outputs': [], "
        "'source': 'import matplotlib.pyplot as plt\\nplt.plot([1, 2], [3, 1])\\nplt.title(\"Courbe\")\\nNone'}]}\n"
        "out = notebook_shell.execute(nb)['cells'][0]['outputs']\n"
        "print([o['output_type'] for o in out], ['image/png' in o.get('data', {}) for o in out])"
    )
    env = {k: v for k, v in os.environ.items() if k != "MPLBACKEND"}  # as a user's shell, whatever this one sets
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
    assert done.stdout.strip() == "['display_data'] [True]"


def test_the_notebook_is_main_while_it_runs_and_only_then():
    main = sys.modules["__main__"]
    nb = notebook(
        "import dataclasses, pickle\n@dataclasses.dataclass\nclass Point:\n    x: int\n"
        "pickle.loads(pickle.dumps(Point(3))).x"  # pickle finds the class through sys.modules['__main__']
    )
    done = notebook_shell.execute(nb)
    assert last_output(done)["data"]["text/plain"] == "3"
    assert sys.modules["__main__"] is main  # multiprocessing's spawn (a Dask nanny) needs this process's own


def test_a_notebook_file_is_read_with_its_sources_joined_and_bad_files_are_named(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1\nb = 2")])))
    assert notebook_shell.read_notebook(path)["cells"][0]["source"] == "a = 1\nb = 2"  # a list of lines on disk
    path.write_text('{"nbformat": 3, "worksheets": []}')
    with pytest.raises(ValueError, match="n.ipynb : notebook Jupyter au format 4 attendu"):
        notebook_shell.read_notebook(path)


def test_cells_run_in_the_given_folder_and_the_process_keeps_its_own():
    here = os.getcwd()
    done = notebook_shell.execute(notebook("import os\nos.getcwd()"), cwd="/tmp")
    assert last_output(done)["data"]["text/plain"] == "'/tmp'" and os.getcwd() == here


def test_display_updates_clears_and_binary_data_as_a_kernel_records_them():
    nb = notebook(
        "from IPython.display import display, clear_output, HTML\nh = display(HTML('<p>avant</p>'), display_id=True)",
        "h.update(HTML('<p>après</p>'))\nprint('a')\nclear_output(wait=True)\nprint('b')",
        "class Png:\n    def _repr_png_(self):\n        return b'\\x89PNG'\nPng()",
    )
    done = notebook_shell.execute(nb)
    first, second, third = outputs(done)[1:]
    assert [o["data"]["text/html"] for o in first] == ["<p>après</p>"]  # updated where it was shown
    assert second == [{"output_type": "stream", "name": "stdout", "text": "b\n"}]  # cleared when « b » came
    assert third[0]["data"]["image/png"] == "iVBORw=="  # base64, as in a notebook file
    json.loads(notebook_shell.notebook_json(done))


def test_history_does_not_grow_from_one_notebook_to_the_next():
    ip = notebook_shell.shell()
    for n in range(3):
        notebook_shell.execute(notebook_shell.inject_parameters(notebook("y = x"), {"x": n}))
    sizes = len(ip.history_manager.input_hist_raw), len(ip.compile._filename_map)
    for n in range(10):
        notebook_shell.execute(notebook_shell.inject_parameters(notebook("y = x"), {"x": n}))
    assert (len(ip.history_manager.input_hist_raw), len(ip.compile._filename_map)) == sizes


def test_reports_cannot_be_built_inside_another_ipython_session():
    code = (
        "from IPython.core.interactiveshell import InteractiveShell\nInteractiveShell.instance()\n"
        "from diagnostics.pipeline import notebook_shell\n"
        "try:\n    notebook_shell.shell()\nexcept RuntimeError as e:\n    print(e)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "lancez « python run_all.py … » dans un terminal" in done.stdout
