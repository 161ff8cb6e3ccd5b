#!/usr/bin/env bash
# Measures the HTTP server with wrk: keep-alive over loopback, requests/s per server core.
#
#   bench/http_wrk.sh          # 10 s per route (after a 2 s warm-up)
#   bench/http_wrk.sh 30s      # any wrk duration
#
# Builds nothing: it runs the release binary (override with YUTANG_BIN). It starts
# `yutang serve --demo` on a fresh temp data dir with one HTTP thread pinned to CPU 0 and runs
# wrk pinned to CPU 1, so the rates are per server core. It then restarts the server with
# `--threads 2` and no pinning (server and wrk share both cores) and measures /healthz again to
# show scaling; that row is noisier. Needs wrk, curl and taskset (util-linux), and 2 CPUs.
set -euo pipefail

DURATION="${1:-10s}"
WARMUP="2s"
CONNECTIONS=50
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${YUTANG_BIN:-$ROOT/build/release/src/yutang/app/yutang}"
EMAIL="demo@yutang.local"

for tool in wrk curl taskset; do
    command -v "$tool" >/dev/null || { echo "http_wrk.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "http_wrk.sh: no binary at $BIN (build the release preset first)" >&2; exit 1; }
if (( $(nproc) < 2 )); then
    echo "http_wrk.sh: needs 2 CPUs (server on CPU 0, wrk on CPU 1)" >&2
    exit 1
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/yutang-wrk.XXXXXX")"
SERVER_PID=""

stop_server() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
        SERVER_PID=""
    fi
}
cleanup() {
    stop_server
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_server THREADS [taskset CPU list]: starts the server and sets PORT.
start_server() {
    local threads="$1" cpus="${2:-}" log="$TMP/server-$1.log" i
    local -a pin=()
    [[ -n "$cpus" ]] && pin=(taskset -c "$cpus")
    : >"$log"
    # A small demo: these routes do not depend on how many customers there are.
    "${pin[@]}" "$BIN" serve --demo --demo-customers 1000 --data "$TMP/data" --listen 127.0.0.1:0 --threads "$threads" \
        --log-level warn >"$log" 2>&1 &
    SERVER_PID=$!
    PORT=""
    for ((i = 0; i < 300; i++)); do
        PORT="$(sed -n 's|.* is listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$log")"
        [[ -n "$PORT" ]] && return 0
        if ! kill -0 "$SERVER_PID" 2>/dev/null; then
            echo "http_wrk.sh: the server exited:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    echo "http_wrk.sh: the server did not report its port within 30 s:" >&2
    cat "$log" >&2
    exit 1
}

login() {
    local password headers
    password="$(head -n 1 "$TMP/data/demo-login.txt")"
    headers="$(curl -sS -o /dev/null -D - -H 'Content-Type: application/json' \
        --data "{\"email\":\"$EMAIL\",\"password\":\"$password\"}" \
        "http://127.0.0.1:$PORT/api/v1/auth/login")"
    TOKEN="$(printf '%s\n' "$headers" | tr -d '\r' | sed -n 's/^[Ss]et-[Cc]ookie: yt_session=\([^;]*\);.*/\1/p')"
    if [[ -z "$TOKEN" ]]; then
        echo "http_wrk.sh: login failed:" >&2
        printf '%s\n' "$headers" >&2
        exit 1
    fi
}

ROWS=()

# measure LABEL PATH [wrk CPU list] [extra wrk args...]: warm-up, then the measured run.
measure() {
    local label="$1" path="$2" cpus="$3" out rps avg p99 errors
    shift 3
    local -a pin=()
    [[ -n "$cpus" ]] && pin=(taskset -c "$cpus")
    local url="http://127.0.0.1:$PORT$path"
    "${pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" "$@" "$url" >/dev/null
    local -a cmd=("${pin[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@" "$url")
    echo "+ ${cmd[*]}" | sed "s/Bearer [^ ]*/Bearer <token>/"
    out="$("${cmd[@]}")"
    rps="$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")"
    avg="$(awk '$1 == "Latency" {print $2; exit}' <<<"$out")"
    p99="$(awk '$1 == "99%" {print $2}' <<<"$out")"
    errors="$(awk '/Non-2xx|Socket errors/' <<<"$out")"
    [[ -n "$errors" ]] && echo "http_wrk.sh: $label: $errors" >&2
    ROWS+=("$(printf '%-34s %10s %10s %10s' "$label" "$rps" "$avg" "$p99")${errors:+ (errors)}")
}

echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "wrk: $(wrk --version 2>&1 | head -n 1 | awk '{print $1, $2}'), -t1 -c$CONNECTIONS, keep-alive, warm-up $WARMUP, run $DURATION"
echo "binary: $BIN"

start_server 1 0
login
measure "GET /healthz (1 thread, CPU 0)" /healthz 1
measure "GET /readyz (1 thread, CPU 0)" /readyz 1
measure "GET /api/v1/me (1 thread, CPU 0)" /api/v1/me 1 -H "Authorization: Bearer $TOKEN"
stop_server

start_server 2
measure "GET /healthz (2 threads, shared)" /healthz ""
stop_server

echo
printf '%-34s %10s %10s %10s\n' "route (server threads, CPUs)" "req/s" "avg" "p99"
printf '%s\n' "${ROWS[@]}"
