#!/usr/bin/env bash
# Cache-hit path: requests/s and p99 of the gateway's Linq-compatible route answering one cached address, under wrk,
# beside a trivial Vert.x server sending the same static JSON (bench ReferenceServer), in the same run: the ratio is
# the result. Both servers stay up and wrk alternates between them for ROUNDS rounds (default 3), so a slow spell of
# the machine (a VM's CPU varies by several percent from minute to minute) hits both alike.
# Usage: bench/cache-hit.sh [seconds per round=10] [connections=64] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-10}"; ROUNDS="${ROUNDS:-3}"; CONNECTIONS="${2:-64}"; THREADS="${3:-2}"
# Optional core pinning, the same for both servers: SERVER_CPUS=0 WRK_CPUS=1 keeps the load generator off
# the server's core (on a 2-core machine wrk otherwise competes with the server it measures).
SERVER_PIN=${SERVER_CPUS:+taskset -c $SERVER_CPUS}
WRK_PIN=${WRK_CPUS:+taskset -c $WRK_CPUS}
GW_PORT="${GW_PORT:-18080}"; REF_PORT="${REF_PORT:-18081}"
ADDRESS='+15551234567'
ROUTE=/api/partner/v3/capability/check_imessage
. bench/lib.sh
WORK=$(mktemp -d)
cleanup_extra() { rm -rf "$WORK"; }
require_free_ports "$GW_PORT" "$REF_PORT"

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt)..." >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
build_jar ReferenceServer

BODY="{\"address\":\"$ADDRESS\"}"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

# wrk --latency output -> "requests/s p99_ms"
measure() { # url seconds
  $WRK_PIN wrk -t"$THREADS" -c"$CONNECTIONS" -d"$2s" -s "$WORK/post.lua" --latency "$1" > "$WORK/out.txt"
  cat "$WORK/out.txt" >&2
  local rps p99
  rps=$(awk '/^Requests\/sec:/ {print $2}' "$WORK/out.txt")
  p99=$(awk '$1 == "99%" {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); v=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v)} else if (v ~ /s$/) {sub(/s$/,"",v); v=v*1000}; print v}' "$WORK/out.txt")
  if grep -q "Non-2xx" "$WORK/out.txt"; then echo "non-2xx answers: $(grep Non-2xx "$WORK/out.txt")" >&2; return 1; fi
  echo "$rps $p99"
}

echo "== gateway (sandbox), cache hit on one address" >&2
GATEWAY_HTTP_HOST=127.0.0.1 GATEWAY_HTTP_PORT=$GW_PORT GATEWAY_LOG_LEVEL=WARN \
  $SERVER_PIN java -jar "$JAR" serve --sandbox > "$WORK/gateway.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$GW_PORT/health/ready"
curl -sf -X POST "http://127.0.0.1:$GW_PORT$ROUTE" -H 'Content-Type: application/json' -d "$BODY" > "$WORK/answer.json"
CACHE=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$GW_PORT$ROUTE" -H 'Content-Type: application/json' -d "$BODY" \
  | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}')
[ "$CACHE" = hit ] || { echo "second check was not a cache hit (X-Cache: $CACHE)" >&2; cat "$WORK/gateway.log" >&2; exit 1; }

echo "== reference server (static JSON: $(cat "$WORK/answer.json"))" >&2
$SERVER_PIN java -cp "target/test-classes:$JAR" com.linqapp.gateway.bench.ReferenceServer "$REF_PORT" "$(cat "$WORK/answer.json")" \
  > "$WORK/ref.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$REF_PORT/"

GW_URL="http://127.0.0.1:$GW_PORT$ROUTE"; REF_URL="http://127.0.0.1:$REF_PORT$ROUTE"
WARMUP="${WARMUP:-10}"   # seconds per server: the gateway has more code for the JIT to compile
measure "$GW_URL" "$WARMUP" >/dev/null; measure "$REF_URL" "$WARMUP" >/dev/null
ROWS=""; GW_SUM=0; REF_SUM=0; GW_P99S=""; REF_P99S=""
for round in $(seq 1 "$ROUNDS"); do
  read -r GW_RPS GW_P99 < <(measure "$GW_URL" "$DURATION"); [ -n "$GW_RPS" ] || exit 1
  read -r REF_RPS REF_P99 < <(measure "$REF_URL" "$DURATION"); [ -n "$REF_RPS" ] || exit 1
  ROWS+="| $round | $GW_RPS | $GW_P99 ms | $REF_RPS | $REF_P99 ms | $(awk -v a="$GW_RPS" -v b="$REF_RPS" 'BEGIN {printf "%.2f", a / b}') |"$'\n'
  GW_SUM=$(awk -v s="$GW_SUM" -v x="$GW_RPS" 'BEGIN {print s + x}'); REF_SUM=$(awk -v s="$REF_SUM" -v x="$REF_RPS" 'BEGIN {print s + x}')
  GW_P99S+="$GW_P99 "; REF_P99S+="$REF_P99 "
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2}'; }
RATIO=$(awk -v a="$GW_SUM" -v b="$REF_SUM" 'BEGIN {printf "%.2f", a / b}')
MET=$(awk -v r="$RATIO" 'BEGIN {print (r >= 0.7) ? "yes" : "**no**"}')
cat <<MD
| round | gateway, cache hit (\`POST $ROUTE\`) req/s | p99 | reference (Vert.x, static JSON) req/s | p99 | ratio |
|---|---:|---:|---:|---:|---:|
${ROWS}| **all** | $(awk -v s="$GW_SUM" -v n="$ROUNDS" 'BEGIN {printf "%.0f", s / n}') | $(echo "$GW_P99S" | median) ms (median) | $(awk -v s="$REF_SUM" -v n="$ROUNDS" 'BEGIN {printf "%.0f", s / n}') | $(echo "$REF_P99S" | median) ms (median) | **$RATIO** (target ≥ 0.7: $MET) |

wrk 4.1: $THREADS threads, $CONNECTIONS connections, $ROUNDS alternating rounds of ${DURATION} s after a ${WARMUP} s warm-up each,
same machine as the servers ($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
$(java -version 2>&1 | head -1)).
MD
