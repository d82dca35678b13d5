#!/bin/sh
# Development: the web server and the mail worker side by side; Ctrl-C stops both.
#
# Stopping: the traps send SIGTERM to the two children only (not `kill 0`, which signalled this shell's own
# group, `make` included, and ran the TERM trap again from inside itself, over and over), ignore any further
# signal while they do, and give the children 10 seconds before SIGKILL. If either child ends by itself, the
# other is stopped and the script exits with its status.
set -u
PORT="${PORT:-5000}"
BIN="${BIN:-.venv/bin}"
HOST=127.0.0.1
export FLASK_APP=organiser FLASK_DEBUG=1
export ORGANISER_BASE_URL="${ORGANISER_BASE_URL:-http://${HOST}:${PORT}}"

# Say so before starting anything when the port is taken (the web server would exit, leaving the worker behind).
if ! "$BIN/python" - "$HOST" "$PORT" <<'EOF'
import socket, sys
with socket.socket() as s:
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the web server does
    try:
        s.bind((sys.argv[1], int(sys.argv[2])))
    except OSError:
        sys.exit(1)
EOF
then
  echo "organiser: port ${PORT} on ${HOST} is already in use (is organiser already running?)." >&2
  echo "Stop the program that uses it, or choose another port: make run PORT=8000" >&2
  exit 1
fi

children=""
stop_children() {
  trap '' INT TERM HUP # from here on, more signals change nothing
  trap - EXIT
  [ -n "$children" ] || return 0
  kill -TERM $children 2>/dev/null
  waited=0
  while [ "$waited" -lt 50 ]; do
    alive=""
    for pid in $children; do kill -0 "$pid" 2>/dev/null && alive="$alive $pid"; done
    [ -n "$alive" ] || return 0
    sleep 0.2
    waited=$((waited + 1))
  done
  echo "organiser: still running after 10 s, killing:$alive" >&2
  kill -KILL $alive 2>/dev/null
  return 0
}
trap 'stop_children; exit 130' INT
trap 'stop_children; exit 143' TERM HUP
trap 'stop_children' EXIT

echo
echo "  organiser runs at http://${HOST}:${PORT}"
echo "  Log in as demo@organiser.example with password demo-organiser"
echo "  Without SMTP settings, sent mail appears at http://${HOST}:${PORT}/dev/mail"
echo
if "$BIN/flask" outbox --help >/dev/null 2>&1; then
  "$BIN/flask" outbox work &
  children="$!"
fi
"$BIN/flask" run --host "$HOST" --port "$PORT" &
web="$!"
children="$children $web"

# Until the web server ends (or a signal runs a trap above).
wait "$web"
status=$?
echo "organiser: the web server stopped (exit status ${status}); stopping the mail worker." >&2
stop_children
exit "$status"
