#!/bin/sh
# The production set-up on loopback (DEPLOYMENT.md): a fresh PostgreSQL database, migrations, two gunicorn
# instances, one outbox worker and an SMTP sink. Usage: scripts/production-local.sh start|stop|status [options]
# (options: see `.venv/bin/python -m deploy.local --help`). The PostgreSQL server is ORGANISER_TEST_DATABASE_URL,
# default postgresql://postgres@127.0.0.1:5432/postgres.
set -e
cd "$(dirname "$0")/.."
exec "${PYTHON:-.venv/bin/python}" -m deploy.local "$@"
