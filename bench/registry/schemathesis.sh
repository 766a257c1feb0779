#!/usr/bin/env bash
# Schemathesis (PyPI) against `repatria demo`: every operation of /api/openapi.json with
# generated requests, as an administrator, checking that answers are documented and
# that no request gives a server error. Not a test of the suite; it prints the summary.
#
#   python3 -m pip install schemathesis
#   cargo build -p repatria
#   bash bench/registry/schemathesis.sh [EXAMPLES_PER_OPERATION]
set -euo pipefail
examples=${1:-30}
bin=${REPATRIA_BIN:-${CARGO_TARGET_DIR:-target}/debug/repatria}
port=${PORT:-18091}
out=$(mktemp)
"$bin" demo --addr "127.0.0.1:$port" >"$out" 2>/dev/null &
demo=$!
trap 'kill $demo 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 300); do grep -q "^account journalist" "$out" && break; sleep 1; done
password=$(awk '$1 == "account" && $2 == "admin" {print $4}' "$out")
token=$(curl -s -X POST "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"demo-admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
# Logging out, changing the password and administering users would end or change the
# session the run uses; they have tests of their own.
st --config-file "$(dirname "$0")/../../e2e/schemathesis.toml" run "http://127.0.0.1:$port/api/openapi.json" -H "Authorization: Bearer $token" \
  --max-examples "$examples" --workers 2 --seed "${SEED:-1}" \
  --exclude-path /api/auth/logout --exclude-path /api/auth/password \
  --exclude-path-regex "${ST_EXCLUDE:-/api/users/.*}"
