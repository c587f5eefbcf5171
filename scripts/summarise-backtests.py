#!/usr/bin/env python3
"""The goal run's scores (Docs/BACKTEST.md) from backtests' JSON: one line per feed and model, then the feeds pooled.

    scripts/summarise-backtests.py FOLDER...

Each FOLDER holds twin.json (the calibrated scenario's backtest) and true.json (the shadow scenario's, on the same
origins), as `hospital-twin backtest --format json` writes them (scripts/goal-backtest.sh makes them). For general
and acute and for critical care: the twin's MAE at horizons 1-7 against the six-week same-weekday mean's (the goal:
30% or more below), how many baselines beat it at any horizon from 8 to 14 (the goal: none), and the 80% and 95%
interval coverage over days 1-14 with how many of the 14 days are within the goal's bands (0.76-0.84, 0.93-0.97).
Pooled: each horizon's coverage averaged over the feeds (each feed the same number of origins), the MAE ratio
averaged. A folder without both files, or a file that is not a backtest, is an error naming it.
"""
import json
import os
import statistics
import sys

GROUPS = ("general_and_acute", "critical_care")
BANDS = {"coverage_80": (0.76, 0.84), "coverage_95": (0.93, 0.97)}
LIMIT = 64 * 1024 * 1024  # a year's backtest JSON is about 1.5 MB


def load(path):
    if not os.path.isfile(path):
        sys.exit(f"summarise-backtests: {path}: no such file (run scripts/goal-backtest.sh first)")
    if os.path.getsize(path) > LIMIT:
        sys.exit(f"summarise-backtests: {path}: larger than {LIMIT // (1024 * 1024)} MiB, not a backtest's JSON")
    try:
        with open(path, encoding="utf-8") as f:
            rows = json.load(f)["rows"]
        return [r for r in rows if isinstance(r, dict)]
    except (ValueError, KeyError, TypeError) as error:
        sys.exit(f"summarise-backtests: {path}: not a backtest's JSON ({error})")


def series(rows, group, method):
    found = sorted((r for r in rows if r.get("method") == method and r.get("group") == group and not r.get("unit")),
                   key=lambda r: r["horizon_days"])
    return found


def scores(rows, group):
    """The twin's scores for one group, or None when the backtest has fewer than 14 horizons of it."""
    twin, six = series(rows, group, "twin"), series(rows, group, "six_week_weekday_mean")
    if len(twin) < 14 or len(six) < 14:
        return None
    mae = sum(r["mae"] for r in twin[:7]) / 7
    benchmark = sum(r["mae"] for r in six[:7]) / 7
    by_horizon = {r["horizon_days"]: r["mae"] for r in twin}
    beaten = sorted({(r["horizon_days"], r["method"]) for r in rows
                     if r.get("group") == group and not r.get("unit") and r.get("method") != "twin"
                     and 8 <= r["horizon_days"] <= 14 and r["mae"] < by_horizon[r["horizon_days"]]})
    return {"below": 1 - mae / benchmark if benchmark > 0 else float("nan"), "mae": mae, "benchmark": benchmark,
            "beaten": beaten, "bias14": twin[13]["bias"],
            "coverage_80": [r["coverage_80"] for r in twin[:14]], "coverage_95": [r["coverage_95"] for r in twin[:14]]}


def within(values, key):
    low, high = BANDS[key]
    return sum(low <= v <= high for v in values)


def relative(below):
    """A share of the six-week mean's MAE, as the goal states it: below it, or above it when the twin lost."""
    return f"{100 * below:.1f}% below" if below >= 0 else f"{-100 * below:.1f}% above"


def line(label, s):
    c80, c95 = s["coverage_80"], s["coverage_95"]
    return (f"{label}: MAE h1-7 {s['mae']:.2f} against the six-week mean's {s['benchmark']:.2f} "
            f"({relative(s['below'])}); baselines better at h8-14: {len(s['beaten'])}; "
            f"80% {min(c80):.3f}-{max(c80):.3f} ({within(c80, 'coverage_80')}/14 in 0.76-0.84); "
            f"95% {min(c95):.3f}-{max(c95):.3f} ({within(c95, 'coverage_95')}/14 in 0.93-0.97); "
            f"bias day 14 {s['bias14']:+.1f}")


def main(folders):
    if not folders:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    feeds = [(os.path.basename(os.path.normpath(f)), load(os.path.join(f, "twin.json")),
              load(os.path.join(f, "true.json"))) for f in folders]
    for group in GROUPS:
        print(f"== {group}")
        pooled = {"twin": [], "true model": []}
        for name, twin, true in feeds:
            for model, rows in (("twin", twin), ("true model", true)):
                s = scores(rows, group)
                if s is None:
                    print(f"{name} {model}: fewer than 14 horizons of {group}")
                    continue
                pooled[model].append(s)
                print(line(f"{name} {model}", s))
        for model, found in pooled.items():
            if len(found) < 2:
                continue
            c80 = [statistics.mean(s["coverage_80"][h] for s in found) for h in range(14)]
            c95 = [statistics.mean(s["coverage_95"][h] for s in found) for h in range(14)]
            below = statistics.mean(s["below"] for s in found)
            print(f"pooled over {len(found)} feeds, {model}: MAE h1-7 {relative(below)} the six-week mean's; "
                  f"80% {min(c80):.3f}-{max(c80):.3f} ({within(c80, 'coverage_80')}/14 in band); "
                  f"95% {min(c95):.3f}-{max(c95):.3f} ({within(c95, 'coverage_95')}/14 in band)")
            print("    80% by day: " + " ".join(f"{c:.3f}" for c in c80))
            print("    95% by day: " + " ".join(f"{c:.3f}" for c in c95))


if __name__ == "__main__":
    main(sys.argv[1:])
