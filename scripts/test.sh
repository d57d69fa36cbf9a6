#!/usr/bin/env bash
# One command on a fresh machine: install govgraph with its test dependencies, then run the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
exec .venv/bin/python -m pytest "$@"
