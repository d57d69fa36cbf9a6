#!/usr/bin/env bash
# One command on a fresh machine: install govgraph with its test dependencies, then lint (ruff; mypy
# on the typed packages) and run the tests. Arguments go to pytest (e.g. `-m "not slow"` for the fast tier).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check --no-cache src tests benchmarks tools
.venv/bin/mypy --no-incremental
exec .venv/bin/python -m pytest "$@"
