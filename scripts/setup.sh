#!/usr/bin/env bash
# Installs what govgraph needs on a fresh Debian machine: a JRE (HermiT), optionally chromium (map
# tests), and govgraph itself in .venv. Safe to re-run: it installs only what is missing.
# Usage: scripts/setup.sh [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
want_test=0
[ "${1:-}" = "--test" ] && want_test=1

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "setup: installing Debian packages: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

command -v java >/dev/null 2>&1 || apt_install default-jre-headless
if [ "$want_test" -eq 1 ]; then
  command -v chromium >/dev/null 2>&1 || apt_install chromium
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --upgrade pip >/dev/null
if [ "$want_test" -eq 1 ]; then
  .venv/bin/python -m pip install -q -c constraints.txt -e ".[test]"
else
  .venv/bin/python -m pip install -q -c constraints.txt -e .
fi
