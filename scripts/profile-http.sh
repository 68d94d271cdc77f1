#!/usr/bin/env bash
# Where the demo server's CPU goes per request, per backend: perf samples (Debian's
# linux-perf) of the server process under wrk, as scripts/bench-http.sh runs it (one loop
# pinned to core 0, wrk on core 1, -XX:+UseSerialGC -Xmx512m), with the JIT's symbol map so
# that compiled Java methods have names (-XX:+DumpPerfMapAtExit; -XX:+PreserveFramePointer
# for the call graphs). The C reference server is profiled the same way. Writes
# results/profile.md: per server and load, the share of samples by thread and object
# (kernel, JIT-compiled Java, libc, the JVM), then the top user-space symbols.
#
#   scripts/profile-http.sh     SERVERS="c-epoll panio-epoll panio-epoll-et panio-io_uring" SECONDS_=6
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
SERVERS=${SERVERS:-"c-epoll panio-epoll panio-epoll-et panio-io_uring"}
SECONDS_=${SECONDS_:-6}
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null; }
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
perf record -o /tmp/panio-perf-probe.data -- true >/dev/null 2>&1 || { echo "perf cannot record here; no profile" >&2; exit 1; }
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mkdir -p src/bench/target
gcc -O2 -Wall -o src/bench/target/plaintext_epoll src/bench/c/plaintext_epoll.c -lpthread
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
java=$("$root/scripts/java.sh")
port=18666
out=results/profile.md
{
  echo "# Where the CPU goes: perf profiles of the plaintext server"
  echo
  echo "\`scripts/profile-http.sh\`: perf samples (cpu-clock, ${SECONDS_} s at 2999 Hz) of the server process under"
  echo "wrk, each server one loop pinned to core 0, wrk pinned to core 1, after a warm-up; JVMs with"
  echo "\`-XX:+UseSerialGC -Xmx512m -XX:+PreserveFramePointer\`. Kernel $(uname -r), $("$java" -version 2>&1 | head -1)."
  echo "Shares are of all samples of the process; on loopback the kernel's share includes the TCP receive"
  echo "path of wrk's side, which each send runs."
  echo
} > "$out"
for s in $SERVERS; do
  for load in c256 pipelined16; do
    args=(-c256); [[ $load == pipelined16 ]] && args=(-c256 -s scripts/wrk-pipeline.lua)
    case $s in
      c-epoll) cmd=(src/bench/target/plaintext_epoll $port 1) ;;
      panio-*) cmd=("$java" --enable-native-access=dev.panio -XX:+UseSerialGC -Xmx512m -XX:+UnlockDiagnosticVMOptions
                    -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer
                    --backend "${s#panio-}" --loops 1 --port $port) ;;
    esac
    for _ in $(seq 100); do [[ -z $(ss -Hltn "sport = :$port") ]] && break; sleep 0.1; done
    taskset -c 0 "${cmd[@]}" > /tmp/panio-profile.log 2>&1 &
    pid=$!
    for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/plaintext" && break; sleep 0.1; done
    taskset -c 1 wrk -t1 "${args[@]}" -d10s "http://127.0.0.1:$port/plaintext" > /dev/null || true
    perf record -F 2999 -g -p "$pid" -o /tmp/panio-perf.data -- sleep $((SECONDS_ + 1)) > /dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
    taskset -c 1 wrk -t1 "${args[@]}" -d"${SECONDS_}s" "http://127.0.0.1:$port/plaintext" > /dev/null || true
    wait $perf_pid || true
    kill -TERM $pid 2>/dev/null || true; wait $pid 2>/dev/null || true # the JVM writes its perf map as it exits
    {
      echo "## $s, $load"
      echo
      echo '```'
      # (head closes the pipe early: perf then dies of SIGPIPE, which pipefail would make fatal)
      perf report -i /tmp/panio-perf.data --no-children --sort comm,dso -g none 2>/dev/null | grep -v '^#' | grep -v '^$' | head -8 || true
      echo
      perf report -i /tmp/panio-perf.data --no-children --sort dso,sym -g none 2>/dev/null | grep -v '^#' | grep -v '^$' \
        | grep -v 'kernel.kallsyms' | head -14 | cut -c1-160 || true
      echo '```'
      echo
    } >> "$out"
  done
done
cat "$out"
