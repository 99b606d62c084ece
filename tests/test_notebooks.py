"""The exploration notebook runs top to bottom with papermill and recomputes the report's ICM by hand."""
import papermill as pm

from diagnostics import config
from diagnostics.batch import kernel_name


def test_exploration_notebook_recomputes_the_icm_of_the_report(demo_processed, tmp_path):
    out = tmp_path / "explorer.ipynb"
    nb = pm.execute_notebook(str(config.PROJECT_ROOT / "notebooks" / "explorer_un_territoire.ipynb"), str(out),
                             parameters={"territory": "TS-SUD", "processed_dir": str(demo_processed)},
                             kernel_name=kernel_name(), progress_bar=False)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "stream")
    assert "Territoire de santé Ombrelune-Sud (territoire de santé) : 71 communes" in text
    assert "ICM 95.9 [92.3 – 99.5] ; dans le rapport : 95.9 (2019-2023)" in text  # the notebook asserts equality too
    assert any(o.get("output_type") == "display_data" and "image/png" in o.get("data", {})
               for c in nb.cells for o in c.get("outputs", []))  # the custom chart
