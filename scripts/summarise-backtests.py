#!/usr/bin/env python3
"""The goal run's scores (Docs/BACKTEST.md) from backtests' JSON: one line per feed and model, then the feeds pooled.

    scripts/summarise-backtests.py FOLDER...

Each FOLDER holds twin.json (the calibrated scenario's backtest) and true.json (the shadow scenario's, on the same
origins), as `hospital-twin backtest --format json` writes them (scripts/goal-backtest.sh makes them). For general
and acute and for critical care: the twin's MAE at horizons 1-7 against the six-week same-weekday mean's (the goal:
30% or more below), how many baselines beat it at any horizon from 8 to 14 (the goal: none), and the 80% and 95%
interval coverage over days 1-14 with how many of the 14 days are within the goal's bands (0.76-0.84, 0.93-0.97).
Pooled: each horizon's coverage averaged over the feeds, the MAE ratio averaged. A folder without both files, a
file that is not a backtest, the same folder twice, or backtests of different origins or replications are an error
naming them.
"""
import json
import os
import statistics
import sys

GROUPS = ("general_and_acute", "critical_care")
BANDS = {"coverage_80": (0.76, 0.84), "coverage_95": (0.93, 0.97)}
LIMIT = 64 * 1024 * 1024  # a year's backtest JSON is about 1.5 MB


def number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def load(path):
    """A backtest's group rows (unit empty) and its settings; exits naming `path` when it is not one."""
    def refuse(why):
        sys.exit(f"summarise-backtests: {path}: {why}")
    if not os.path.isfile(path):
        refuse("no such file (run scripts/goal-backtest.sh first)")
    if os.path.getsize(path) > LIMIT:
        refuse(f"larger than {LIMIT // (1024 * 1024)} MiB, not a backtest's JSON")
    try:
        with open(path, encoding="utf-8") as f:
            document = json.load(f)
    except (ValueError, OSError) as error:
        refuse(f"not a backtest's JSON ({error})")
    if not isinstance(document, dict) or not isinstance(document.get("rows"), list) \
            or not isinstance(document.get("settings"), dict):
        refuse("not a backtest's JSON (no rows and settings)")
    rows = []
    for index, row in enumerate(document["rows"]):
        if not isinstance(row, dict) or row.get("unit"):
            continue
        if not isinstance(row.get("method"), str) or not isinstance(row.get("group"), str) \
                or not isinstance(row.get("horizon_days"), int) \
                or not all(number(row.get(key)) for key in ("mae", "bias", "coverage_80", "coverage_95")):
            refuse(f"row {index + 1}: a group's row needs method, group, horizon_days, mae, bias, coverage_80 and "
                   "coverage_95")
        rows.append(row)
    settings = document["settings"]
    return rows, (settings.get("origins"), settings.get("replications"), settings.get("from"))


def series(rows, group, method):
    """One method's rows for a group, by horizon; the first of any duplicated horizon."""
    by_horizon = {}
    for r in rows:
        if r["method"] == method and r["group"] == group:
            by_horizon.setdefault(r["horizon_days"], r)
    return [by_horizon[h] for h in sorted(by_horizon)]


def scores(rows, group):
    """The twin's scores for one group, or None when the backtest lacks any of its horizons 1-14."""
    twin, six = series(rows, group, "twin"), series(rows, group, "six_week_weekday_mean")
    if [r["horizon_days"] for r in twin[:14]] != list(range(1, 15)) or [r["horizon_days"] for r in six[:7]] != list(range(1, 8)):
        return None
    mae = sum(r["mae"] for r in twin[:7]) / 7
    benchmark = sum(r["mae"] for r in six[:7]) / 7
    by_horizon = {r["horizon_days"]: r["mae"] for r in twin}
    beaten = sorted({(r["horizon_days"], r["method"]) for r in rows
                     if r["group"] == group and r["method"] != "twin" and 8 <= r["horizon_days"] <= 14
                     and r["horizon_days"] in by_horizon and r["mae"] < by_horizon[r["horizon_days"]]})
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
    seen = {}
    for folder in folders:
        real = os.path.realpath(folder)
        if real in seen:
            sys.exit(f"summarise-backtests: {folder} is {seen[real]} again: a feed counts once in the pool")
        seen[real] = folder
    feeds, settings = [], {}
    for folder in folders:
        for model in ("twin", "true"):
            path = os.path.join(folder, f"{model}.json")
            rows, setting = load(path)
            settings.setdefault(setting, path)
            if len(settings) > 1:
                first = next(iter(settings.items()))
                sys.exit(f"summarise-backtests: {path} has origins, replications and first origin {setting}, "
                         f"{first[1]} {first[0]}: the pool averages backtests of the same origins only")
            if model == "twin":
                twin = rows
        feeds.append((os.path.basename(os.path.normpath(folder)), twin, rows))
    for group in GROUPS:
        print(f"== {group}")
        pooled = {"twin": [], "true model": []}
        for name, twin, true in feeds:
            for model, rows in (("twin", twin), ("true model", true)):
                s = scores(rows, group)
                if s is None:
                    print(f"{name} {model}: {group} lacks one of horizons 1-14 (twin) or 1-7 (six-week mean): not scored")
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
