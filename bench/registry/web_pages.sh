#!/usr/bin/env bash
# Response times of the web interface's pages, end to end over HTTP (server-side
# rendering, the in-process API call, the store), on `repatria demo` with N generated
# captives. Not a test: figures go to bench/RESULTS.md.
#
#   cargo build --release -p repatria
#   bash bench/registry/web_pages.sh [CAPTIVES] [REQUESTS_PER_PAGE]
set -euo pipefail
captives=${1:-2400}
requests=${2:-40}
bin=${REPATRIA_BIN:-target/release/repatria}
port=${PORT:-18090}
out=$(mktemp)
"$bin" demo --addr "127.0.0.1:$port" --captives "$captives" >"$out" 2>/dev/null &
demo=$!
trap 'kill $demo 2>/dev/null; rm -f "$out"' EXIT
for _ in $(seq 1 300); do grep -q "^account journalist" "$out" && break; sleep 1; done
password=$(awk '$1 == "account" && $2 == "admin" {print $4}' "$out")
token=$(curl -s -X POST "http://127.0.0.1:$port/api/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"demo-admin\",\"password\":\"$password\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
captive=$(curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/captives?limit=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
# Let the server build its matching index and dashboard summary, as it does at start.
sleep "${WARM_SECONDS:-20}"
echo "generated captives: $captives (plus the demo story); requests per page: $requests; $(uptime | sed 's/.*load/load/')"
for path in "/" "/captives" "/captives?q=Shevchenko+Taras" "/captives?q=%D1%88%D0%B5%D0%B2%D1%87%D0%B5%D0%BD%D0%BA%D0%BE" \
  "/captives/$captive" "/captives/new" "/tracing" "/matches" "/imports" "/exchange" "/audit" "/users"; do
  for _ in $(seq 1 "$requests"); do
    curl -s -o /dev/null -w "%{time_total}\n" -H "Cookie: __Host-repatria_session=$token" "http://127.0.0.1:$port$path"
  done | sort -n | awk -v p="$path" '{a[NR]=$1} END {printf "%-34s p50 %7.1f ms  p95 %7.1f ms  max %7.1f ms\n", substr(p,1,34), a[int(NR*0.5)]*1000, a[int(NR*0.95)]*1000, a[NR]*1000}'
done
