#!/usr/bin/env bash
# Builds the audience rule parser fuzz target (src/yutang/audience/rule_fuzz.cpp) with clang,
# libFuzzer, AddressSanitizer and UndefinedBehaviorSanitizer — apart from the main gcc build,
# compiling only the sources it needs — and runs it for a fixed time.
#
#   scripts/fuzz.sh                      # 60 s, output in build/fuzz
#   scripts/fuzz.sh --time 600           # longer
#   scripts/fuzz.sh --time 0             # build, then run the seed corpus once (no fuzzing)
#   scripts/fuzz.sh --out DIR            # where the binary, new corpus and crash files go
#
# New inputs found go to DIR/corpus; the committed seeds (src/yutang/audience/testdata/fuzz_corpus)
# are only read. A crash leaves DIR/crash-… and exits non-zero: reproduce with
# `DIR/rule_fuzz DIR/crash-…`. Exits 77 (CTest's "skipped") when clang++ or libFuzzer is
# missing — scripts/setup.sh installs them (Debian: clang, libclang-rt-14-dev).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
out=build/fuzz
while [ $# -gt 0 ]; do
    case "$1" in
        --time) seconds="$2"; shift 2 ;;
        --out) out="$2"; shift 2 ;;
        *) echo "usage: $0 [--time SECONDS] [--out DIR]" >&2; exit 2 ;;
    esac
done

cxx="${FUZZ_CXX:-clang++}"
if ! command -v "$cxx" >/dev/null 2>&1; then
    echo "fuzz: $cxx not found; run scripts/setup.sh (Debian package clang)" >&2
    exit 77
fi
if ! ls "$("$cxx" -print-resource-dir)"/lib/linux/libclang_rt.fuzzer-*.a >/dev/null 2>&1; then
    echo "fuzz: libFuzzer is missing; run scripts/setup.sh (Debian package libclang-rt-14-dev)" >&2
    exit 77
fi

launcher=()
if command -v ccache >/dev/null 2>&1; then
    launcher=(ccache)
fi

sources=(
    src/yutang/audience/rule_fuzz.cpp
    src/yutang/audience/rule.cpp
    src/yutang/audience/rule_json.cpp
    src/yutang/audience/rule_text.cpp
    src/yutang/audience/internal/spec.cpp
    src/yutang/base/calendar.cpp
    src/yutang/base/money.cpp
    src/yutang/base/status.cpp
    src/yutang/base/text.cpp
)
flags=(-std=c++20 -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
       -Isrc -Wall -Wextra)

mkdir -p "$out/obj" "$out/corpus"
started=$(date +%s)
objects=()
pids=()
for source in "${sources[@]}"; do
    object="$out/obj/$(echo "$source" | tr / _).o"
    objects+=("$object")
    "${launcher[@]}" "$cxx" "${flags[@]}" -c "$source" -o "$object" &
    pids+=($!)
    # Two compilers at a time: the CI machine has two cores.
    if [ ${#pids[@]} -ge 2 ]; then
        wait "${pids[0]}"
        pids=("${pids[@]:1}")
    fi
done
for pid in "${pids[@]}"; do
    wait "$pid"
done
"$cxx" "${flags[@]}" "${objects[@]}" -lboost_json -lboost_container -o "$out/rule_fuzz"
echo "fuzz: built $out/rule_fuzz in $(( $(date +%s) - started )) s"

seeds=src/yutang/audience/testdata/fuzz_corpus
dict=src/yutang/audience/testdata/rule.dict
common=(-dict="$dict" -max_len=4096 -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$out/" -print_final_stats=1
        -print_funcs=0)
if [ "$seconds" -eq 0 ]; then
    "$out/rule_fuzz" "${common[@]}" -runs=0 "$seeds"
else
    "$out/rule_fuzz" "${common[@]}" -max_total_time="$seconds" "$out/corpus" "$seeds"
fi
