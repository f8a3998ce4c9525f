#!/usr/bin/env bash
# Set everything up and run the whole test suite (SQLite unless DATABASE_URL is set).
# Extra arguments go to pytest, e.g. scripts/test.sh -k pledges --create-db
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements-dev.txt
exec .venv/bin/python -m pytest "$@"
