#!/usr/bin/env python3
"""Times the hospital loop of two builds alternated, A B A B ..., and prints each one's median wall_s (the
simulation alone, as hospital-twin-bench hospital reports it) and the median of the pairwise ratios A/B.

    Benchmarks/alternate.py OLD_BENCH_BINARY NEW_BENCH_BINARY [--runs 9] [-- hospital options]

Build the old binary from the commit before a change (git worktree, swift build -c release) and pass both paths;
pin to one core with taskset for steadier figures.
"""
import json, statistics, subprocess, sys

def main():
    args = sys.argv[1:]
    extra = []
    if "--" in args:
        cut = args.index("--")
        args, extra = args[:cut], args[cut + 1:]
    runs = 9
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i:i + 2]
    if len(args) != 2:
        sys.exit(__doc__)
    old, new = args
    command = ["hospital", "--no-mmc"] + (extra or ["--replications", "4"])
    times = {old: [], new: []}
    events = {}
    for _ in range(runs):
        for binary in (old, new):
            line = subprocess.run([binary] + command, check=True, capture_output=True, text=True).stdout
            result = json.loads(line)
            times[binary].append(result["wall_s"])
            events.setdefault(binary, result["events"])
    ratios = [a / b for a, b in zip(times[old], times[new])]
    print(f"old {statistics.median(times[old]):.4f} s  new {statistics.median(times[new]):.4f} s  "
          f"old/new {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f}) over {runs} pairs; "
          f"events old {events[old]}, new {events[new]}")

if __name__ == "__main__":
    main()
