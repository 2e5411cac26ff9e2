#!/usr/bin/env bash
# Cluster benchmark (issue 12): 2 and 3 gateway processes of the real jar in front of one simulated Linq account.
# Usage: bench/cluster.sh [gateways=2,3] [runs=5] [rate=200] [burst=50] [checks=2000]
#                         [scenarios=one,every,moving,coalesce,latency,kill,one-unknown,every-unknown]
# Prints every run, then a Markdown table (median and worst of the runs), also written to
# bench/results-cluster-<date>.md (or CLUSTER_OUT). The gateways' logs are in target/it-logs/, the benchmark's in
# target/cluster-bench.log.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
build_jar ClusterBenchmark
mvn -q -B ${MVN_OFFLINE:+-o} test-compile dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt \
  -Dmdep.includeScope=test >/dev/null
OUT="${CLUSTER_OUT:-bench/results-cluster-$(date +%Y-%m-%d).md}"
java -Xmx1g -Dgateway.jar="$PWD/$JAR" \
  --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED \
  --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.management/sun.management=ALL-UNNAMED \
  --add-opens jdk.management/com.sun.management.internal=ALL-UNNAMED \
  --add-exports java.base/jdk.internal.ref=ALL-UNNAMED \
  -cp "target/classes:target/test-classes:$(cat target/bench-classpath.txt)" \
  com.linqapp.gateway.bench.ClusterBenchmark "$@" 2> target/cluster-bench.log | tee "$OUT.tmp"
sed -n '/^machine:/,$p' "$OUT.tmp" > "$OUT" && rm -f "$OUT.tmp"
echo "written: $OUT" >&2
