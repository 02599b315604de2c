#!/usr/bin/env bash
# Builds the server and the benchmarks, then runs the JMH suite and the HTTP load harness with
# defaults that fit a few minutes on 2 cores. Results go to scimd-bench/target/results/ (JMH JSON + load table).
# Usage: bench/run-all.sh [--quick]        --quick: 10,000 users, short runs (a smoke, not figures)
# Environment: JMH_ARGS (extra JMH options, e.g. a benchmark regex), LOAD_ARGS (extra LoadRun options).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
java="$("$root/bin/find-java")"
out="$root/scimd-bench/target/results"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"

users=100000 seconds=10 jmh_extra=()
if [ "${1:-}" = "--quick" ]; then
  users=10000 seconds=3
  jmh_extra=(-wi 1 -i 1 -w 1s -r 1s -p users=10000)
fi

echo "== build" >&2
./mvnw -q -B -Pbench -DskipTests package
mkdir -p "$out"

echo "== JMH (results: $out/jmh-$stamp.json)" >&2
# shellcheck disable=SC2086
"$java" -jar scimd-bench/target/benchmarks.jar "${jmh_extra[@]}" \
  -rf json -rff "$out/jmh-$stamp.json" ${JMH_ARGS:-}

echo "== load (results: $out/load-$stamp.md)" >&2
# shellcheck disable=SC2086
"$java" -cp scimd-bench/target/benchmarks.jar io.scimd.bench.LoadRun \
  --users "$users" --seconds "$seconds" --concurrency 16 \
  --out "$out/load-$stamp.md" ${LOAD_ARGS:-}
