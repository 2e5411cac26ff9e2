#!/usr/bin/env bash
# PostgreSQL job store benchmark: real gateway jars on a durable throw-away PostgreSQL server of its own.
# Usage: bench/pg-jobs.sh [cases=submit,cache,takeover] [runs=3] [lines=1000000] [hits=20000] [takeover=20000]
#                         [rate=200] [lease=30] [store=postgresql|file (submit and cache only, to compare)]
# Prints Markdown tables (and writes them to bench/results-pg-jobs-<date>.md). Needs PostgreSQL's server
# binaries (Debian: postgresql-15) and, under root, the postgres user to run them.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh
build_jar PgJobsBenchmark
mvn -q -B ${MVN_OFFLINE:+-o} test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
  -Dmdep.includeScope=test >/dev/null
OUT="bench/results-pg-jobs-$(date +%F).md"
cleanup_extra() { rm -f "$OUT.tmp"; }
java -Xmx1g -DGATEWAY_LOG_LEVEL=WARN ${BENCH_JAVA_OPTS:-} -Dgateway.jar="$(pwd)/$JAR" \
  -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  com.linqapp.gateway.bench.PgJobsBenchmark "$@" 2> target/pg-jobs-bench.log | tee "$OUT.tmp"
# the report is what follows the progress lines (after the first empty line)
sed -n '/^$/,$p' "$OUT.tmp" > "$OUT" && rm -f "$OUT.tmp"
echo "written: $OUT" >&2
