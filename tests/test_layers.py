"""Imports flow one way: a module imports only from the layers below its own (README, "Layout").
A new module must be placed in a layer here, so the rule is decided once, not discovered later."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "govgraph"

LAYERS = (
    {"errors", "vocab", "resources", "background"},
    {"model", "outdir"},
    {"curated", "cast"},
    {"build", "store", "coverage", "analyse", "link", "ontodoc"},
    {"query", "reason", "validate", "project", "void"},
    {"analysis_run", "render", "serve", "export"},
    {"pipeline"},
    {"cli", "__main__", "__init__"},
)


def layer_of(name: str) -> int:
    for n, members in enumerate(LAYERS):
        if name in members:
            return n
    raise AssertionError(f"src/govgraph/{name}.py is in no layer: add it to tests/test_layers.py")


def imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found |= {node.module.split(".")[0]} if node.module else {a.name for a in node.names}
    return found


def test_every_module_is_in_a_layer_and_imports_only_from_below():
    modules = {p.stem for p in PACKAGE.glob("*.py")}
    problems = []
    for name in sorted(modules):
        for dep in sorted(imports(PACKAGE / f"{name}.py") & modules):
            if layer_of(dep) >= layer_of(name):
                problems.append(f"{name} (layer {layer_of(name)}) imports {dep} (layer {layer_of(dep)})")
    assert problems == []
