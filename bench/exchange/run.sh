#!/usr/bin/env bash
# Exchange planner benchmark: generates the scenarios, times the planner on each, and the
# per-prisoner HiGHS model on the same files, in one run. Prints JSON lines to stdout.
#
#   python3 -m venv /work/venv-bench && /work/venv-bench/bin/pip install highspy numpy
#   cargo build --release -p repatria-bench-exchange
#   bash bench/exchange/run.sh DATA_DIR > results.jsonl
#
# Environment: BENCH=path of repatria-bench-exchange, PYTHON=python with highspy,
# SIZES="1000 100000 1000000", HIGHS_MAX=largest size given to HiGHS (default 100000),
# HIGHS_TIME_LIMIT (default 900 s per level), PLAN_TIME_LIMIT (default 60 s per plan),
# CASES="2p2s-count 12p4s-count-cap ..." to run only the named cases (default: all).
set -euo pipefail

data=${1:?usage: run.sh DATA_DIR}
here=$(cd "$(dirname "$0")" && pwd)
bench=${BENCH:-target/release/repatria-bench-exchange}
python=${PYTHON:-/work/venv-bench/bin/python}
sizes=${SIZES:-"1000 100000 1000000"}
highs_max=${HIGHS_MAX:-100000}
highs_time_limit=${HIGHS_TIME_LIMIT:-900}
plan_time_limit=${PLAN_TIME_LIMIT:-60}
mkdir -p "$data"

# name parties sides balance tolerance cap-share-percent (0 = no cap)
cases=(
  "2p2s-count 2 2 count 0 0"
  "5p2s-value 5 2 value 0 0"
  "12p4s-count 12 4 count 0 0"
  "12p4s-value 12 4 value 5 0"
  "12p4s-count-cap 12 4 count 0 20"
  "12p11s-count 12 11 count 0 0"
  "12p11s-value 12 11 value 0 0"
)

for n in $sizes; do
  for case in "${cases[@]}"; do
    read -r name parties sides balance tolerance cap <<<"$case"
    if [ -n "${CASES:-}" ] && [[ " $CASES " != *" $name "* ]]; then continue; fi
    file="$data/$n-$name.json"
    cap_args=()
    if [ "$cap" != 0 ]; then cap_args=(--max-total $((n * cap / 100))); fi
    [ -f "$file" ] || "$bench" gen --prisoners "$n" --parties "$parties" --sides "$sides" \
      --balance "$balance" --tolerance "$tolerance" "${cap_args[@]}" --seed "$n" --out "$file"
    repeat=5
    [ "$n" -ge 1000000 ] && repeat=3
    "$bench" run --scenario "$file" --repeat "$repeat" --time-limit "$plan_time_limit"
    if [ "$n" -le "$highs_max" ]; then
      "$python" "$here/highs_baseline.py" "$file" --time-limit "$highs_time_limit" 2>/dev/null | grep '^{'
    fi
  done
done
