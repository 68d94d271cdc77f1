#!/usr/bin/env bash
# Runs panio-testkit's fault proxy as a command, for applications not written in Java:
#   scripts/fault-proxy.sh --upstream 127.0.0.1:8080 --listen 127.0.0.1:9090 \
#       --fault 'to-client latency delay=100ms jitter=20ms' --fault 'to-upstream reset bytes=1000 toxicity=0.1'
# then type commands (help lists them) to change faults while connections are live.
# Builds panio and panio-testkit first if their sources changed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
jar=$(ls target/testkit/panio-testkit-*.jar 2>/dev/null | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1 || true)
if [[ -z $jar || -z $(ls target/panio-*.jar 2>/dev/null | grep -Ev -- '-(sources|javadoc)\.jar$') \
      || -n $(find src/main src/testkit pom.xml panio-pom.xml testkit-pom.xml -newer "$jar" -print -quit) ]]; then
  mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package >&2
  jar=$(ls target/testkit/panio-testkit-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
fi
panio=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
java=$("$root/scripts/java.sh")
# the class path (not the module path): the proxy needs neither JUnit nor the testkit's extensions
exec "$java" --enable-native-access=ALL-UNNAMED -cp "$jar:$panio:target/lib/*" dev.panio.testkit.proxy.FaultProxyCommand "$@"
