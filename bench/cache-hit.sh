#!/usr/bin/env bash
# Cache-hit path: requests/s and p99 of the gateway's Linq-compatible route answering one cached address, under wrk,
# beside a trivial Vert.x server sending the same static JSON (bench ReferenceServer), in the same run: the ratio is
# the result. Usage: bench/cache-hit.sh [seconds=15] [connections=64] [threads=2]
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION="${1:-15}"; CONNECTIONS="${2:-64}"; THREADS="${3:-2}"
# Optional core pinning, the same for both servers: SERVER_CPUS=0 WRK_CPUS=1 keeps the load generator off
# the server's core (on a 2-core machine wrk otherwise competes with the server it measures).
SERVER_PIN=${SERVER_CPUS:+taskset -c $SERVER_CPUS}
WRK_PIN=${WRK_CPUS:+taskset -c $WRK_CPUS}
GW_PORT="${GW_PORT:-18080}"; REF_PORT="${REF_PORT:-18081}"
ADDRESS='+15551234567'
ROUTE=/api/partner/v3/capability/check_imessage
JAR=target/linq-capability-gateway.jar
WORK=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

if ! command -v wrk >/dev/null; then
  echo "installing wrk (apt)..." >&2
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get install -y wrk >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y wrk >/dev/null; }
fi
if [ ! -f "$JAR" ] || [ ! -f target/test-classes/com/linqapp/gateway/bench/ReferenceServer.class ] \
   || [ -n "$(find src -newer "$JAR" -name '*.java' -print -quit)" ]; then
  echo "building (mvn package -DskipTests)..." >&2
  mvn -q -B package -DskipTests
fi

BODY="{\"address\":\"$ADDRESS\"}"
cat > "$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
LUA

wait_for() { # url
  for _ in $(seq 1 100); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "not up: $1" >&2; return 1
}
# wrk --latency output -> "requests/s p99_ms"
measure() { # url
  $WRK_PIN wrk -t"$THREADS" -c"$CONNECTIONS" -d5s -s "$WORK/post.lua" "$1" >/dev/null   # warm-up (JIT)
  $WRK_PIN wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" -s "$WORK/post.lua" --latency "$1" > "$WORK/out.txt"
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
PIDS+=($!); GW_PID=$!
wait_for "http://127.0.0.1:$GW_PORT/health/ready"
curl -sf -X POST "http://127.0.0.1:$GW_PORT$ROUTE" -H 'Content-Type: application/json' -d "$BODY" > "$WORK/answer.json"
CACHE=$(curl -s -D - -o /dev/null -X POST "http://127.0.0.1:$GW_PORT$ROUTE" -H 'Content-Type: application/json' -d "$BODY" \
  | tr -d '\r' | awk -F': ' 'tolower($1) == "x-cache" {print $2}')
[ "$CACHE" = hit ] || { echo "second check was not a cache hit (X-Cache: $CACHE)" >&2; cat "$WORK/gateway.log" >&2; exit 1; }
read -r GW_RPS GW_P99 < <(measure "http://127.0.0.1:$GW_PORT$ROUTE")
[ -n "$GW_RPS" ] || exit 1
kill "$GW_PID"; wait "$GW_PID" 2>/dev/null || true

echo "== reference server (static JSON: $(cat "$WORK/answer.json"))" >&2
$SERVER_PIN java -cp "target/test-classes:$JAR" com.linqapp.gateway.bench.ReferenceServer "$REF_PORT" "$(cat "$WORK/answer.json")" \
  > "$WORK/ref.log" 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$REF_PORT/"
read -r REF_RPS REF_P99 < <(measure "http://127.0.0.1:$REF_PORT$ROUTE")

[ -n "$REF_RPS" ] || exit 1
RATIO=$(awk -v a="$GW_RPS" -v b="$REF_RPS" 'BEGIN {printf "%.2f", a / b}')
MET=$(awk -v r="$RATIO" 'BEGIN {print (r >= 0.7) ? "yes" : "**no**"}')
cat <<MD
| server | requests/s | p99 |
|---|---:|---:|
| gateway, cache hit (\`POST $ROUTE\`) | $GW_RPS | $GW_P99 ms |
| reference (Vert.x, static JSON) | $REF_RPS | $REF_P99 ms |
| **ratio gateway ÷ reference** | **$RATIO** (target ≥ 0.7: $MET) | |

wrk 4.1: $THREADS threads, $CONNECTIONS connections, ${DURATION} s after a 5 s warm-up, same machine as the servers
($(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1)).
MD
