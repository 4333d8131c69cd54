"""The package layout is the data flow: imports go one way, from later stages to earlier ones.

Reads every module under rag/ and ui/ with ``ast`` — imports inside functions and under
``TYPE_CHECKING`` count too, because a cycle hidden in a function is still a cycle — and fails on
  * an import of a later stage package from an earlier one (a backward import);
  * any cycle between modules;
  * a pipeline stage importing ui (only the CLI may start the app).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The data flow, earliest first. A module may import its own stage and any earlier one.
STAGES = (
    "core", "lang", "ingest", "report", "index", "question", "retrieve", "generate",
    "answer", "summary", "compare", "library", "service", "ui", "cli",
)  # ui (the Gradio app) sits on the service; the CLI's `serve` starts the app, so cli comes last
# rag/__init__.py is the public facade (re-exports the service), not a stage.
FACADE = "rag"


def module_name(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def all_modules() -> dict[str, Path]:
    found = {}
    for top in ("rag", "ui"):
        for path in sorted((ROOT / top).rglob("*.py")):
            found[module_name(path)] = path
    return found


def imported_modules(path: Path, name: str, known: set[str]) -> set[str]:
    """Every project module ``path`` imports, at any depth of the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            # "from rag.index import store_db" imports the module rag.index.store_db
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                out.add(target)
    return out


def stage_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "ui":
        return "ui"
    if module == FACADE:
        return None
    return parts[1] if len(parts) > 1 else None


def import_graph() -> dict[str, set[str]]:
    modules = all_modules()
    known = set(modules)
    return {name: imported_modules(path, name, known) for name, path in modules.items()}


def test_every_rag_module_belongs_to_a_known_stage() -> None:
    strays = [m for m in all_modules() if stage_of(m) not in (*STAGES, None)]
    assert not strays, f"modules outside the stage packages {STAGES}: {strays}"


def test_no_backward_imports_between_stages() -> None:
    order = {stage: i for i, stage in enumerate(STAGES)}
    backward = []
    for module, targets in import_graph().items():
        here = stage_of(module)
        if here is None:
            continue
        for target in targets:
            there = stage_of(target)
            if there is not None and order[there] > order[here]:
                backward.append(f"{module} ({here}) imports {target} ({there})")
    assert not backward, "backward imports:\n" + "\n".join(sorted(backward))


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle in ``graph`` as a list of modules, or None (iterative DFS, white/grey/black)."""
    colour = dict.fromkeys(graph, 0)
    for start in graph:
        if colour[start]:
            continue
        stack = [(start, iter(sorted(graph[start])))]
        path = [start]
        colour[start] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                colour[node] = 2
                stack.pop()
                path.pop()
            elif colour.get(child, 2) == 1:
                return [*path[path.index(child):], child]
            elif colour.get(child, 2) == 0:
                colour[child] = 1
                path.append(child)
                stack.append((child, iter(sorted(graph.get(child, ())))))
    return None


def test_no_import_cycles_even_inside_functions() -> None:
    graph = import_graph()
    graph.pop(FACADE, None)  # the facade imports the service; nothing imports the facade back
    graph = {m: {t for t in ts if t != FACADE} for m, ts in graph.items()}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_pipeline_never_imports_ui() -> None:
    graph = import_graph()
    bad = [(m, t) for m, ts in graph.items() if m.startswith("rag") and m != "rag.cli" for t in ts if t.startswith("ui")]
    assert not bad, bad


@pytest.mark.parametrize(
    ("graph", "has_cycle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, False),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, True),
        ({"a": {"a2"}, "a2": set(), "b": {"b"}}, True),
    ],
)
def test_cycle_finder_itself(graph: dict[str, set[str]], has_cycle: bool) -> None:
    assert (find_cycle(graph) is not None) is has_cycle


def test_function_level_imports_are_seen(tmp_path: Path) -> None:
    source = tmp_path / "mod.py"
    source.write_text("def f():\n    from rag.summary import flags\n    import rag.index.store\n", encoding="utf-8")
    known = {"rag.summary", "rag.summary.flags", "rag.index", "rag.index.store"}
    assert imported_modules(source, "rag.x.mod", known) == {"rag.summary", "rag.summary.flags", "rag.index.store"}
