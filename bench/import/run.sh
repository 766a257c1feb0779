#!/usr/bin/env bash
# List import benchmark: a 100,000-row list imported into a registry of 1,000,000
# captives and reconciled, end to end, with `repatria import`.
#
#   bench/import/run.sh WORKDIR LIST_ROWS REGISTRY_RECORDS [DB_URL]
#
# Needs a release build: cargo build --release -p repatria -p repatria-bench-import
#   -p repatria-bench-matching. DB_URL defaults to a SQLite file in WORKDIR.
set -euo pipefail
work=$1; list_n=$2; registry_n=$3
mkdir -p "$work"
work=$(cd "$work" && pwd)
db=${4:-$work/registry.db}
here=$(cd "$(dirname "$0")" && pwd)
target=${CARGO_TARGET_DIR:-$here/../../target}/release
timed() { local label=$1; shift; /usr/bin/time -f "$label: wall %e s, user %U s, peak %M KB" "$@"; }
cd "$work"
"$target/repatria-bench-matching" generate-link --seed 11 --left "$list_n" --right "$registry_n" \
  --out-left list.csv --out-right registry.csv
timed "populate ($registry_n captives)" "$target/repatria-bench-import" populate --db "$db" \
  --registry registry.csv --ids captive-ids.csv
timed "repatria import ($list_n rows against $registry_n)" "$target/repatria" import list.csv \
  --source RU --report report.csv --db "$db"
"$target/repatria-bench-import" evaluate --list list.csv --registry registry.csv \
  --ids captive-ids.csv --report report.csv
