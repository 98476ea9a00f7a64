"""The pipeline runs one way: core → graphbuild → queries → exports, with the orchestrator and CLI on top.

Every import is read from the source (function-level imports included), so a call-time import that
reaches back fails here too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import ROOT

FOLDERS = {"graphbuild": "sskg.graphbuild", "queries": "sskg.queries", "exports": "sskg.exports", "sskg": "sskg",
           "ontology": "sskg.ontology"}
TOP = {"sskg.cli", "sskg.pipeline"}  # may import any stage
LAYER_ORDER = ["core", "sskg.graphbuild", "sskg.queries", "sskg.exports", "top"]


def module_files() -> dict[str, Path]:
    modules = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            name = ".".join((package, *parts)).removesuffix(".__init__")
            modules[name] = path
    return modules


def imports_of(name: str, path: Path) -> set[str]:
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {module for module in found if module.startswith("sskg")}


def layer(module: str) -> str:
    if module in TOP:
        return "top"
    for package in ("sskg.graphbuild", "sskg.queries", "sskg.exports"):
        if module == package or module.startswith(package + "."):
            return package
    return "core"


MODULES = module_files()


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_imports_a_later_stage(name: str) -> None:
    own = LAYER_ORDER.index(layer(name))
    later = sorted(module for module in imports_of(name, MODULES[name])
                   if module in MODULES and LAYER_ORDER.index(layer(module)) > own)
    assert later == [], f"{name} ({layer(name)}) imports {later}"


def test_modules_do_not_import_each_other_in_a_circle() -> None:
    graph = {name: {module for module in imports_of(name, path) if module in MODULES and module != name}
             for name, path in MODULES.items()}
    state: dict[str, str] = {}

    def visit(module: str, trail: list[str]) -> None:
        state[module] = "open"
        for target in sorted(graph[module]):
            if state.get(target) == "open":
                raise AssertionError("import circle: " + " → ".join([*trail[trail.index(target):], target]))
            if target not in state:
                visit(target, [*trail, target])
        state[module] = "done"

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])


def test_the_check_sees_a_call_time_import_that_reaches_back(tmp_path: Path) -> None:
    source = tmp_path / "build.py"
    source.write_text("def f():\n    from sskg.exports.formats import write_exports\n", encoding="utf-8")
    assert "sskg.exports.formats" in imports_of("sskg.graphbuild.build", source)
    relative = tmp_path / "tables.py"
    relative.write_text("from .iris import compact_iri\n", encoding="utf-8")
    assert "sskg.exports.iris" in imports_of("sskg.exports.tables", relative)
