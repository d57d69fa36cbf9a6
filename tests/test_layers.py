"""Imports flow one way: each domain subpackage imports only from the layers below its own.

The rule is import-linter's layers contract in pyproject.toml (README, "Layout"); this test runs it
and makes sure every top-level module and subpackage is placed in a layer, so the rule is decided
when a module is added, not discovered later."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import REPO

PACKAGE = REPO / "src" / "govgraph"


def contract_layers() -> list[set[str]]:
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    return [{name.strip() for name in re.split(r"[|:]", layer)} for layer in contract["layers"]]


def test_every_module_and_subpackage_is_in_a_layer():
    placed = set().union(*contract_layers())
    present = {f"govgraph.{p.stem}" for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    present |= {f"govgraph.{p.parent.name}" for p in PACKAGE.glob("*/__init__.py")}
    assert present - placed == set(), "place the new module in a layer of pyproject.toml's contract"
    assert placed - present == set(), "the contract names modules that do not exist"


def test_imports_flow_one_way():
    lint = Path(sys.executable).with_name("lint-imports")
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    run = subprocess.run([str(lint), "--no-cache"], cwd=REPO, env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]
    assert "1 kept, 0 broken" in run.stdout
