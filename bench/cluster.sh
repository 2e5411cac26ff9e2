#!/usr/bin/env bash
# Cluster benchmark: 2 and 3 gateway nodes on this machine in front of one simulated Linq account.
# Usage: bench/cluster.sh [nodes=2,3] [rate=20] [burst=10] [seconds=30] [latency=50] [outstanding=32]
# Prints a Markdown table (time ÷ ideal, 429 share, one upstream call for an address checked on A then B).
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -q ${MVN_OFFLINE:+-o} test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
  -Dmdep.includeScope=test >/dev/null
exec java -Xmx512m \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  com.linqapp.gateway.bench.ClusterBenchmark "$@" 2> target/cluster-bench.log
