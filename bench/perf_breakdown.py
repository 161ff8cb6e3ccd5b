#!/usr/bin/env python3
"""Share of CPU samples by function, from `perf script` output with call graphs.

Each sample is counted once, under the first of CATEGORIES (comma-separated substrings of symbol
names) found walking its stack from the leaf towards the root: with "NextId,Upsert" a sample in
an INSERT run by NextId inside Upsert counts as NextId, one elsewhere in Upsert as Upsert.
--scope keeps only samples whose stack contains that substring; --phases splits the samples by
the first of PHASES found from the root side (e.g. the case's work and its baseline).

    perf record -F 300 --call-graph dwarf,16384 -o import.perf \\
        env YT_BENCH_IMPORT_ROWS=100000 build/release/bench/import_benchmark \\
        --benchmark_filter=import/OrderImporter/gbk/batch:500
    perf script -i import.perf > import.stacks
    bench/perf_breakdown.py import.stacks --scope OrderImporter::Import \\
        NextId,RecomputeTraits,KeyRing::Encrypt,BlindIndex,OrderStore::Upsert,IdentityResolver::Resolve,\\
OrderReader::Next,sqlite3_exec
"""
import argparse
import collections


def stacks(path):
    """Yields each sample's frames (symbol text), leaf first."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for block in f.read().split("\n\n"):
            lines = block.strip().split("\n")
            frames = [line.strip().split(" ", 1)[1] for line in lines[1:] if " " in line.strip()]
            if frames:
                yield frames


def first_match(frames, names):
    for frame in frames:
        for name in names:
            if name in frame:
                return name
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stacks", help="output of perf script")
    parser.add_argument("categories", help="comma-separated symbol substrings, matched leaf first")
    parser.add_argument("--scope", help="only samples whose stack contains this")
    parser.add_argument("--phases", help="comma-separated symbol substrings, matched root first")
    args = parser.parse_args()
    categories = args.categories.split(",")
    phases = args.phases.split(",") if args.phases else []
    counts = collections.Counter()
    totals = collections.Counter()
    for frames in stacks(args.stacks):
        if args.scope and not any(args.scope in frame for frame in frames):
            continue
        phase = (first_match(reversed(frames), phases) if phases else None) or "all"
        counts[(phase, first_match(frames, categories) or "(other)")] += 1
        totals[phase] += 1
    for phase, total in totals.most_common():
        print(f"{phase}: {total} samples")
        for (p, category), n in counts.most_common():
            if p == phase:
                print(f"  {100 * n / total:5.1f} %  {category}")


if __name__ == "__main__":
    main()
