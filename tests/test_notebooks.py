"""The exploration notebook runs top to bottom with papermill and recomputes the report's ICM by hand."""

import papermill as pm
import pytest

from diagnostics import config
from diagnostics.pipeline.worker import kernel_name

pytestmark = pytest.mark.slow  # runs the batch or a Jupyter kernel


def test_exploration_notebook_recomputes_the_icm_of_the_report(demo_processed, tmp_path):
    out = tmp_path / "explorer.ipynb"
    nb = pm.execute_notebook(
        str(config.PROJECT_ROOT / "notebooks" / "explorer_un_territoire.ipynb"),
        str(out),
        parameters={"territory": "TS-SUD", "processed_dir": str(demo_processed)},
        kernel_name=kernel_name(),
        progress_bar=False,
    )
    text = "".join(
        o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream"
    )
    assert "Territoire de santé Ombrelune-Sud (territoire de santé) : 71 communes" in text
    assert "ICM 95.9 [92.3 – 99.5] ; dans le rapport : 95.9 (2019-2023)" in text  # the notebook asserts equality too
    assert any(
        o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
        for c in nb.cells
        for o in c.get("outputs", [])
    )  # the custom chart


def test_report_notebook_gives_the_same_report_in_jupyterlab_and_in_batch():
    """Run as committed in a Jupyter kernel (default parameters, from its folder, as JupyterLab does) and through
    the batch (parameters injected, in the batch's own IPython shell): every displayed output is the same."""
    import nbformat
    from nbclient import NotebookClient

    from diagnostics.pipeline.processing import build_processed
    from diagnostics.pipeline.worker import ReportWorker
    from diagnostics.reporting.territory import load_tables

    try:
        load_tables(config.PROCESSED_DIR)["sources"]["disclosure_threshold"]
    except (FileNotFoundError, KeyError):  # absent, or left by an earlier version
        build_processed(config.DEMO_RAW_DIR, config.PROCESSED_DIR)  # what « make demo » leaves for JupyterLab
    nb = nbformat.read(config.REPORT_NOTEBOOK, as_version=4)
    NotebookClient(nb, kernel_name=kernel_name(), resources={"metadata": {"path": str(config.NOTEBOOKS_DIR)}}).execute()
    default_territory = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", [])).source
    assert 'territory = "TS-NORD"' in default_territory
    batch = ReportWorker().execute(
        {"territory": "TS-NORD", "processed_dir": str(config.PROCESSED_DIR), "generated": None}
    )

    def shown(notebook):
        return [
            o["data"]["text/html"]
            for c in notebook["cells"]
            if c["cell_type"] == "code"
            for o in c.get("outputs", [])
            if o.get("output_type") == "display_data" and "text/html" in o.get("data", {})
        ]

    lab, batched = shown(nb), shown(batch)
    assert len(lab) > 30 and sum("data:image/svg+xml" in h for h in lab) >= 10
    assert lab == batched
