#!/usr/bin/env bash
# Installs everything Yutang needs to build, run and test, from Debian packages and npm.
# Idempotent: installs only what is missing; safe to run on every `make run` / `make test`.
set -euo pipefail

PACKAGES=(
    # toolchain
    g++ cmake ninja-build ccache pkg-config git make
    # libraries
    libboost1.81-dev libboost-json1.81-dev libsimdjson-dev libsqlite3-dev libpq-dev libsodium-dev
    libssl-dev libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev tzdata
    # tests and benchmarks: GoogleTest, Google Benchmark, a real PostgreSQL, the sqlite3 shell, wrk
    libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 sqlite3 wrk
)

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
        SUDO="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    # postgresql-common would start a system cluster; tests start their own server instead.
    $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The web console's dependencies, from the committed lockfile (only once there is a console).
if [ -f web/package-lock.json ]; then
    if [ ! -d web/node_modules ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
        echo "setup: installing console dependencies (npm ci)"
        (cd web && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
