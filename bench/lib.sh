# Shared by the bench scripts (sourced from the repository root): the jar, its build when stale, free ports,
# waiting for a server, and stopping what the script started (PIDS) when it exits.

JAR=target/linq-capability-gateway.jar
PIDS=()

# Scripts with more to clean up (a work directory) redefine this after sourcing.
cleanup_extra() { :; }
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done; cleanup_extra; }
trap cleanup EXIT

# require_free_ports PORT... : a server left listening there would be measured instead of the one started here.
require_free_ports() {
  for port in "$@"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "port $port is in use (the script's *_PORT variables choose others)" >&2; exit 1
    fi
  done
}

# build_jar [BENCH_CLASS...] : mvn package when the jar or a bench main class is missing, or a source is newer.
build_jar() {
  local stale=
  [ -f "$JAR" ] && [ -z "$(find src -newer "$JAR" -name '*.java' -print -quit)" ] || stale=1
  for class in "$@"; do [ -f "target/test-classes/com/linqapp/gateway/bench/$class.class" ] || stale=1; done
  if [ -n "$stale" ]; then
    echo "building (mvn -q -B -DskipTests package)..." >&2
    mvn -q -B -DskipTests package
  fi
}

# wait_for URL : until it answers 2xx, at most 30 s.
wait_for() {
  for _ in $(seq 1 150); do curl -sf -o /dev/null "$1" && return 0; sleep 0.2; done
  echo "not up: $1" >&2; return 1
}
