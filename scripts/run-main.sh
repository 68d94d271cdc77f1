#!/usr/bin/env bash
# Builds panio if its sources changed and runs a main class of module dev.panio on a
# JDK 22+: scripts/run-main.sh dev.panio.demo.DemoServer --port 8080
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
main=$1; shift
jar=$(ls target/panio-*.jar 2>/dev/null | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1 || true)
if [[ -z $jar || -n $(find src/main pom.xml panio-pom.xml -newer "$jar" -print -quit) ]]; then
  mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
  jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
fi
java=$("$root/scripts/java.sh")
exec "$java" --enable-native-access=dev.panio -p "$jar:target/lib" -m "dev.panio/$main" "$@"
