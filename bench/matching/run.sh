#!/usr/bin/env bash
# Matching benchmark: repatria against Splink 5 on the same generated lists.
#
#   bench/matching/run.sh WORKDIR DEDUPE_RECORDS LEFT_RECORDS RIGHT_RECORDS
#
# Needs a release build (`cargo build --release -p repatria -p repatria-bench-matching`)
# and a Python with Splink (`python3 -m venv /work/venv-match &&
# /work/venv-match/bin/pip install splink==5.0.0 unidecode`; PYTHON overrides the path).
# Wall time and peak memory come from /usr/bin/time. PARTS chooses what runs (default
# "dedupe link lookup"), e.g. `PARTS=link bench/matching/run.sh WORKDIR 0 100000 1000000`.
# Lists already in WORKDIR are generated again (same seeds, same lists).
set -euo pipefail
work=$1; dedupe_n=$2; left_n=$3; right_n=$4
here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$here/../../target}/release
python=${PYTHON:-/work/venv-match/bin/python}
repatria=$target/repatria
bench=$target/repatria-bench-matching
mkdir -p "$work" && cd "$work"
parts=" ${PARTS:-dedupe link lookup} "
part() { [[ $parts == *" $1 "* ]]; }
timed() { local label=$1; shift; /usr/bin/time -f "$label: wall %e s, user %U s, peak %M KB" "$@"; }

if part dedupe; then
"$bench" generate-dedupe --seed 7 --records "$dedupe_n" --out dedupe.csv
fi
if part link || part lookup; then
"$bench" generate-link --seed 11 --left "$left_n" --right "$right_n" --out-left left.csv --out-right right.csv
fi

if part dedupe; then
uptime
timed "repatria dedupe --train ($dedupe_n)" "$repatria" dedupe --input dedupe.csv --out dedupe.ours.csv --train
"$bench" evaluate-dedupe --truth dedupe.csv --clusters dedupe.ours.csv
timed "repatria dedupe ($dedupe_n)" "$repatria" dedupe --input dedupe.csv --out dedupe.ours-untrained.csv
"$bench" evaluate-dedupe --truth dedupe.csv --clusters dedupe.ours-untrained.csv
timed "splink dedupe ($dedupe_n)" "$python" "$here/splink_run.py" dedupe dedupe.csv dedupe.splink.csv > splink-dedupe.log 2>&1 \
  || { tail -5 splink-dedupe.log; }
tail -1 splink-dedupe.log
"$bench" evaluate-dedupe --truth dedupe.csv --clusters dedupe.splink.csv || true
uptime
fi

if part link; then
uptime
timed "repatria match --train ($left_n x $right_n)" "$repatria" match --left left.csv --right right.csv --out links.ours.csv --train
"$bench" evaluate-link --left left.csv --right right.csv --links links.ours.csv
timed "repatria match ($left_n x $right_n)" "$repatria" match --left left.csv --right right.csv --out links.ours-untrained.csv
"$bench" evaluate-link --left left.csv --right right.csv --links links.ours-untrained.csv
timed "splink link ($left_n x $right_n)" "$python" "$here/splink_run.py" link left.csv right.csv links.splink.csv > splink-link.log 2>&1 \
  || { tail -5 splink-link.log; }
tail -1 splink-link.log
"$bench" evaluate-link --left left.csv --right right.csv --links links.splink.csv || true
uptime
fi

if part lookup; then
"$bench" generate-dedupe --seed 99 --records 10000 --out queries.csv
timed "lookup ($right_n indexed)" "$bench" lookup --index right.csv --queries queries.csv
fi
