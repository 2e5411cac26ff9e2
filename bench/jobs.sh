#!/usr/bin/env bash
# Durable jobs (issue 13), against the Linq simulator run as its own process and the gateway jar under -Xmx256m.
#
# Usage: bench/jobs.sh [--quick]      (--quick: 100,000 / 20,000 / 5,000 lines, a smoke run of the same steps)
# Env:   STEPS ("a b c d"), BIG_LINES (1000000), HIT_LINES (200000), PACED_LINES (20000), PACED_RATE (200),
#        PACED_BURST (50: the account of the learning and cluster benchmarks), RUNS (1: paced runs), SIM_PORT (28190), GW_PORT (28180), JOBS_OUT (bench/results-jobs-<date>.md)
#
# Steps (work files under target/bench-jobs/):
#   a. submission: BIG_LINES distinct numbers as NDJSON, POSTed to /v1/jobs by curl (-T, streamed); elapsed = curl's
#      start to the 202; accept rate = lines / elapsed; the gateway's peak RSS (VmHWM) while it stores the body and
#      starts running it. Targets: >= 20,000 lines/s accepted, RSS <= 400 MB.
#   b. cache hits: a job of HIT_LINES distinct numbers, run to completion (the cache warms), then the same lines as
#      a second job: every line a cache hit; rate = lines / (finished_at - created_at). Target >= 10,000 lines/s.
#   c. paced: a PACED_LINES job at a known limit (simulator --rate PACED_RATE --burst PACED_BURST, the gateway told
#      the same); ratio = (finished_at - created_at) / (PACED_LINES / PACED_RATE). Target <= 1.05. RUNS times.
#   d. kill -9 at 50 %: the paced job again, the gateway killed with SIGKILL once half the lines are answered,
#      started again on the same directory; lines lost / answered twice (from the results), upstream calls vs
#      distinct addresses (the simulator's counters), with the calls in flight and the unflushed batch as bound.
# Prints a Markdown table on stdout and writes it to JOBS_OUT. Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

BIG_LINES="${BIG_LINES:-1000000}"; HIT_LINES="${HIT_LINES:-200000}"; PACED_LINES="${PACED_LINES:-20000}"
SUFFIX=
if [ "${1:-}" = "--quick" ]; then BIG_LINES=100000; HIT_LINES=20000; PACED_LINES=5000; SUFFIX=-quick; fi
PACED_RATE="${PACED_RATE:-200}"; PACED_BURST="${PACED_BURST:-50}"; RUNS="${RUNS:-1}"
SIM_PORT="${SIM_PORT:-28190}"; GW_PORT="${GW_PORT:-28180}"
OUT="${JOBS_OUT:-bench/results-jobs-$(date +%F)$SUFFIX.md}"
DIR=target/bench-jobs
mkdir -p "$DIR"
. bench/lib.sh
require_free_ports "$SIM_PORT" "$GW_PORT"
build_jar

gen() { # first-number count file : NDJSON {"address": …} lines
  [ -s "$3" ] && [ "$(wc -l < "$3")" -eq "$2" ] && return 0
  awk -v first="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "{\"address\":\"+1%.0f\"}\n", first + i }' > "$3"
}
now() { date +%s.%N; }
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
sim_stat() { curl -s "http://127.0.0.1:$SIM_PORT/_sim/stats" | tr -d ' \n' | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
json() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }
job() { curl -s "http://127.0.0.1:$GW_PORT/v1/jobs/$1"; }
# Seconds from a job's created_at to its finished_at.
job_seconds() { job "$1" | python3 -c 'import json,sys,datetime as d
j=json.load(sys.stdin); p=lambda s: d.datetime.fromisoformat(s.replace("Z","+00:00"))
print("%.2f" % (p(j["finished_at"]) - p(j["created_at"])).total_seconds())'; }
await_job() { # id : until it has ended
  while true; do
    s=$(job "$1" | json status)
    case "$s" in completed|cancelled|failed) echo "$s"; return 0;; esac
    sleep 0.5
  done
}
submit() { # file : prints the job id
  curl -s -X POST "http://127.0.0.1:$GW_PORT/v1/jobs" -H 'Content-Type: application/x-ndjson' -H 'Expect:' -T "$1" | json id
}
start_sim() { # simulate flags...
  java -Xmx1g -jar "$JAR" simulate --port "$SIM_PORT" "$@" > "$DIR/sim.log" 2>&1 &
  SIM_PID=$!; PIDS+=("$SIM_PID")
  wait_for "http://127.0.0.1:$SIM_PORT/_sim/stats"
}
start_gw() { # extra VAR=value...
  env GATEWAY_HTTP_HOST=127.0.0.1 GATEWAY_HTTP_PORT="$GW_PORT" GATEWAY_AUTH_DISABLED=true GATEWAY_LOG_LEVEL=WARN \
    LINQ_API_V3_BASE_URL="http://127.0.0.1:$SIM_PORT/api/partner" LINQ_API_V3_API_KEY=sim-key \
    GATEWAY_JOBS_DIR="$DIR/jobs" GATEWAY_JOBS_MAX_LINES=2000000 "$@" \
    java -Xmx256m -jar "$JAR" serve >> "$DIR/gateway.log" 2>&1 &
  GW_PID=$!; PIDS+=("$GW_PID")
  wait_for "http://127.0.0.1:$GW_PORT/health/ready"
}
ROWS=()
step() { [[ " ${STEPS:-a b c d} " == *" $1 "* ]]; }
echo "load before: $(uptime)" >&2

if step a; then
  echo "== a. $BIG_LINES lines submitted (gateway -Xmx256m)" >&2
  gen 2000000000 "$BIG_LINES" "$DIR/big.ndjson"
  rm -rf "$DIR/jobs"; start_sim --latency 2; start_gw LINQ_MAX_CONCURRENCY=64
  T0=$(now); ID=$(submit "$DIR/big.ndjson"); T1=$(now)
  TOTAL=$(job "$ID" | json total)
  sleep 5 # the job runs meanwhile: its peak counts too
  HWM=$(awk '/^VmHWM:/ {printf "%.0f", $2 / 1024}' "/proc/$GW_PID/status")
  stop "$GW_PID"; stop "$SIM_PID"
  E=$(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}')
  RATE=$(awk -v n="$BIG_LINES" -v t="$E" 'BEGIN {printf "%.0f", n / t}')
  ROWS+=("| a. submit $BIG_LINES lines (NDJSON, curl -T) | 202 after $E s, total $TOTAL | $RATE lines/s accepted, peak RSS $HWM MB | >= 20,000 lines/s, <= 400 MB |")
  echo "${ROWS[-1]}" >&2
fi

if step b; then
  echo "== b. $HIT_LINES lines, all cache hits" >&2
  gen 5000000000 "$HIT_LINES" "$DIR/hits.ndjson"
  rm -rf "$DIR/jobs"; start_sim --latency 2; start_gw LINQ_MAX_CONCURRENCY=64 GATEWAY_CACHE_MAX_ENTRIES=$(( HIT_LINES * 2 ))
  WARM=$(submit "$DIR/hits.ndjson"); await_job "$WARM" > /dev/null
  CALLS=$(sim_stat checkRequests)
  HIT=$(submit "$DIR/hits.ndjson"); STATUS=$(await_job "$HIT")
  S=$(job_seconds "$HIT"); AFTER=$(sim_stat checkRequests)
  stop "$GW_PID"; stop "$SIM_PID"
  ROWS+=("| b. $HIT_LINES-line job, every line a cache hit | $STATUS in $S s, $(( AFTER - CALLS )) upstream calls | $(awk -v n="$HIT_LINES" -v t="$S" 'BEGIN {printf "%.0f", n / t}') lines/s | >= 10,000 lines/s |")
  echo "${ROWS[-1]}" >&2
fi

if step c; then
  for run in $(seq 1 "$RUNS"); do
    echo "== c. $PACED_LINES lines at $PACED_RATE/s (run $run)" >&2
    gen $(( 6000000000 + run * 100000000 )) "$PACED_LINES" "$DIR/paced-$run.ndjson"
    rm -rf "$DIR/jobs"; start_sim --rate "$PACED_RATE" --burst "$PACED_BURST"
    start_gw LINQ_RATE_LIMIT_PER_SECOND="$PACED_RATE" LINQ_RATE_LIMIT_BURST="$PACED_BURST"
    ID=$(submit "$DIR/paced-$run.ndjson"); STATUS=$(await_job "$ID"); S=$(job_seconds "$ID")
    R429=$(sim_stat rateLimited429)
    stop "$GW_PID"; stop "$SIM_PID"
    IDEAL=$(awk -v n="$PACED_LINES" -v r="$PACED_RATE" 'BEGIN {printf "%.1f", n / r}')
    ROWS+=("| c. $PACED_LINES-line job at a known $PACED_RATE/s (run $run) | $STATUS in $S s (ideal $IDEAL s), $R429 429s | $(awk -v s="$S" -v i="$IDEAL" 'BEGIN {printf "%.3f", s / i}') × ideal | <= 1.05 |")
    echo "${ROWS[-1]}" >&2
  done
fi

if step d; then
  echo "== d. kill -9 at 50 %" >&2
  gen 7000000000 "$PACED_LINES" "$DIR/killed.ndjson"
  rm -rf "$DIR/jobs"; start_sim --rate "$PACED_RATE" --burst "$PACED_BURST"
  start_gw LINQ_RATE_LIMIT_PER_SECOND="$PACED_RATE" LINQ_RATE_LIMIT_BURST="$PACED_BURST"
  ID=$(submit "$DIR/killed.ndjson")
  while [ "$(job "$ID" | json answered)" -lt $(( PACED_LINES / 2 )) ]; do sleep 0.2; done
  IN_FLIGHT=$(sim_stat inFlight); BEFORE=$(job "$ID" | json answered)
  kill -9 "$GW_PID"; wait "$GW_PID" 2>/dev/null || true
  BOUGHT=$(sim_stat checkRequests)
  start_gw LINQ_RATE_LIMIT_PER_SECOND="$PACED_RATE" LINQ_RATE_LIMIT_BURST="$PACED_BURST"
  STATUS=$(await_job "$ID")
  curl -s "http://127.0.0.1:$GW_PORT/v1/jobs/$ID/results?limit=10000&after=-1" > "$DIR/killed.out"
  AFTER_IDX=$(tail -1 "$DIR/killed.out" | grep -o '"index":[0-9]*' | cut -d: -f2)
  while [ -n "$AFTER_IDX" ] && [ "$AFTER_IDX" -lt $(( PACED_LINES - 1 )) ]; do
    curl -s "http://127.0.0.1:$GW_PORT/v1/jobs/$ID/results?limit=10000&after=$AFTER_IDX" >> "$DIR/killed.out"
    AFTER_IDX=$(tail -1 "$DIR/killed.out" | grep -o '"index":[0-9]*' | cut -d: -f2)
  done
  CALLS=$(sim_stat checkRequests); DISTINCT=$(sim_stat distinctAddresses)
  stop "$GW_PID"; stop "$SIM_PID"
  grep -o '"index":[0-9]*' "$DIR/killed.out" | cut -d: -f2 | sort -n > "$DIR/killed.idx"
  UNIQUE=$(uniq "$DIR/killed.idx" | wc -l); TWICE=$(uniq -d "$DIR/killed.idx" | wc -l)
  LOST=$(( PACED_LINES - UNIQUE ))
  ROWS+=("| d. kill -9 at $BEFORE/$PACED_LINES answered, restart | $STATUS: $LOST lost, $TWICE answered twice | $CALLS upstream calls for $DISTINCT distinct: $(( CALLS - DISTINCT )) bought again (at the kill: $(( BOUGHT - BEFORE )) bought but not durable, $IN_FLIGHT in flight; bound: in flight + one write batch of 500) | 0, 0, calls <= distinct + in flight + batch |")
  echo "${ROWS[-1]}" >&2
fi

{
  echo "Durable jobs, $(date -u +%FT%TZ), $(nproc) cores, load before: $(uptime | sed 's/.*load average: //')"
  echo
  echo "| step | outcome | measured | target |"
  echo "|---|---|---|---|"
  printf '%s\n' "${ROWS[@]}"
} | tee "$OUT"
