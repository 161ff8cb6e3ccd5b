#!/usr/bin/env bash
# Runs every benchmark binary in build/release/bench and keeps the results.
#
#   make bench                      # builds the release preset, then runs this script
#   bench/run.sh [benchmark flags]  # e.g. --benchmark_filter=sqlite/ (builds nothing itself)
#
# For store_write_benchmark and audience_benchmark it starts a throw-away PostgreSQL server
# configured for durability (fsync=on, synchronous_commit=on, full_page_writes=on — unlike the
# test harness, which turns fsync off) in a temp dir on the same disk as the SQLite cases, and
# passes it in $YT_BENCH_POSTGRES (one server for both; audience_benchmark loads its customers
# into a database of its own and drops it at the end). Set YT_BENCH_POSTGRES yourself to use another server, or
# YT_BENCH_NO_POSTGRES=1 to run the SQLite cases only. The temp dir is $TMPDIR (default /tmp):
# point it at the disk you want to measure.
#
# Sizes: import_benchmark generates a 1M-row export (YT_BENCH_IMPORT_ROWS) and identity_benchmark
# builds a store of 10M identities (YT_BENCH_IDENTITIES; about 4.5 min), and audience_benchmark a
# store of 10M customers (YT_BENCH_AUDIENCE_CUSTOMERS) that it also copies into PostgreSQL, all in
# $TMPDIR. Set YT_BENCH_IDENTITY_DIR=<dir> / YT_BENCH_AUDIENCE_DIR=<dir> to keep those stores and
# reuse them in later runs; smaller values make smoke runs (e.g. YT_BENCH_IMPORT_ROWS=20000
# YT_BENCH_IDENTITIES=100000 YT_BENCH_AUDIENCE_CUSTOMERS=100000).
#
# Results: build/release/bench/results/<binary>.json (Google Benchmark JSON) and <binary>.txt
# (the console table). Record them in docs/benchmarks.md.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bench_dir="${YT_BENCH_BUILD_DIR:-$root/build/release/bench}"
results_dir="${YT_BENCH_RESULTS_DIR:-$bench_dir/results}"

if [[ ! -d "$bench_dir" ]]; then
    echo "bench/run.sh: $bench_dir does not exist; build first: make bench" >&2
    echo "  (or: cmake --preset release && cmake --build --preset release)" >&2
    exit 1
fi
mapfile -t binaries < <(find "$bench_dir" -maxdepth 1 -type f -name '*_benchmark' -perm -u+x | sort)
if [[ ${#binaries[@]} -eq 0 ]]; then
    echo "bench/run.sh: no *_benchmark binaries in $bench_dir; build first: make bench" >&2
    exit 1
fi
mkdir -p "$results_dir"

# --- PostgreSQL with fsync on ------------------------------------------------------------------
pg_root=""
pg_bin=""
as_postgres=()

stop_postgres() {
    if [[ -n "$pg_root" ]]; then
        "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -m fast stop >/dev/null 2>&1 || true
        rm -rf "$pg_root"
        pg_root=""
    fi
}
trap stop_postgres EXIT

find_postgres_bin() {
    if [[ -n "${YT_POSTGRES_BIN:-}" ]]; then
        echo "$YT_POSTGRES_BIN"
        return
    fi
    local best
    best="$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -name bin -type d 2>/dev/null | sort -V | tail -n 1)"
    if [[ -n "$best" && -x "$best/initdb" ]]; then
        echo "$best"
    elif command -v initdb >/dev/null 2>&1; then
        dirname "$(command -v initdb)"
    fi
}

start_postgres() {
    pg_bin="$(find_postgres_bin)"
    if [[ -z "$pg_bin" || ! -x "$pg_bin/initdb" || ! -x "$pg_bin/pg_ctl" ]]; then
        echo "bench/run.sh: PostgreSQL server binaries not found; running the SQLite cases only" >&2
        return 1
    fi
    pg_root="$(mktemp -d "${TMPDIR:-/tmp}/yutang-bench-pg-XXXXXX")"
    # initdb refuses to run as root: the cluster then belongs to the postgres system user.
    if [[ $(id -u) -eq 0 ]]; then
        chown postgres: "$pg_root"
        as_postgres=(runuser -u postgres --)
    fi
    if ! (cd "$pg_root" && "${as_postgres[@]}" "$pg_bin/initdb" -D "$pg_root/data" -U yutang --auth=trust -E UTF8 \
        --no-locale >"$pg_root/initdb.log" 2>&1); then
        echo "bench/run.sh: initdb failed:" >&2
        tail -n 20 "$pg_root/initdb.log" >&2
        return 1
    fi
    local port attempt
    for attempt in 1 2 3; do
        port=$((30000 + RANDOM % 20000))
        if (cd "$pg_root" && "${as_postgres[@]}" "$pg_bin/pg_ctl" -D "$pg_root/data" -w -t 60 -l "$pg_root/server.log" \
            -o "-p $port -k '$pg_root' -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on \
-c full_page_writes=on -c max_connections=100" start >/dev/null 2>&1); then
            "$pg_bin/createdb" -h 127.0.0.1 -p "$port" -U yutang yt_bench
            export YT_BENCH_POSTGRES="host=127.0.0.1 port=$port user=yutang dbname=yt_bench connect_timeout=10"
            echo "bench/run.sh: PostgreSQL $("$pg_bin/pg_ctl" --version | awk '{print $3}') on port $port" \
                "(fsync=on, synchronous_commit=on) in $pg_root"
            return 0
        fi
        echo "bench/run.sh: pg_ctl start failed on port $port (attempt $attempt)" >&2
    done
    tail -n 20 "$pg_root/server.log" >&2 || true
    return 1
}

# --- Run ---------------------------------------------------------------------------------------
for binary in "${binaries[@]}"; do
    name="$(basename "$binary")"
    if [[ ("$name" == store_write_benchmark || "$name" == audience_benchmark) && -z "${YT_BENCH_POSTGRES:-}" &&
        "${YT_BENCH_NO_POSTGRES:-0}" != 1 ]]; then
        start_postgres || stop_postgres
    fi
    echo "=== $name"
    "$binary" --benchmark_counters_tabular=true --benchmark_out="$results_dir/$name.json" \
        --benchmark_out_format=json "$@" 2>&1 | tee "$results_dir/$name.txt"
done

echo
echo "Results: $results_dir/<benchmark>.json (JSON) and <benchmark>.txt (console)."
echo "Record them, with the machine and the command, in docs/benchmarks.md."
