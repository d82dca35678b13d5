#!/bin/sh
# Development: the web server and the mail dispatcher side by side; Ctrl-C stops both.
set -e
PORT="${PORT:-5000}"
BIN="${BIN:-.venv/bin}"
export FLASK_APP=organiser FLASK_DEBUG=1
# Trying the demo should not start with setting up an authenticator app; production asks administrators for one.
export ORGANISER_MFA_REQUIRED_FOR="${ORGANISER_MFA_REQUIRED_FOR:-none}"
echo
echo "  organiser runs at http://127.0.0.1:${PORT}"
echo "  Log in as demo@organiser.example with password demo-organiser"
echo "  Without SMTP settings, sent mail appears at http://127.0.0.1:${PORT}/dev/mail"
echo
trap 'kill 0' INT TERM EXIT
if "$BIN/flask" outbox --help >/dev/null 2>&1; then
  ORGANISER_BASE_URL="${ORGANISER_BASE_URL:-http://127.0.0.1:${PORT}}" "$BIN/flask" outbox work &
fi
ORGANISER_BASE_URL="${ORGANISER_BASE_URL:-http://127.0.0.1:${PORT}}" "$BIN/flask" run --host 127.0.0.1 --port "$PORT"
