#!/usr/bin/env bash
# Measures durable event ingest through the real server: POST /v1/batch with 100 track events
# per request over keep-alive loopback, in events/s actually stored.
#
#   bench/ingest_http.sh            # 10 s measured (after a 3 s warm-up)
#   bench/ingest_http.sh 30s        # any wrk duration
#
# Builds nothing: it runs the release binary (override with YUTANG_BIN). It initialises a fresh
# temp data dir (SQLite, synchronous=FULL), creates a write key, starts `yutang serve` with
# $SERVER_THREADS HTTP threads (default 4) and runs wrk (-t1 -c$CONNECTIONS, default 8) on the
# same machine, neither pinned: on this 2-core machine they share both cores, as a server with a
# local load generator would. PIN=1 pins the server to CPU 0 and wrk to CPU 1 instead (the
# server then has one core for HTTP, parsing, encryption, the writer and checkpoints). wrk's
# Lua script (written next to the data) builds each request body from 64 templates of 100
# messages (~500 bytes each, userIds from a pool of 10 000 people, each with one anonymousId)
# and a per-request counter in every messageId, so that no message is a duplicate; RANDOM_IDS=1
# scatters the counters, as SDKs' random UUIDs are. The warm-up run makes most of those people
# known customers. The rate is counted from the store, not from wrk: the rows in `events` after
# the measured run minus those before it (sqlite3 CLI), divided by wrk's own elapsed time. What
# the server wrote to the disk over the same run (write_bytes of /proc/PID/io: the WAL and the
# checkpoints) is reported per event and per second. Needs wrk, curl, sqlite3 and taskset
# (util-linux), and 2 CPUs.
set -euo pipefail

DURATION="${1:-10s}"
WARMUP="3s"
CONNECTIONS="${CONNECTIONS:-8}"
PIN="${PIN:-0}"
SERVER_THREADS="${SERVER_THREADS:-4}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${YUTANG_BIN:-$ROOT/build/release/src/yutang/app/yutang}"

for tool in wrk curl sqlite3 taskset; do
    command -v "$tool" >/dev/null || { echo "ingest_http.sh: $tool is not installed" >&2; exit 1; }
done
[[ -x "$BIN" ]] || { echo "ingest_http.sh: no binary at $BIN (build the release preset first)" >&2; exit 1; }
if (( $(nproc) < 2 )); then
    echo "ingest_http.sh: needs 2 CPUs" >&2
    exit 1
fi
if [[ "$PIN" == 1 ]]; then
    SERVER_ON=(taskset -c 0) WRK_ON=(taskset -c 1) LAYOUT="server on CPU 0; wrk -t1 -c$CONNECTIONS on CPU 1"
else
    SERVER_ON=() WRK_ON=() LAYOUT="server and wrk -t1 -c$CONNECTIONS not pinned ($(nproc) CPUs)"
fi

TMP="$(mktemp -d "${TMPDIR:-/tmp}/yutang-ingest.XXXXXX")"
SERVER_PID=""
cleanup() {
    if [[ -n "$SERVER_PID" ]]; then
        kill "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

DATA="$TMP/data"
YUTANG_OWNER_PASSWORD="bench-password-1234" "$BIN" init --data "$DATA" --merchant "bench" \
    --owner-email owner@example.com --log-level warn >"$TMP/init.log" 2>&1 ||
    { cat "$TMP/init.log" >&2; exit 1; }
"$BIN" apikey create --data "$DATA" --merchant 1 --name bench --log-level warn >"$TMP/key.log" 2>&1 ||
    { cat "$TMP/key.log" >&2; exit 1; }
WRITE_KEY="$(sed -n 's/^.*(shown once, store it safely): *//p' "$TMP/key.log")"
[[ -n "$WRITE_KEY" ]] || { echo "ingest_http.sh: no key in:" >&2; cat "$TMP/key.log" >&2; exit 1; }
AUTH="Basic $(printf '%s:' "$WRITE_KEY" | base64 -w0)"

LOG="$TMP/server.log"
"${SERVER_ON[@]}" "$BIN" serve --data "$DATA" --listen 127.0.0.1:0 --threads "$SERVER_THREADS" --log-level warn \
    >"$LOG" 2>&1 &
SERVER_PID=$!
PORT=""
for ((i = 0; i < 300; i++)); do
    PORT="$(sed -n 's|.* is listening on http://127\.0\.0\.1:\([0-9][0-9]*\)/.*|\1|p' "$LOG")"
    [[ -n "$PORT" ]] && break
    kill -0 "$SERVER_PID" 2>/dev/null || { echo "ingest_http.sh: the server exited:" >&2; cat "$LOG" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$PORT" ]] || { echo "ingest_http.sh: the server did not report its port:" >&2; cat "$LOG" >&2; exit 1; }

cat >"$TMP/batch.lua" <<'LUA'
-- Bodies of 100 track events; every messageId carries a per-request counter (unique per run).
local events = {"Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Product List Viewed",
                "Promotion Clicked"}
local categories = {"tea", "teaware", "snacks", "gift-box"}
local templates = {}  -- each: list of message pieces; the counter goes between piece i and i+1
local counter = 0
local run = tostring(os.time()) .. tostring(math.random(100000, 999999))
local random_ids = os.getenv("RANDOM_IDS") == "1"

local function message(slot)
    local person = math.random(0, 9999)
    local product = math.random(0, 4999)
    local head = '{"type":"track","messageId":"r' .. run .. '-'
    local tail = '-' .. slot .. '","userId":"user-' .. (100000 + person) .. '","anonymousId":"anon-' ..
        (7000000 + person * 7) .. '-a9f3","event":"' .. events[product % #events + 1] ..
        '","timestamp":"2026-11-23T03:54:2' .. (slot % 10) .. '.123Z","properties":{"product_id":"p-' .. product ..
        '","sku":"SKU-' .. (40000 + product) .. '","category":"' .. categories[product % #categories + 1] ..
        '","name":"Longjing green tea 250g tin","price":' .. string.format("%d.%02d", 10 + product % 300,
        product % 100) .. ',"quantity":1,"currency":"CNY"},"context":{"ip":"203.0.113.' .. (product % 250) ..
        '","locale":"zh-CN","userAgent":"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) ' ..
        'AppleWebKit/605.1.15 MicroMessenger/8.0.47","library":{"name":"analytics.js","version":"4.1.0"},' ..
        '"page":{"path":"/products/' .. product .. '","referrer":"https://servicewechat.com/"}}}'
    return head, tail
end

function init(args)
    math.randomseed(20261123 + os.time())
    for t = 1, 64 do
        local pieces = {}
        for slot = 0, 99 do
            local head, tail = message(slot)
            pieces[#pieces + 1] = (slot == 0 and '{"sentAt":"2026-11-23T03:54:30.000Z","batch":[' or ',') .. head
            pieces[#pieces + 1] = false  -- the counter
            pieces[#pieces + 1] = tail
        end
        pieces[#pieces + 1] = ']}'
        templates[t] = pieces
    end
end

function request()
    counter = counter + 1
    local pieces = templates[counter % #templates + 1]
    -- RANDOM_IDS=1: ids in no order, as SDKs' UUIDs are (the counter hashed, still unique).
    local id = random_ids and string.format("%08x", (counter * 2654435761) % 4294967296) or tostring(counter)
    local parts = {}
    for i = 1, #pieces do parts[i] = pieces[i] or id end
    return wrk.format("POST", "/v1/batch", nil, table.concat(parts))
end
LUA

count_events() { sqlite3 "$DATA/yutang.db" "SELECT COUNT(*) FROM events"; }
# Bytes the server made the kernel send to the disk (WAL, checkpoints into the database file).
written_bytes() { awk '/^write_bytes:/ {print $2}' "/proc/$SERVER_PID/io"; }

URL="http://127.0.0.1:$PORT"
WRK=("${WRK_ON[@]}" wrk -t1 -c"$CONNECTIONS" -H "Authorization: $AUTH" -H "Content-Type: application/json"
     -s "$TMP/batch.lua")
"${WRK[@]}" -d"$WARMUP" "$URL" >"$TMP/warmup.txt"
before="$(count_events)"
written_before="$(written_bytes)"
echo "+ ${WRK_ON[*]} wrk -t1 -c$CONNECTIONS -H 'Authorization: Basic <write key>' -s batch.lua -d$DURATION --latency $URL"
out="$("${WRK[@]}" -d"$DURATION" --latency "$URL")"
after="$(count_events)"
written_after="$(written_bytes)"
customers="$(sqlite3 "$DATA/yutang.db" "SELECT COUNT(*) FROM customers")"
printf '%s\n' "$out" | sed -n '/requests in/p;/Latency/p;/99%/p;/Non-2xx/p;/Socket errors/p'

seconds="$(awk '/requests in/ {sub(/,$/, "", $4); v = $4; if (v ~ /ms$/) {sub(/ms$/, "", v); v /= 1000}
                                  else if (v ~ /m$/) {sub(/m$/, "", v); v *= 60} else sub(/s$/, "", v); print v}' <<<"$out")"
requests="$(awk '/requests in/ {print $1}' <<<"$out")"
stored=$((after - before))
echo
echo "machine: $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "server: $SERVER_THREADS HTTP threads; $LAYOUT; SQLite WAL synchronous=FULL"
echo "binary: $BIN"
printf '%-28s %s\n' "requests (wrk)" "$requests in ${seconds}s"
printf '%-28s %s\n' "events stored (COUNT(*))" "$stored (expected $((requests * 100)) if all 2xx)"
printf '%-28s %s\n' "customers at the end" "$customers"
printf '%-28s %.1f KB/event, %.0f MB/s\n' "written to disk (server)" \
    "$(awk -v b="$((written_after - written_before))" -v n="$stored" 'BEGIN {print b / 1000 / n}')" \
    "$(awk -v b="$((written_after - written_before))" -v s="$seconds" 'BEGIN {print b / 1e6 / s}')"
printf '%-28s %.0f\n' "events/s (stored)" "$(awk -v n="$stored" -v s="$seconds" 'BEGIN {print n / s}')"
