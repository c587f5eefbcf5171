#!/usr/bin/env python3
"""Runs hospital-twin-bench and the peer engines on the shared benchmark models, one after another in one session,
and prints a Markdown table of median simulation times (wall_s from each engine's own JSON line) and ratios.

    python3 Benchmarks/compare.py [--model mmc] [--customers 1000000] [--seeds 1 2 3] [--rounds 3]
                                  [--engines ours,c,simpy,salabim,ciw,simmer,cimba] [--pin 0]

Peers are found in ../shared/bench (the benchmark suite beside the project); a peer that is not installed is
skipped with a note. Cimba is not built here: pass the path of a binary you built from its public source with
--cimba-bench or CIMBA_BENCH. The C reference is compiled with gcc -O2 into a temporary directory.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "bench")


def run_json(command, pin):
    if pin is not None and shutil.which("taskset"):
        command = ["taskset", "-c", str(pin)] + command
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def engines(args, scratch):
    ours = os.path.join(ROOT, ".build", "release", "hospital-twin-bench")
    found = {}
    if os.path.exists(ours):
        found["ours"] = ("hospital-twin (Swift)", lambda m, n, s: [ours, m, "--customers", str(n), "--seed", str(s)], 1)
    else:
        print(f"note: {ours} missing; run swift build -c release first", file=sys.stderr)
    c_source = os.path.join(SHARED, "limit", "des_limit.c")
    if os.path.exists(c_source) and shutil.which("gcc") and args.model in ("mmc", "erlang_loss"):
        binary = os.path.join(scratch, "des_limit")
        subprocess.run(["gcc", "-O2", "-o", binary, c_source, "-lm"], check=True)
        found["c"] = ("C reference (gcc -O2)", lambda m, n, s: [binary, m, str(n), str(s)], 1)
    for name, module, scale in (("simpy", "simpy", 1), ("salabim", "salabim", 10), ("ciw", "ciw", 1)):
        script = os.path.join(SHARED, "peers", name, "bench.py")
        if not os.path.exists(script):
            continue
        if subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode != 0:
            print(f"note: {name} not installed (python3 -m pip install {module}); skipped", file=sys.stderr)
            continue
        if name == "salabim" and args.model != "mmc":
            continue
        found[name] = (name, lambda m, n, s, script=script: [sys.executable, script, m, "--customers", str(n),
                                                               "--seed", str(s)], scale)
    r_script = os.path.join(SHARED, "peers", "simmer", "bench.R")
    if os.path.exists(r_script) and shutil.which("Rscript") and args.model in ("mmc", "erlang_loss"):
        if subprocess.run(["Rscript", "-e", "library(simmer)"], capture_output=True).returncode == 0:
            found["simmer"] = ("simmer (R, C++ core)", lambda m, n, s: ["Rscript", r_script, m, str(n), str(s)], 1)
    cimba = args.cimba_bench or os.environ.get("CIMBA_BENCH")
    if cimba and os.path.exists(cimba) and args.model in ("mmc", "erlang_loss"):
        found["cimba"] = ("Cimba 3.0.0-RC1 (C)", lambda m, n, s: [cimba, m, "--customers", str(n), "--seed", str(s)], 1)
    wanted = args.engines.split(",") if args.engines else list(found)
    return {k: v for k, v in found.items() if k in wanted}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="mmc", choices=["mmc", "erlang_loss", "network"])
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--engines", default=None, help="comma-separated subset")
    parser.add_argument("--slow-rounds", type=int, default=1, help="rounds for engines slower than 2 s a run")
    parser.add_argument("--pin", type=int, default=None, help="pin every run to this CPU (taskset)")
    parser.add_argument("--cimba-bench", default=None)
    args = parser.parse_args()
    n = args.customers or (500_000 if args.model == "network" else 1_000_000)
    with tempfile.TemporaryDirectory() as scratch:
        table = engines(args, scratch)
        results = {}
        for key, (label, command, scale) in table.items():
            customers = n // scale
            walls, values = [], []
            first = run_json(command(args.model, customers, args.seeds[0]), args.pin)
            rounds = args.rounds if first["wall_s"] * scale < 2 else args.slow_rounds
            for _ in range(rounds):
                for seed in args.seeds:
                    out = run_json(command(args.model, customers, seed), args.pin)
                    walls.append(out["wall_s"] * scale)
                    values.append(next(iter(out["result"].values())))
            results[key] = (label, statistics.median(walls), values, out.get("events"), rounds, scale)
            print(f"{label}: median {statistics.median(walls):.4f} s over {len(walls)} runs", file=sys.stderr)
    base = results.get("c") or results.get("ours")
    print(f"\n`{args.model}`, {n:,} customers, seeds {' '.join(map(str, args.seeds))}"
          + (f", pinned to CPU {args.pin}" if args.pin is not None else "") + "\n")
    print("| engine | median wall s | runs | result (per seed, first round) | vs C reference | ours faster by |")
    print("|---|---|---|---|---|---|")
    ours = results.get("ours")
    for key, (label, median, values, events, rounds, scale) in results.items():
        shown = ", ".join(f"{v:.4g}" for v in values[:len(args.seeds)])
        note = f" (x{scale} from {n // scale:,} customers)" if scale != 1 else ""
        ratio = f"{median / base[1]:.2f}x" if base else "-"
        faster = f"{median / ours[1]:.1f}x" if ours and key != "ours" else "-"
        print(f"| {label}{note} | {median:.4f} | {rounds * len(args.seeds)} | {shown} | {ratio} | {faster} |")


if __name__ == "__main__":
    main()
