#!/usr/bin/env bash
# Big jobs (issue 4): a 1,000,000-line batch through the gateway's route and through the `batch` CLI, each JVM
# under -Xmx256m, against the Linq simulator run as its own process; then a 100,000-line CLI job at a known limit.
#
# Usage: bench/big-jobs.sh [--quick]         (--quick: 100,000 / 20,000 lines, a smoke run of the same steps)
# Env:   STEPS ("a b c": which of the steps below run), BIG_LINES (1000000), PACED_LINES (100000), PACED_RATE (1000), PACED_BURST (50), CONCURRENCY (64),
#        SIM_LATENCY_MS (2), SIM_PORT (28090), GW_PORT (28080), BIG_OUT (bench/results-big-jobs-<date>.md)
#
# Steps (inputs and outputs under target/bench/, which is kept for inspection):
#   0. generate BIG_LINES distinct E.164 numbers (+1 200 000 0000 upward) as CSV with an `address` header and as
#      NDJSON ({"address": …} a line), and PACED_LINES other distinct numbers (+1 300 …) as CSV;
#   a. simulator (`simulate --latency 2`, no limit, -Xmx1g: it counts every distinct address) + gateway jar
#      (`serve`, -Xmx256m, GATEWAY_AUTH_DISABLED=true, LINQ_MAX_CONCURRENCY=64); the NDJSON streamed through
#      POST /v1/capability/batch by curl reading while it sends (`-T file -N`, `Expect:` off), answers to a file;
#      checks: answer lines = BIG_LINES, every index 0..BIG_LINES-1 exactly once (sort | uniq), no error lines;
#   b. the CSV through `java -Xmx256m -jar … batch --input big.csv --output out.csv` (in process, same simulator);
#      checks: rows = BIG_LINES, every row 1..BIG_LINES exactly once;
#   c. a fresh simulator at `--rate PACED_RATE --burst PACED_BURST` and the CLI with LINQ_RATE_LIMIT_PER_SECOND /
#      LINQ_RATE_LIMIT_BURST set to the same; ratio = elapsed / ((N - burst) / R), target <= 1.03.
# Peak RSS: the measured JVM's VmRSS sampled from /proc/<pid>/status every 0.5 s, and its VmHWM at the end (the
# kernel's own high-water mark). Elapsed: from starting curl / the CLI JVM to its exit (the CLI's figure includes
# its JVM start, the input count pass and the engine start, ~1-2 s). Target: peak RSS <= 400 MB.
# Prints a Markdown table on stdout and writes it to BIG_OUT. Not part of `mvn verify`.
set -euo pipefail
cd "$(dirname "$0")/.."

BIG_LINES="${BIG_LINES:-1000000}"; PACED_LINES="${PACED_LINES:-100000}"
SUFFIX=
if [ "${1:-}" = "--quick" ]; then BIG_LINES=100000; PACED_LINES=20000; SUFFIX=-quick; fi
PACED_RATE="${PACED_RATE:-1000}"; PACED_BURST="${PACED_BURST:-50}"
CONCURRENCY="${CONCURRENCY:-64}"; SIM_LATENCY_MS="${SIM_LATENCY_MS:-2}"
SIM_PORT="${SIM_PORT:-28090}"; GW_PORT="${GW_PORT:-28080}"
OUT="${BIG_OUT:-bench/results-big-jobs-$(date +%F)$SUFFIX.md}"
DIR=target/bench
mkdir -p "$DIR"
. bench/lib.sh
require_free_ports "$SIM_PORT" "$GW_PORT"
build_jar

# ---- inputs ------------------------------------------------------------------------------------------------
gen() { # first-number count csv|ndjson file
  local want=$2; [ "$3" = csv ] && want=$(( $2 + 1 ))
  [ -s "$4" ] && [ "$(wc -l < "$4")" -eq "$want" ] && return 0
  awk -v first="$1" -v n="$2" -v fmt="$3" 'BEGIN {
    if (fmt == "csv") print "address"
    for (i = 0; i < n; i++) { a = sprintf("+1%.0f", first + i); if (fmt == "csv") print a; else printf "{\"address\":\"%s\"}\n", a }
  }' > "$4"
}
BIG_CSV=$DIR/big-$BIG_LINES.csv; BIG_ND=$DIR/big-$BIG_LINES.ndjson; PACED_CSV=$DIR/paced-$PACED_LINES.csv
gen 2000000000 "$BIG_LINES" csv "$BIG_CSV"
gen 2000000000 "$BIG_LINES" ndjson "$BIG_ND"
gen 3000000000 "$PACED_LINES" csv "$PACED_CSV"
echo "inputs: $BIG_CSV, $BIG_ND ($(du -h "$BIG_ND" | cut -f1)), $PACED_CSV" >&2

# ---- helpers -----------------------------------------------------------------------------------------------
start_sim() { # extra simulate flags...
  java -Xmx1g -jar "$JAR" simulate --port "$SIM_PORT" --latency "$SIM_LATENCY_MS" "$@" > "$DIR/sim.log" 2>&1 &
  SIM_PID=$!; PIDS+=("$SIM_PID")
  wait_for "http://127.0.0.1:$SIM_PORT/_sim/stats"
}
stop() { kill "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
# The gateway's variables, for `env "${GW_ENV[@]}" java …` (env execs java, so $! is the JVM's pid).
GW_ENV=(GATEWAY_HTTP_HOST=127.0.0.1 GATEWAY_HTTP_PORT="$GW_PORT" GATEWAY_AUTH_DISABLED=true GATEWAY_LOG_LEVEL=WARN
  LINQ_API_V3_BASE_URL="http://127.0.0.1:$SIM_PORT/api/partner" LINQ_API_V3_API_KEY=sim-key
  LINQ_MAX_CONCURRENCY="$CONCURRENCY")
# Samples VmRSS of $1 every 0.5 s into $2 until it exits; the last line is "hwm <VmHWM kB>" read just before.
sample_rss() {
  local pid=$1 file=$2 rss hwm=0
  : > "$file"
  while [ -r "/proc/$pid/status" ]; do
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    h=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) || break
    [ -n "$rss" ] && echo "$rss" >> "$file"; [ -n "$h" ] && hwm=$h
    sleep 0.5
  done
  echo "hwm $hwm" >> "$file"
}
peak_mb() { awk '$1 != "hwm" && $1 > m {m = $1} END {printf "%.0f", m / 1024}' "$1"; }
hwm_mb() { awk '$1 == "hwm" {printf "%.0f", $2 / 1024}' "$1"; }
now() { date +%s.%N; }
sim_stat() { curl -s "http://127.0.0.1:$SIM_PORT/_sim/stats" | tr -d ' \n' | grep -o "\"$1\":[0-9]*" | head -1 | cut -d: -f2; }
ROWS=()

step() { [[ " ${STEPS:-a b c} " == *" $1 "* ]]; }

# ---- a. the route ------------------------------------------------------------------------------------------
if step a; then
echo "== a. $BIG_LINES lines through POST /v1/capability/batch (gateway -Xmx256m)" >&2
start_sim
env "${GW_ENV[@]}" java -Xmx256m -jar "$JAR" serve > "$DIR/gateway.log" 2>&1 &
GW_PID=$!; PIDS+=("$GW_PID")
wait_for "http://127.0.0.1:$GW_PORT/health/ready"
# Warm-up: 20,000 other numbers through the same route, so the JIT has compiled the paths (not measured).
gen 4000000000 20000 ndjson "$DIR/warmup.ndjson"
curl -sN -X POST "http://127.0.0.1:$GW_PORT/v1/capability/batch" -H 'Content-Type: application/x-ndjson' -H 'Expect:' \
  -T "$DIR/warmup.ndjson" -o "$DIR/warmup.out"
[ "$(wc -l < "$DIR/warmup.out")" -eq 20000 ] || { echo "warm-up: $(wc -l < "$DIR/warmup.out") answers" >&2; exit 1; }
SIM_BEFORE=$(sim_stat checkRequests)
sample_rss "$GW_PID" "$DIR/rss-route.txt" &
SAMPLER=$!
T0=$(now)
curl -sN -X POST "http://127.0.0.1:$GW_PORT/v1/capability/batch" -H 'Content-Type: application/x-ndjson' -H 'Expect:' \
  -T "$BIG_ND" -o "$DIR/route.out" -w '%{http_code}\n' > "$DIR/route.status"
T1=$(now)
SIM_AFTER=$(sim_stat checkRequests)
HWM_KB=$(awk '/^VmHWM:/ {print $2}' "/proc/$GW_PID/status")
stop "$GW_PID"; wait "$SAMPLER" 2>/dev/null || true
echo "hwm $HWM_KB" >> "$DIR/rss-route.txt"
stop "$SIM_PID"
ELAPSED=$(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}')
LINES=$(wc -l < "$DIR/route.out")
grep -o '"index":[0-9]*' "$DIR/route.out" | cut -d: -f2 | sort -n > "$DIR/route.idx"
UNIQUE=$(uniq "$DIR/route.idx" | wc -l); DUPS=$(uniq -d "$DIR/route.idx" | wc -l)
RANGE="$(head -1 "$DIR/route.idx")..$(tail -1 "$DIR/route.idx")"
ERRORS=$(grep -c '"error"' "$DIR/route.out" || true)
OK=$([ "$LINES" -eq "$BIG_LINES" ] && [ "$UNIQUE" -eq "$BIG_LINES" ] && [ "$DUPS" -eq 0 ] \
  && [ "$RANGE" = "0..$((BIG_LINES - 1))" ] && echo yes || echo "**no**")
RSS_MET=$([ "$HWM_KB" -le $((400 * 1024)) ] && echo yes || echo "**no**")
ROWS+=("| a. route \`POST /v1/capability/batch\` (curl \`-T -N\`), gateway \`-Xmx256m\` | $BIG_LINES | $ELAPSED s | $(awk -v n="$BIG_LINES" -v t="$ELAPSED" 'BEGIN {printf "%.0f", n / t}') | $LINES lines, $UNIQUE distinct indexes ($RANGE), $DUPS repeated, $ERRORS error lines, HTTP $(cat "$DIR/route.status"): $OK | $(( SIM_AFTER - SIM_BEFORE )) | $(peak_mb "$DIR/rss-route.txt") MB / $(( HWM_KB / 1024 )) MB | $RSS_MET |")
echo "${ROWS[-1]}" >&2
fi

# ---- b. the CLI, in process ------------------------------------------------------------------------------
if step b; then
echo "== b. $BIG_LINES rows through \`batch\` in process (-Xmx256m)" >&2
start_sim
rm -f "$DIR/cli.csv"
T0=$(now)
env "${GW_ENV[@]}" java -Xmx256m -jar "$JAR" batch --input "$BIG_CSV" --output "$DIR/cli.csv" > "$DIR/cli.log" 2>&1 &
CLI_PID=$!; PIDS+=("$CLI_PID")
sample_rss "$CLI_PID" "$DIR/rss-cli.txt" &
SAMPLER=$!
CLI_EXIT=0; wait "$CLI_PID" || CLI_EXIT=$?
T1=$(now)
wait "$SAMPLER" 2>/dev/null || true
SIM_CALLS=$(sim_stat checkRequests)
stop "$SIM_PID"
ELAPSED=$(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}')
ROWS_OUT=$(( $(wc -l < "$DIR/cli.csv") - 1 ))
tail -n +2 "$DIR/cli.csv" | cut -d, -f1 | sort -n > "$DIR/cli.idx"
UNIQUE=$(uniq "$DIR/cli.idx" | wc -l); DUPS=$(uniq -d "$DIR/cli.idx" | wc -l)
RANGE="$(head -1 "$DIR/cli.idx")..$(tail -1 "$DIR/cli.idx")"
ERRORS=$(tail -n +2 "$DIR/cli.csv" | awk -F, '$5 != ""' | wc -l)
OK=$([ "$CLI_EXIT" -eq 0 ] && [ "$ROWS_OUT" -eq "$BIG_LINES" ] && [ "$UNIQUE" -eq "$BIG_LINES" ] && [ "$DUPS" -eq 0 ] \
  && [ "$RANGE" = "1..$BIG_LINES" ] && echo yes || echo "**no**")
HWM_KB=$(awk '$1 == "hwm" {print $2}' "$DIR/rss-cli.txt")
RSS_MET=$([ "$HWM_KB" -le $((400 * 1024)) ] && echo yes || echo "**no**")
ROWS+=("| b. CLI \`batch --input big.csv --output out.csv\`, in process, \`-Xmx256m\` | $BIG_LINES | $ELAPSED s | $(awk -v n="$BIG_LINES" -v t="$ELAPSED" 'BEGIN {printf "%.0f", n / t}') | exit $CLI_EXIT, $ROWS_OUT rows, $UNIQUE distinct rows ($RANGE), $DUPS repeated, $ERRORS error rows: $OK | $SIM_CALLS | $(peak_mb "$DIR/rss-cli.txt") MB / $(( HWM_KB / 1024 )) MB | $RSS_MET |")
echo "${ROWS[-1]}" >&2
grep '^batch: done\|^batch: NOT' "$DIR/cli.log" >&2 || tail -5 "$DIR/cli.log" >&2
fi

# ---- c. known limit ----------------------------------------------------------------------------------------
if step c; then
echo "== c. $PACED_LINES rows through \`batch\` at a known limit of $PACED_RATE/s, burst $PACED_BURST" >&2
start_sim --rate "$PACED_RATE" --burst "$PACED_BURST"
rm -f "$DIR/paced.csv"
T0=$(now)
env "${GW_ENV[@]}" LINQ_RATE_LIMIT_PER_SECOND="$PACED_RATE" LINQ_RATE_LIMIT_BURST="$PACED_BURST" \
  java -Xmx256m -jar "$JAR" batch --input "$PACED_CSV" --output "$DIR/paced.csv" > "$DIR/paced.log" 2>&1 &
CLI_PID=$!; PIDS+=("$CLI_PID")
sample_rss "$CLI_PID" "$DIR/rss-paced.txt" &
SAMPLER=$!
CLI_EXIT=0; wait "$CLI_PID" || CLI_EXIT=$?
T1=$(now)
wait "$SAMPLER" 2>/dev/null || true
SIM_CALLS=$(sim_stat checkRequests); SIM_429=$(sim_stat rateLimited429)
stop "$SIM_PID"
ELAPSED=$(awk -v a="$T0" -v b="$T1" 'BEGIN {printf "%.1f", b - a}')
# The CLI's own elapsed (from its summary line) excludes JVM start and the engine's startup.
CLI_ELAPSED=$(grep -o 'elapsed [0-9.]* s' "$DIR/paced.log" | tail -1 | awk '{print $2}')
IDEAL=$(awk -v n="$PACED_LINES" -v b="$PACED_BURST" -v r="$PACED_RATE" 'BEGIN {printf "%.2f", (n - b) / r}')
RATIO=$(awk -v t="$ELAPSED" -v i="$IDEAL" 'BEGIN {printf "%.4f", t / i}')
RATIO_CLI=$(awk -v t="${CLI_ELAPSED:-0}" -v i="$IDEAL" 'BEGIN {printf "%.4f", t / i}')
# Steady rate: from the CLI's progress lines (every 2 s, "N/TOTAL rows … X checks/s" with X averaged since its
# start, so N / X is the time of the line), between the first line at >= 10 s and the last one.
STEADY=$(grep -o 'progress [0-9]*/[0-9]* rows ([0-9]*%), [0-9.]* checks/s' "$DIR/paced.log" \
  | awk '{split($2, a, "/"); n = a[1]; x = $5; if (x > 0) {t = n / x; if (t >= 10 && !s) {s = 1; n0 = n; t0 = t}; n1 = n; t1 = t}}
         END {if (s && t1 > t0) printf "%.1f", (n1 - n0) / (t1 - t0); else print "?"}')
ROWS_OUT=$(( $(wc -l < "$DIR/paced.csv") - 1 ))
UNIQUE=$(tail -n +2 "$DIR/paced.csv" | cut -d, -f1 | sort -u | wc -l)
MET=$(awk -v r="$RATIO" 'BEGIN {print (r <= 1.03) ? "yes" : "**no**"}')
HWM_KB=$(awk '$1 == "hwm" {print $2}' "$DIR/rss-paced.txt")
ROWS+=("| c. CLI at a known limit: simulator and gateway $PACED_RATE/s, burst $PACED_BURST | $PACED_LINES | $ELAPSED s (CLI's own: ${CLI_ELAPSED:-?} s); ideal (N − B)/R = $IDEAL s; **ratio $RATIO** (CLI's own $RATIO_CLI), target ≤ 1.03: $MET; steady rate after 10 s: $STEADY/s | $(awk -v n="$PACED_LINES" -v t="$ELAPSED" 'BEGIN {printf "%.0f", n / t}') | exit $CLI_EXIT, $ROWS_OUT rows, $UNIQUE distinct | $SIM_CALLS (${SIM_429:-?} × 429) | $(peak_mb "$DIR/rss-paced.txt") MB / $(( HWM_KB / 1024 )) MB | |")
echo "${ROWS[-1]}" >&2
fi

{
  echo "| job | lines | elapsed | lines/s | answers | upstream calls | peak RSS (0.5 s samples / VmHWM) | RSS ≤ 400 MB |"
  echo "|---|---:|---|---:|---|---:|---:|---|"
  printf '%s\n' "${ROWS[@]}"
  echo
  echo "Machine: \`nproc\` = $(nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(java -version 2>&1 | head -1 | sed 's/openjdk version/OpenJDK/'), $(uname -sr); load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
  echo "Simulator: separate JVM (-Xmx1g), latency ${SIM_LATENCY_MS} ms; gateway/CLI: \`-Xmx256m\`, \`LINQ_MAX_CONCURRENCY=$CONCURRENCY\`; the route's and the CLI's window is 64 checks."
} | tee "$OUT"
echo "written: $OUT" >&2
