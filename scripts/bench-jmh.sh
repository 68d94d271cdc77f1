#!/usr/bin/env bash
# Builds and runs panio's JMH benchmarks with the GC profiler; writes the report to
# results/jmh-<name>.txt. Not part of the test suite.
#   scripts/bench-jmh.sh                 all benchmarks
#   scripts/bench-jmh.sh SyscallBench    only those matching a JMH regex
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
filter=${1:-.}
name=${2:-$(echo "$filter" | tr -c 'A-Za-z0-9\n' '_' | sed 's/^_*$/all/')}
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true install
mvn -B -q -f src/jmh/pom.xml package
java=$("$root/scripts/java.sh")
mkdir -p results
{
  echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(uname -r) $(nproc) cores, $("$java" -version 2>&1 | head -1)"
  "$java" --enable-native-access=ALL-UNNAMED -jar src/jmh/target/benchmarks.jar "$filter" -prof gc -rf text -rff /dev/null 2>&1 \
    | sed -n '/^Benchmark /,$p' | grep -vE 'gc\.(count|time|alloc\.rate )|result is saved'
} | tee "results/jmh-$name.txt"
