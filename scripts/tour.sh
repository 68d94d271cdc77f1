#!/usr/bin/env bash
# Builds panio if needed and runs a tour of the Linux I/O models on real fds.
# Usage: scripts/demo.sh [number of idle fds for the multiplexing step]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jar=$(ls target/panio-*.jar 2>/dev/null | head -1 || true)
if [[ -z $jar || -n $(find src/main pom.xml -newer "$jar" -print -quit) ]]; then
  mvn -B -q -DskipTests package
  jar=$(ls target/panio-*.jar | head -1)
fi
java=$("$root/scripts/java.sh")
exec "$java" --enable-native-access=dev.panio -p "$jar:target/lib" -m dev.panio/dev.panio.demo.IoModelsTour "$@"
