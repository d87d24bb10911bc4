#!/usr/bin/env bash
# Install everything and run every test: the project's own suite, ruff, the site, the notebooks,
# the browser tests. Safe to run again; it reuses .venv. CI runs exactly this (see .ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

python3 -m venv .venv
. .venv/bin/activate
python -m pip install --quiet --upgrade pip
python -m pip install --quiet -e '.[test]'

# The browser tests drive Debian's chromium. CI must run them, so CI installs it; elsewhere the
# tests say clearly that they were skipped (install it with: apt-get install chromium).
if [ "${CI:-}" = "true" ] && ! command -v chromium >/dev/null 2>&1; then
    echo "CI: installing Debian's chromium for the browser tests"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi

# Servers the database and queue tests use: started on loopback, on ports of their own, stopped on exit.
. scripts/services.sh
start_postgres
start_redis

export NO_MKDOCS_2_WARNING=1
python -m pytest -n auto --durations=30 "$@"
