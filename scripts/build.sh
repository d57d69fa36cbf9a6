#!/usr/bin/env bash
# One command on a fresh machine: install govgraph, then run the main job (`govgraph build`) → out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/govgraph build "$@"
