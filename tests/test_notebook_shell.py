"""The batch's own IPython shell records a notebook's outputs as a kernel does, and isolates one run from the next."""

import json
import subprocess
import sys
import threading

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
    assert first[2]["execution_count"] == done["cells"][3]["execution_count"]
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


def test_a_stuck_cell_is_stopped_by_the_time_limit():
    with pytest.raises(notebook_shell.CellError) as raised:
        notebook_shell.execute(notebook("import time\ntime.sleep(30)"), timeout=0.3)
    assert raised.value.ename == "CellTimeout"


def test_an_interrupt_stops_the_run_instead_of_failing_the_cell():
    with pytest.raises(KeyboardInterrupt):
        notebook_shell.execute(notebook("raise KeyboardInterrupt", "never = 1"))


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
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['display_data'] [True]"


def test_the_notebook_is_main_while_it_runs_and_only_then():
    main = sys.modules["__main__"]
    nb = notebook(
        "import sys, dataclasses\n@dataclasses.dataclass\nclass Point:\n    x: int\n"
        "sys.modules['__main__'] is sys.modules[Point.__module__]"
    )
    done = notebook_shell.execute(nb)
    assert last_output(done)["data"]["text/plain"] == "True"
    assert sys.modules["__main__"] is main  # multiprocessing's spawn (a Dask nanny) needs this process's own


def test_a_notebook_file_is_read_with_its_sources_joined_and_bad_files_are_named(tmp_path):
    path = tmp_path / "n.ipynb"
    path.write_text(nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("a = 1\nb = 2")])))
    assert notebook_shell.read_notebook(path)["cells"][0]["source"] == "a = 1\nb = 2"  # a list of lines on disk
    path.write_text('{"nbformat": 3, "worksheets": []}')
    with pytest.raises(ValueError, match="n.ipynb : notebook Jupyter au format 4 attendu"):
        notebook_shell.read_notebook(path)
