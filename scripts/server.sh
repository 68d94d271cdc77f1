#!/usr/bin/env bash
# Builds panio if needed and starts the demo reactor server (HTTP on 127.0.0.1:8080 by
# default; --help lists the options). Ctrl-C stops it gracefully.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jar=$(ls target/panio-*.jar 2>/dev/null | head -1 || true)
if [[ -z $jar || -n $(find src/main pom.xml -newer "$jar" -print -quit) ]]; then
  mvn -B -q -DskipTests package
  jar=$(ls target/panio-*.jar | head -1)
fi
java=$("$root/scripts/java.sh")
exec "$java" --enable-native-access=dev.panio -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer "$@"
