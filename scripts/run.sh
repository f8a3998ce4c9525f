#!/usr/bin/env bash
# Set everything up and serve catrack at http://127.0.0.1:8000 (SQLite unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh requirements.txt
.venv/bin/python manage.py migrate --no-input
# Loads the article's facts on a fresh database; never overwrites analysts' later corrections.
.venv/bin/python manage.py seed --once
exec .venv/bin/python manage.py runserver "${ADDRPORT:-127.0.0.1:8000}"
