#!/bin/sh
# Container start-up: wait for the database, migrate, create the cache table, load the seed once,
# collect static files, then become gunicorn (PID 1 receives the stop signal). Any failing step stops
# the container with that step's error. Arguments are passed to gunicorn.
set -eu
cd "$(dirname "$0")/.."

echo "entrypoint: waiting for the database"
python manage.py wait_for_db --timeout "${DB_WAIT_TIMEOUT:-60}"

echo "entrypoint: migrating"
python manage.py migrate --no-input

# Shared cache for throttling (production.py: CACHE_URL defaults to the database cache).
python manage.py createcachetable

if [ "${SEED_ON_START:-true}" = "true" ]; then
    echo "entrypoint: loading the seed (once; a seeded database is left alone)"
    python manage.py seed --once
fi

echo "entrypoint: collecting static files"
python manage.py collectstatic --no-input --verbosity 0

echo "entrypoint: starting gunicorn"
exec gunicorn --config gunicorn.conf.py "$@"
