"""The package's shape: folders tell the flow raw → processed → indicators → report → batch, no module
imports from a stage above its own, and no import cycle exists, function-level imports included."""

from __future__ import annotations

import ast
from pathlib import Path

import diagnostics

PACKAGE = Path(diagnostics.__file__).parent
# lowest first: a module may import from its own stage and the stages before it
STAGES = [
    ("foundations", {"diagnostics", "diagnostics.config", "diagnostics.formatting"}),
    ("methods", {"diagnostics.methods"}),
    ("sources", {"diagnostics.sources"}),
    ("territories", {"diagnostics.territories"}),
    ("indicators", {"diagnostics.indicators"}),
    ("reporting", {"diagnostics.reporting"}),
    ("pipeline", {"diagnostics.pipeline"}),
    ("demo", {"diagnostics.demo"}),
]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in PACKAGE.rglob("*.py") if "declared" not in p.parent.parts}


def imports(path: Path, name: str) -> set[str]:
    """Every module of the package that ``path`` imports, anywhere in it (functions included)."""
    base = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            stem = node.module or ""
            if node.level:
                prefix = base[: len(base) - node.level + 1]
                stem = ".".join(prefix + ([node.module] if node.module else []))
            found.add(stem)
            found |= {f"{stem}.{a.name}" for a in node.names}
    known = modules()
    return {m for m in found if m in known and m != name}


def stage(name: str) -> int:
    for i, (_, prefixes) in reversed(list(enumerate(STAGES))):
        if any(name == p or name.startswith(p + ".") for p in prefixes if p != "diagnostics") or name in prefixes:
            return i
    raise AssertionError(f"{name} : module hors des dossiers d'étapes {[s for s, _ in STAGES]}")


def test_every_module_lives_in_a_stage_folder_and_imports_only_from_below():
    upward = []
    for name, path in modules().items():
        for target in imports(path, name):
            if stage(target) > stage(name):
                upward.append(f"{name} → {target}")
    assert not upward, upward
    assert len(modules()) > 40


def test_no_import_cycle_function_level_imports_included():
    graph = {name: imports(path, name) for name, path in modules().items()}
    # a module importing its own package's __init__ is not a cycle of code
    graph = {m: {t for t in ts if not m.startswith(t + ".")} for m, ts in graph.items()}
    cycles, state = [], {}

    def visit(node, trail):
        state[node] = "open"
        for nxt in sorted(graph[node]):
            if state.get(nxt) == "open":
                cycles.append(trail[trail.index(nxt) :] + [nxt])
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, cycles


def test_the_checker_reads_stages_and_function_level_imports():
    """What the two tests above rely on: stage order, and an import inside a function is seen."""
    assert stage("diagnostics.reporting.report") > stage("diagnostics.indicators.common")
    assert "diagnostics.reporting.territory" in imports(
        PACKAGE / "reporting" / "report.py", "diagnostics.reporting.report"
    )
    assert "diagnostics.pipeline.cluster" in imports(PACKAGE / "pipeline" / "batch.py", "diagnostics.pipeline.batch")
