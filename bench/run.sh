#!/usr/bin/env bash
# Quota benchmark: simulator + gateway in-process, every case, Markdown table to stdout and bench/results-<date>.md.
# Usage: bench/run.sh [--quick] [--case NAME[,NAME]]... [--cap-factor X] [--out FILE] [--list]
# Not part of `mvn verify` (QuotaBenchmark is a main class, not a *Test / *IT).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_OPTS="${BENCH_JAVA_OPTS:--Xms512m -Xmx1g -DGATEWAY_LOG_LEVEL=WARN}"
exec mvn -q -B test-compile exec:exec \
  -Dexec.executable=java \
  -Dexec.classpathScope=test \
  -Dexec.args="$JAVA_OPTS -cp %classpath com.linqapp.gateway.bench.QuotaBenchmark $*"
