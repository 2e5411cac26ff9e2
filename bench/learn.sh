#!/usr/bin/env bash
# Learning an unknown limit (issue 11): every shape of the issue through the real jar, five runs each, the limit never
# configured. Each run starts a fresh `simulate` (its own JVM; 15 ms + up to 10 ms latency, seed = run) and a fresh
# `serve` (its own JVM, no limit set), then com.linqapp.gateway.bench.LearnBenchmark (test classes, a third JVM)
# drives the checks through the Linq-compatible route with 256 closed-loop callers and long deadlines.
#
# Usage: bench/learn.sh [shape...]      (default: every shape; names below)
# Env:   RUNS (5), SIM_PORT (28190), GW_PORT (28180), LEARN_OUT (bench/results-learn-<date>.md),
#        GW_JAVA_OPTS (extra JVM options for the gateway, e.g. -Dlogback.configurationFile=bench/logback-learner.xml
#        to log each of the learner's decisions into target/bench/learn-gateway-<shape>-<run>.log),
#        LEARN_TIMELINE (set: print each run's checks answered per 500 ms on stderr),
#        LEARN_WARMUP (N: N cached checks of one address first, so that the JVMs and connections are warm),
#        LEARN_SIM_WARMUP (N: N checks straight to the simulator first, so that it answers as a warm service does;
#        then its buckets refill and its counters are zeroed)
#
# Shapes (ideal = (N - sum of bursts) / sum of rates; for the window, the time its windows take):
#   bucket-2000  token bucket 200/s burst 50, 2,000 checks           ideal 9.75 s    target <= 1.15, <= 2 % 429s
#   bucket-6000  token bucket 200/s burst 50, 6,000 checks           ideal 29.75 s   target <= 1.08, <= 2 % 429s
#   lines        3 lines of 50/s burst 10 (scope line), 1,500 checks ideal 9.8 s     target <= 1.15, <= 2 % 429s
#   slow         token bucket 2/s burst 5, 240 checks                ideal 117.5 s   target <= 1.10, <= 5 % 429s
#   window       fixed window 60 per 15 s, 300 checks                ideal 60 s      target <= 1.10, none inside a pause
#   drop-rise    200/s burst 50, 100/s at 40 s, 200/s at 80 s, 120 s  >= 0.90 x the new limit over [50, 55) s and
#                [110, 115) s (the columns show those two fractions), <= 3 % 429s
#   known-2000   bucket-2000 with the limit configured: what the rig achieves when nothing has to be learnt
#   capacity     no limit, 2,000 checks, "ideal" 9.75 s as for bucket-2000: what the rig itself manages on this
#                machine now (a ratio well above 1 here means the machine, not the learner, set the pace)
# Prints every run, then a Markdown table (runs, median, worst) on stdout and to LEARN_OUT. Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS="${RUNS:-5}"; SIM_PORT="${SIM_PORT:-28190}"; GW_PORT="${GW_PORT:-28180}"
OUT="${LEARN_OUT:-bench/results-learn-$(date +%F).md}"
SHAPES=("$@"); [ ${#SHAPES[@]} -gt 0 ] || SHAPES=(capacity bucket-2000 bucket-6000 lines slow window drop-rise)
DIR=target/bench; mkdir -p "$DIR"
. bench/lib.sh
require_free_ports "$SIM_PORT" "$GW_PORT"
build_jar LearnBenchmark
RESULTS=$DIR/learn-runs.tsv; : > "$RESULTS"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

run_once() { # shape run
  local shape=$1 run=$2 sim=() gw=() driver=()
  case $shape in
    capacity)    sim=(); driver=(--checks 2000 --ideal 9.75) ;;
    bucket-2000) sim=(--rate 200 --burst 50); driver=(--checks 2000 --ideal 9.75) ;;
    known-2000)  sim=(--rate 200 --burst 50); gw=(LINQ_RATE_LIMIT_PER_SECOND=200 LINQ_RATE_LIMIT_BURST=50)
                 driver=(--checks 2000 --ideal 9.75) ;;
    bucket-6000) sim=(--rate 200 --burst 50); driver=(--checks 6000 --ideal 29.75) ;;
    lines)       sim=(--rate 50 --burst 10 --scope line); gw=(LINQ_RATE_LIMIT_SCOPE=line); driver=(--checks 1500 --ideal 9.8) ;;
    slow)        sim=(--rate 2 --burst 5); driver=(--checks 240 --ideal 117.5) ;;
    window)      sim=(--window 60/15000); driver=(--checks 300 --ideal 60) ;;
    drop-rise)   sim=(--rate 200 --burst 50); driver=(--checks 30000 --drop-rise) ;;
    *) echo "unknown shape: $shape" >&2; exit 2 ;;
  esac
  java -Xmx512m -jar "$JAR" simulate --port "$SIM_PORT" --latency 15 --jitter 10 --seed "$run" ${sim[@]+"${sim[@]}"} \
    > "$DIR/learn-sim.log" 2>&1 &
  local sim_pid=$!; PIDS+=("$sim_pid")
  wait_for "http://127.0.0.1:$SIM_PORT/_sim/stats"
  env GATEWAY_HTTP_HOST=127.0.0.1 GATEWAY_HTTP_PORT="$GW_PORT" GATEWAY_AUTH_DISABLED=true GATEWAY_LOG_LEVEL=WARN \
    LINQ_API_V3_BASE_URL="http://127.0.0.1:$SIM_PORT/api/partner" LINQ_API_V3_API_KEY=sim-key ${gw[@]+"${gw[@]}"} \
    java -Xmx512m ${GW_JAVA_OPTS:-} -jar "$JAR" serve > "$DIR/learn-gateway-$shape-$run.log" 2>&1 &
  local gw_pid=$!; PIDS+=("$gw_pid")
  wait_for "http://127.0.0.1:$GW_PORT/health/ready"
  java -Xmx512m -cp "target/test-classes:$JAR" com.linqapp.gateway.bench.LearnBenchmark --shape "$shape" \
    --run "$run" --gateway "http://127.0.0.1:$GW_PORT" --sim "http://127.0.0.1:$SIM_PORT" "${driver[@]}" \
    ${LEARN_TIMELINE:+--timeline} ${LEARN_WARMUP:+--warmup "$LEARN_WARMUP"} \
    ${LEARN_SIM_WARMUP:+--sim-warmup "$LEARN_SIM_WARMUP"} | tee -a "$RESULTS"
  for pid in "$gw_pid" "$sim_pid"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
}

echo -e "shape\trun\ttime/ideal\t429 share\tinside a pause\terrors\tafter drop\tafter rise" >&2
for run in $(seq 1 "$RUNS"); do
  for shape in "${SHAPES[@]}"; do run_once "$shape" "$run"; done
done
{
  echo "# Learning an unknown limit: every shape through the real jar ($(date -u +%FT%TZ))"
  echo
  echo "Machine: \`nproc\` = $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),"\
    "$(java -version 2>&1 | head -1), $(uname -sr); load average $LOAD_START at the start, $(cut -d' ' -f1-3 /proc/loadavg)"\
    "at the end. Simulator latency 15 ms + up to 10 ms; gateway defaults (16 in flight), limit never configured."
  echo
  java -cp "target/test-classes:$JAR" com.linqapp.gateway.bench.LearnBenchmark --report "$RESULTS"
} | tee "$OUT"
echo "written to $OUT" >&2
