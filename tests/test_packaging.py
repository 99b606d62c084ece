"""Packaging and repository hygiene: pip and conda agree, notebooks carry no outputs."""

import json
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _name_spec(req: str) -> tuple[str, str]:
    m = re.match(r"^\s*([A-Za-z0-9_.-]+)\s*(.*)$", req)
    return m.group(1).lower().replace("_", "-"), m.group(2).replace(" ", "")


def test_pyproject_and_environment_list_the_same_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = dict(_name_spec(r) for r in project["dependencies"] + project["optional-dependencies"]["test"])
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = dict(
        _name_spec(d) for d in env["dependencies"] if isinstance(d, str) and not d.startswith(("python", "pip"))
    )
    assert pip == conda
    assert project["requires-python"] == ">=3.11"
    assert "python>=3.11" in env["dependencies"]


def test_notebooks_are_committed_without_outputs_and_tagged():
    notebooks = sorted((ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for path in notebooks:
        nb = json.loads(path.read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [], f"{path.name} has outputs"
                assert cell["execution_count"] is None
        tagged = [c for c in nb["cells"] if "parameters" in c.get("metadata", {}).get("tags", [])]
        assert len(tagged) == 1, f"{path.name}: exactly one cell tagged 'parameters'"
        assert nb["metadata"]["kernelspec"]["name"] == "diagnostic-territorial"


def test_notebook_and_its_text_pair_agree():
    import jupytext

    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        paired = path.with_suffix(".py")
        assert paired.exists(), f"{path.name} has no py:percent pair"
        a = jupytext.read(path)
        b = jupytext.read(paired)
        assert [c.source for c in a.cells] == [c.source for c in b.cells]


def test_templates_load_nothing_from_the_network():
    for path in (ROOT / "templates").rglob("*"):
        if path.is_file():
            assert not re.search(r"(src|href)=[\"']?(https?:)?//", path.read_text()), path
            assert "@import" not in path.read_text()


def test_readme_lists_every_accepted_file():
    from diagnostics.sources.catalog import SOURCES

    readme = (ROOT / "README.md").read_text(encoding="utf-8").lower()
    for kind in SOURCES:
        stem = re.split(r"[*\[]", kind.patterns[0])[0]
        assert stem in readme, f"README « Utiliser vos propres données » : {kind.label} ({stem}) absent"
