#!/usr/bin/env bash
# The forecast's goal run (Docs/BACKTEST.md) on one or more shadow feeds: for each seed, the shadow hospital
# (scenarios/shadow-hospital.yaml) emits 790 days of its PAS feed after a year's warm-up, with a real feed's faults;
# a throwaway PostgreSQL ingests it; the general hospital is calibrated on the first year (19 January 2026 to
# 18 January 2027) and backtested on the next, beside the shadow scenario itself forecasting from the same live
# census (the true model: the best any calibration can do). Then every feed's scores and their pooled coverage are
# printed against the goal's bands.
#
#   scripts/goal-backtest.sh [SEED...]                  (default: 20261205)
#
# Environment: GOAL_DIR (default .hospital-twin/goal-backtest; one folder per seed, kept), GOAL_ORIGINS (days of
# origins, default 365), GOAL_REPLICATIONS (default 200). A seed's folder that already holds both backtests is only
# summarised again. About 25 minutes a seed on two cores; needs python3 for the summary.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
seeds=("$@")
[ ${#seeds[@]} -gt 0 ] || seeds=(20261205)
declare -A given=()
for seed in "${seeds[@]}"; do
    # No leading zeros: 011 would be seed 11's feed under another folder, counted twice in the pool.
    [[ "$seed" =~ ^(0|[1-9][0-9]{0,18})$ ]] \
        || { echo "goal-backtest: a seed is a whole number without leading zeros, found '$seed'" >&2; exit 2; }
    [ -z "${given[$seed]:-}" ] || { echo "goal-backtest: seed $seed is given twice: a feed counts once" >&2; exit 2; }
    given[$seed]=1
done
origins=${GOAL_ORIGINS:-365}
replications=${GOAL_REPLICATIONS:-200}
[[ "$origins" =~ ^[0-9]+$ ]] && [ "$origins" -ge 1 ] && [ "$origins" -le 365 ] \
    || { echo "goal-backtest: GOAL_ORIGINS is a number of days from 1 to 365, found '$origins'" >&2; exit 2; }
[[ "$replications" =~ ^[0-9]+$ ]] && [ "$replications" -ge 2 ] \
    || { echo "goal-backtest: GOAL_REPLICATIONS is a whole number of 2 or more, found '$replications'" >&2; exit 2; }
work=${GOAL_DIR:-.hospital-twin/goal-backtest}
mkdir -p "$work" && [ -w "$work" ] \
    || { echo "goal-backtest: GOAL_DIR '$work' is not a folder this user can write" >&2; exit 2; }
work=$(cd "$work" && pwd)
last=$(date -u -d "2027-01-19 + $((origins - 1)) days" +%F)

swift build -c release --product hospital-twin >&2
bin="$root/.build/release/hospital-twin"
# The feed's identifiers are pseudonymised on ingest; the key is the run's own, as a trust's would be.
export HOSPITAL_TWIN_PSEUDONYM_KEY="${HOSPITAL_TWIN_PSEUDONYM_KEY:-hospital-twin goal run key, not a trust key}"

folders=()
for seed in "${seeds[@]}"; do
    dir="$work/seed-$seed"
    folders+=("$dir")
    mkdir -p "$dir"
    if [ -s "$dir/twin.json" ] && [ -s "$dir/true.json" ]; then
        echo "seed $seed: kept from an earlier run ($dir)" >&2
        continue
    fi
    echo "seed $seed: emitting the shadow hospital's feed" >&2
    "$bin" feed emit scenarios/shadow-hospital.yaml --warmup 365 --days 790 --seed "$seed" --duplicates 0.02 \
        --out-of-order 0.05 --cancel-and-resend 0.02 --merges 0.02 -o "$dir/feed.hl7" 2> "$dir/emit.log"
    cat > "$dir/steps.sh" <<EOF
set -euo pipefail
cd "$root"
"$bin" ingest "$dir/feed.hl7" 2> "$dir/ingest.log"
"$bin" calibrate --base scenarios/general-hospital.yaml --from 2026-01-19 --to 2027-01-18 \\
    -o "$dir/calibrated.yaml" --replace > "$dir/calibration.txt" 2> "$dir/calibrate.log"
"$bin" backtest "$dir/calibrated.yaml" --from 2027-01-19 --to $last --replications $replications \\
    --format json -o "$dir/twin.json.partial" 2> "$dir/backtest-twin.log"
"$bin" backtest scenarios/shadow-hospital.yaml --from 2027-01-19 --to $last --replications $replications \\
    --format json -o "$dir/true.json.partial" 2> "$dir/backtest-true.log"
EOF
    echo "seed $seed: ingesting, calibrating on 2026 and backtesting $origins origins from 2027-01-19 (logs in $dir)" >&2
    scripts/with-postgres.sh bash "$dir/steps.sh"
    mv "$dir/twin.json.partial" "$dir/twin.json"
    mv "$dir/true.json.partial" "$dir/true.json"
    rm -f "$dir/feed.hl7"
done
python3 scripts/summarise-backtests.py "${folders[@]}"
