"""Shared fixtures. Several test modules add fixtures here: keep each block small and labelled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
KITCHEN_SINK = FIXTURES / "kitchen-sink"
REAL_DATA = REPO / "graph"


def run_govgraph(*args: str, cwd: Path | None = None, env: dict | None = None,
                 timeout: float = 600) -> subprocess.CompletedProcess:
    """Run the real CLI in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "govgraph", *args], cwd=cwd, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="session")
def kitchen_sink_dir() -> Path:
    return KITCHEN_SINK


@pytest.fixture(scope="session")
def kitchen_sink_build(tmp_path_factory) -> Path:
    """The kitchen-sink country built once per session; returns the out/ folder."""
    out = tmp_path_factory.mktemp("ks") / "out"
    result = run_govgraph("build", "--data", str(KITCHEN_SINK), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def real_build(tmp_path_factory) -> Path:
    """The real dataset (graph/) built once per session; returns the out/ folder."""
    out = tmp_path_factory.mktemp("real") / "out"
    result = run_govgraph("build", "--data", str(REAL_DATA), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out
