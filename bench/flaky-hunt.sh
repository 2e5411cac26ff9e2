#!/usr/bin/env bash
# Flaky-test hunt: runs test classes again and again with both cores kept busy, and says which run failed.
#
#   bench/flaky-hunt.sh [-n RUNS] [--no-stress] CLASS...   each class RUNS times (default 50), a fresh JVM per run
#   bench/flaky-hunt.sh [-n RUNS] [--no-stress] --verify   `mvn -B verify` RUNS times (default 5)
#
# CLASS is a simple or qualified test class name (FooTest, or FooIT: the jar is built first). A run of a class is
# one JVM, as surefire would start it (a cold JVM is where timing flakes live), started straight from the test
# classpath with JUnit's console launcher, after one compile: no Maven start-up per run. Load comes from
# `stress -c 2` (Debian's stress, installed with apt when missing), started in a process group of its own and
# stopped on exit. Output: one line per run (PASS/FAIL and seconds), a summary per class, `uptime` before and after;
# a failed run's whole output is kept in target/flaky-hunt/. Exit status 1 when any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RUNS=; STRESS=1; VERIFY=; CLASSES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    --no-stress) STRESS=; shift ;;
    --verify) VERIFY=1; shift ;;
    -h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) CLASSES+=("$1"); shift ;;
  esac
done
[ -n "$VERIFY" ] || [ ${#CLASSES[@]} -gt 0 ] || { echo "name test classes, or --verify (--help)" >&2; exit 2; }
RUNS="${RUNS:-$([ -n "$VERIFY" ] && echo 5 || echo 50)}"
OUT=target/flaky-hunt
mkdir -p "$OUT"

STRESS_PGID=
cleanup_extra() { [ -z "$STRESS_PGID" ] || kill -- "-$STRESS_PGID" 2>/dev/null || true; }
if [ -n "$STRESS" ]; then
  if ! command -v stress >/dev/null; then
    echo "installing stress (apt)..." >&2
    SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
    $SUDO apt-get install -y stress >/dev/null 2>&1 || { $SUDO apt-get update >/dev/null && $SUDO apt-get install -y stress >/dev/null; }
  fi
  setsid stress -c 2 >/dev/null 2>&1 &
  STRESS_PGID=$!
  echo "load: stress -c 2 (process group $STRESS_PGID)"
fi
echo "before: $(uptime)"

if [ -n "$VERIFY" ]; then
  failed=0
  for run in $(seq 1 "$RUNS"); do
    start=$(date +%s)
    if mvn -B verify > "$OUT/verify-$run.log" 2>&1; then result=PASS; else result=FAIL; failed=$((failed + 1)); fi
    echo "verify run $run/$RUNS: $result in $(( $(date +%s) - start )) s ($(grep -h 'Tests run:.*Fail' "$OUT/verify-$run.log" | tail -2 | tr -s ' ' | paste -sd';' -))"
    [ "$result" = FAIL ] && grep -h '<<< FAIL\|<<< ERR' "$OUT/verify-$run.log" | head -5 || true
  done
  echo "after: $(uptime)"
  echo "mvn -B verify: $((RUNS - failed))/$RUNS passed"
  [ "$failed" -eq 0 ]
  exit
fi

# One compile, then the test classpath and JUnit's console launcher (the version of the platform on that classpath).
needs_jar=
for class in "${CLASSES[@]}"; do [[ "$class" == *IT ]] && needs_jar=1; done
if [ -n "$needs_jar" ]; then
  build_jar
  [ -d compat/sdk-node/node_modules ] || npm ci --prefix compat/sdk-node --no-audit --no-fund >/dev/null
else
  mvn -q -B test-compile
fi
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null
PLATFORM=$(tr ':' '\n' < "$OUT/classpath.txt" | sed -n 's#.*/junit-platform-engine-\([0-9.]*\)\.jar#\1#p' | head -1)
LAUNCHER="$OUT/junit-platform-console-standalone-$PLATFORM.jar"
[ -f "$LAUNCHER" ] || mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$PLATFORM" \
  -DoutputDirectory="$OUT" >/dev/null
# The runs use a copy of the compiled classes (and jar), so a build meanwhile (the same worktree) cannot change them mid-hunt.
rm -rf "$OUT/classes" "$OUT/test-classes"
cp -r target/classes "$OUT/classes" && cp -r target/test-classes "$OUT/test-classes"
[ -z "$needs_jar" ] || { cp "$JAR" "$OUT/gateway.jar"; JAR="$OUT/gateway.jar"; }
# The launcher brings JUnit itself; the project's own copies of the same jars would register every engine twice.
CP="$OUT/test-classes:$OUT/classes:$(tr ':' '\n' < "$OUT/classpath.txt" | grep -v '/org/junit/' | paste -sd: -)"

qualified() { # simple or qualified name -> qualified name, from the compiled test classes
  [[ "$1" == *.* ]] && { echo "$1"; return; }
  local file; file=$(find "$OUT/test-classes" -name "$1.class" | head -1)
  [ -n "$file" ] || { echo "no test class $1" >&2; exit 2; }
  file=${file#"$OUT"/test-classes/}; file=${file%.class}; echo "${file//\//.}"
}

declare -A passed
total_failed=0
for run in $(seq 1 "$RUNS"); do
  for class in "${CLASSES[@]}"; do
    name=$(qualified "$class")
    log="$OUT/${name##*.}-$run.log"
    start=$(date +%s%N)
    if java -Dgateway.jar="$JAR" -cp "$LAUNCHER:$CP" org.junit.platform.console.ConsoleLauncher \
        --disable-banner --details=summary --fail-if-no-tests --select-class "$name" > "$log" 2>&1; then
      result=PASS; passed[$class]=$(( ${passed[$class]:-0} + 1 )); rm -f "$log"
    else
      result=FAIL; total_failed=$((total_failed + 1))
    fi
    printf 'run %d/%d %s %s %s s%s\n' "$run" "$RUNS" "${name##*.}" "$result" \
      "$(awk -v ns=$(( $(date +%s%N) - start )) 'BEGIN { printf "%.1f", ns / 1e9 }')" \
      "$([ "$result" = FAIL ] && echo " (log: $log)")"
  done
done
echo "after: $(uptime)"
for class in "${CLASSES[@]}"; do echo "$class: ${passed[$class]:-0}/$RUNS passed"; done
[ "$total_failed" -eq 0 ]
