#!/usr/bin/env bash
# Installs everything Yutang needs to build, run and test, from Debian packages and npm.
# Idempotent: installs only what is missing; safe to run on every `make run` / `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
    # toolchain
    g++ cmake ninja-build ccache pkg-config git make
    # the rule parsers' fuzz target (scripts/fuzz.sh): clang with libFuzzer, which Debian ships in
    # libclang-rt-14-dev — only recommended by clang, so named here
    clang libclang-rt-14-dev
    # libraries
    libboost1.81-dev libboost-json1.81-dev libsimdjson-dev libsqlite3-dev libpq-dev libsodium-dev
    libssl-dev libspdlog-dev libfmt-dev libcli11-dev libhowardhinnant-date-dev tzdata libzip-dev libexpat1-dev
    # the audience index's bitmaps (CRoaring)
    libroaring-dev
    # tests and benchmarks: GoogleTest, Google Benchmark, a real PostgreSQL, the sqlite3 shell, wrk
    libgtest-dev libgmock-dev libbenchmark-dev postgresql-15 sqlite3 wrk
    # the web console's end-to-end test drives a real headless Chromium (playwright-core brings
    # no browser of its own); Noto CJK draws the Chinese text in its screenshots
    chromium fonts-noto-cjk
)

apt_install() {
    echo "setup: installing $*"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        sudo="sudo"
    fi
    export DEBIAN_FRONTEND=noninteractive
    $sudo apt-get update -qq
    $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

missing=()
for package in "${PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done
# Node.js and npm are checked by command rather than by package: Node.js may come from another
# Debian-compatible package that bundles npm.
if ! command -v npm >/dev/null 2>&1; then
    missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
fi

# npm dependencies, each from its committed lockfile, reinstalled only when the lockfile changed.
for dir in tests/sdk web; do
    if [ -f "$dir/package-lock.json" ]; then
        if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
            echo "setup: installing $dir npm dependencies (npm ci)"
            (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
        fi
    fi
done
