#!/usr/bin/env bash
# Flaky-test hunt: runs test classes again and again with both cores kept busy, and says which run failed.
#
#   bench/flaky-hunt.sh [-n RUNS] [--per-jvm M] [--no-stress] CLASS...   each class RUNS times (default 50)
#   bench/flaky-hunt.sh [-n RUNS] [--no-stress] --verify                 `mvn -B verify` RUNS times (default 5)
#
# CLASS is a simple or qualified test class name (FooTest, or FooIT: the jar is built first). After one compile,
# the runs start straight from the test classpath (bench/FlakyHunt.java on JUnit's launcher: no Maven start-up per
# run), M runs of every class per JVM (default 10, so 50 runs are 5 cold JVMs and 45 warm repeats; --per-jvm 1
# gives every run a JVM of its own, as surefire would). Load comes from `stress -c 2` (Debian's stress, installed
# with apt when missing), in a process group of its own, stopped on exit. Output: one line per run (PASS/FAIL and
# seconds), a summary per class, `uptime` before and after; a JVM's whole output is kept in target/flaky-hunt/
# when one of its runs failed. Exit status 1 when any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh

RUNS=; PER_JVM=10; STRESS=1; VERIFY=; CLASSES=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n) RUNS="$2"; shift 2 ;;
    --per-jvm) PER_JVM="$2"; shift 2 ;;
    --no-stress) STRESS=; shift ;;
    --verify) VERIFY=1; shift ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) CLASSES+=("$1"); shift ;;
  esac
done
[ -n "$VERIFY" ] || [ ${#CLASSES[@]} -gt 0 ] || { echo "name test classes, or --verify (--help)" >&2; exit 2; }
RUNS="${RUNS:-$([ -n "$VERIFY" ] && echo 5 || echo 50)}"
OUT=target/flaky-hunt
mkdir -p "$OUT"
rm -f "$OUT"/jvm-*.log "$OUT"/verify-*.log

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
  build_jar > "$OUT/build.log" 2>&1
  [ -d compat/sdk-node/node_modules ] || npm ci --prefix compat/sdk-node --no-audit --no-fund >/dev/null
else
  mvn -q -B test-compile > "$OUT/build.log" 2>&1 || { cat "$OUT/build.log"; exit 1; }
fi
mvn -q -B dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$OUT/classpath.txt" >/dev/null 2>&1
PLATFORM=$(tr ':' '\n' < "$OUT/classpath.txt" | sed -n 's#.*/junit-platform-engine-\([0-9.]*\)\.jar#\1#p' | head -1)
LAUNCHER="$OUT/junit-platform-console-standalone-$PLATFORM.jar"
[ -f "$LAUNCHER" ] || mvn -q -B dependency:copy -Dartifact="org.junit.platform:junit-platform-console-standalone:$PLATFORM" \
  -DoutputDirectory="$OUT" >/dev/null 2>&1
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

names=(); for class in "${CLASSES[@]}"; do names+=("$(qualified "$class")"); done
declare -A passed
jvm=0
for ((first = 1; first <= RUNS; first += PER_JVM)); do
  last=$(( first + PER_JVM - 1 < RUNS ? first + PER_JVM - 1 : RUNS ))
  jvm=$((jvm + 1)); log="$OUT/jvm-$jvm.log"
  set +e
  java -Dgateway.jar="$JAR" -cp "$LAUNCHER:$CP" bench/FlakyHunt.java "$first" "$last" "$RUNS" "${names[@]}" 2>&1 \
    | tee "$log" | grep --line-buffered '^HUNT run' | sed -u 's/^HUNT //'
  status=${PIPESTATUS[0]}
  set -e
  while read -r class result; do
    [ "$result" = PASS ] && passed[$class]=$(( ${passed[$class]:-0} + 1 ))
  done < <(sed -n 's/^HUNT run [0-9]*\/[0-9]* \([^ ]*\) \([A-Z]*\) .*/\1 \2/p' "$log")
  if [ "$status" -eq 0 ]; then rm -f "$log"; else echo "JVM $jvm (runs $first-$last) failed: $log"; fi
done
echo "after: $(uptime)"
failed=0
for name in "${names[@]}"; do
  simple=${name##*.}; echo "$simple: ${passed[$simple]:-0}/$RUNS passed"
  [ "${passed[$simple]:-0}" -eq "$RUNS" ] || failed=1
done
[ "$failed" -eq 0 ]
