#!/usr/bin/env bash
# Installs what govgraph needs on a fresh Debian machine: a JRE (HermiT), optionally (--test) chromium (map
# tests) and Virtuoso (engine tests), and govgraph itself in .venv. Safe to re-run: it installs only what is missing.
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
  # Virtuoso for the engine tests, which start it themselves (tests/conftest.py: own virtuoso.ini,
  # database in a tmp folder, 127.0.0.1 only). Only the binaries: the full virtuoso-opensource
  # package's postinst starts the system service (all interfaces, ports 1111 and 8890, password
  # dba) and leaves it running where no policy-rc.d stops it; -bin has no maintainer scripts.
  command -v virtuoso-t >/dev/null 2>&1 || apt_install virtuoso-opensource-7-bin
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
