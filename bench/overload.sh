#!/usr/bin/env bash
# Overload (issue 5): 10x more concurrent callers than the gateway's queue + concurrency, against the gateway jar
# (-Xmx256m, LINQ_MAX_CONCURRENCY=4, GATEWAY_MAX_QUEUE=100) in front of the Linq simulator (latency 200 ms, no
# limit), both separate processes; the callers are OverloadBenchmark (test sources, a Vert.x WebClient in a third JVM).
#
# Usage: bench/overload.sh [seconds=40] [callers=10*(queue+concurrency)]   (two runs, ~2 x (seconds + 20 s))
# Env:   QUEUE (100), CONCURRENCY (4), SIM_LATENCY_MS (200), SIM_PORT (28190), GW_PORT (28180),
#        OVERLOAD_OUT (bench/results-overload-<date>.md)
#
# Each caller sends `POST /api/partner/v3/capability/check_imessage` with a new address (no cache hit, no
# coalescing) as soon as its previous one is answered (closed loop). Two runs, each on a fresh simulator and gateway:
# (1) no think time, a shed caller retries at once (the worst case, what `wrk -c 1040` does); (2) a shed caller waits
# the 503's Retry-After first (well-behaved clients). The gateway can serve CONCURRENCY / latency = 20 checks/s, so
# nearly every request is the excess. The first 5 s (connections opening, JIT) are answered but not counted. Reports shed share, shed and accepted latency (caller side), Retry-After on
# every 503, gateway_queue_depth and linq_in_flight from /metrics every 0.5 s (max), the gateway's RSS every 0.5 s
# and its VmHWM, and the simulator's maxInFlight. Prints a Markdown table and writes it to OVERLOAD_OUT.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_RUN="${1:-40}"
QUEUE="${QUEUE:-100}"; CONCURRENCY="${CONCURRENCY:-4}"; SIM_LATENCY_MS="${SIM_LATENCY_MS:-200}"
CALLERS="${2:-$(( 10 * (QUEUE + CONCURRENCY) ))}"
SIM_PORT="${SIM_PORT:-28190}"; GW_PORT="${GW_PORT:-28180}"
OUT="${OVERLOAD_OUT:-bench/results-overload-$(date +%F).md}"
DIR=target/bench
mkdir -p "$DIR"
. bench/lib.sh
require_free_ports "$SIM_PORT" "$GW_PORT"
build_jar OverloadBenchmark

# One run on a fresh simulator and gateway: run_mode TITLE [OverloadBenchmark flags...]; appends to REPORT.
REPORT=""
run_mode() {
  local title=$1; shift
  java -Xmx512m -jar "$JAR" simulate --port "$SIM_PORT" --latency "$SIM_LATENCY_MS" > "$DIR/overload-sim.log" 2>&1 &
  local sim_pid=$!; PIDS+=("$sim_pid")
  wait_for "http://127.0.0.1:$SIM_PORT/_sim/stats"
  env GATEWAY_HTTP_HOST=127.0.0.1 GATEWAY_HTTP_PORT="$GW_PORT" GATEWAY_AUTH_DISABLED=true GATEWAY_LOG_LEVEL=WARN \
    LINQ_API_V3_BASE_URL="http://127.0.0.1:$SIM_PORT/api/partner" LINQ_API_V3_API_KEY=sim-key \
    LINQ_MAX_CONCURRENCY="$CONCURRENCY" GATEWAY_MAX_QUEUE="$QUEUE" \
    java -Xmx256m -jar "$JAR" serve > "$DIR/overload-gateway.log" 2>&1 &
  local gw_pid=$!; PIDS+=("$gw_pid")
  wait_for "http://127.0.0.1:$GW_PORT/health/ready"
  echo "== $title: $CALLERS callers, ${SECONDS_RUN} s, queue $QUEUE + concurrency $CONCURRENCY, upstream ${SIM_LATENCY_MS} ms" >&2
  local table sim_max sim_calls alive
  table=$(java -Xmx512m -cp "target/test-classes:$JAR" com.linqapp.gateway.bench.OverloadBenchmark \
    --url "http://127.0.0.1:$GW_PORT" --pid "$gw_pid" --callers "$CALLERS" --seconds "$SECONDS_RUN" \
    --queue "$QUEUE" --concurrency "$CONCURRENCY" "$@")
  sim_max=$(curl -s "http://127.0.0.1:$SIM_PORT/_sim/stats" | tr -d ' \n' | grep -o '"maxInFlight":[0-9]*' | cut -d: -f2)
  sim_calls=$(curl -s "http://127.0.0.1:$SIM_PORT/_sim/stats" | tr -d ' \n' | grep -o '"checkRequests":[0-9]*' | cut -d: -f2)
  alive=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$GW_PORT/health/ready")
  REPORT+="### $title"$'\n\n'"$table"$'\n'
  REPORT+="| simulator: checks received (whole run) / max in flight | $sim_calls / $sim_max | max in flight ≤ $CONCURRENCY | $([ "$sim_max" -le "$CONCURRENCY" ] && echo yes || echo '**no**') |"$'\n'
  REPORT+="| gateway \`/health/ready\` after the run | $alive | 200 | $([ "$alive" = 200 ] && echo yes || echo '**no**') |"$'\n\n'
  echo "$table" >&2
  kill "$gw_pid" "$sim_pid" 2>/dev/null || true; wait "$gw_pid" "$sim_pid" 2>/dev/null || true
}

run_mode "Callers retrying at once (no think time, like wrk)"
run_mode "Callers honouring Retry-After" --honour-retry-after
{
  printf '%s' "$REPORT"
  echo "Machine: \`nproc\` = $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1 | sed 's/openjdk version/OpenJDK/'), $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg). Gateway \`-Xmx256m\`, \`LINQ_MAX_CONCURRENCY=$CONCURRENCY\`, \`GATEWAY_MAX_QUEUE=$QUEUE\`; simulator latency $SIM_LATENCY_MS ms, no limit; the callers' JVM (2 event loops) runs on the same 2 cores."
} | tee "$OUT"
echo "written: $OUT" >&2
