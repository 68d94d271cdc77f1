#!/usr/bin/env bash
# UDP request/response on loopback: panio's datagram channels (DemoServer --mode udp, which
# echoes each datagram to its sender through recvmmsg batches) on its readiness and io_uring
# backends, against the JDK's DatagramChannel (a blocking receive/send loop) and Netty 4.2's
# epoll and io_uring datagram channels (src/bench, a benchmark-only build). Every server runs
# one loop pinned to core 0 with the same JVM flags; the load generator (src/test/load/
# UdpLoad.java, the JDK alone) runs in a separate process pinned to core 1 and keeps WINDOW
# datagrams of SIZE bytes in flight.
#
# Reported per server: median datagrams answered per second, and the server's CPU time per
# datagram (utime+stime from /proc/<pid>/stat over the run, divided by datagrams answered),
# with ratios to Netty epoll; ROUNDS interleaved rounds of DURATION seconds.
#
#   scripts/bench-udp.sh      ROUNDS=3 DURATION=10 WINDOW=64 SIZE=64 SERVERS="..." to change
# Writes results/udp-raw.txt and results/udp.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; WINDOW=${WINDOW:-64}; SIZE=${SIZE:-64}
SERVERS=${SERVERS:-"panio-epoll panio-epoll-et panio-io_uring jdk netty-epoll netty-io_uring"}
JVM_OPTS=(-Xms64m -Xmx1g)
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
mvn -B -q -DskipTests package
mvn -B -q -f src/bench/pom.xml package
jar=$(ls target/panio-*.jar | head -1)
servers_jar=src/bench/target/bench-servers.jar
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18667
mkdir -p results
raw=results/udp-raw.txt
: > "$raw"

start_server() { # name
  local cmd
  case $1 in
    panio-*) cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer
                  --mode udp --backend "${1#panio-}" --loops 1 --port $port) ;;
    jdk)     cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.JdkUdpEchoServer $port) ;;
    netty-*) cmd=("$java" --enable-native-access=ALL-UNNAMED "${JVM_OPTS[@]}" -cp "$servers_jar"
                  dev.panio.bench.servers.NettyUdpEchoServer "${1#netty-}" $port) ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do grep -q "udp echo on" "/tmp/panio-bench-$1.log" 2>/dev/null && return; sleep 0.1; done
  echo "$1 did not start:" >&2; cat "/tmp/panio-bench-$1.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }

for round in $(seq 1 "$ROUNDS"); do
  for s in $SERVERS; do
    start_server "$s"
    taskset -c 1 "$java" src/test/load/UdpLoad.java 127.0.0.1 $port "$WINDOW" 3 "$SIZE" > /dev/null # warm-up
    c0=$(cpu)
    out=$(taskset -c 1 "$java" src/test/load/UdpLoad.java 127.0.0.1 $port "$WINDOW" "$DURATION" "$SIZE")
    c1=$(cpu)
    stop_server
    n=$(echo "$out" | sed -n 's/.*responses=\([0-9]*\).*/\1/p')
    rps=$(echo "$out" | sed -n 's/.*rps=\([0-9]*\).*/\1/p')
    lost=$(echo "$out" | sed -n 's/.*lost=\([0-9]*\).*/\1/p')
    per=$(awk -v c=$((c1 - c0)) -v t="$tick" -v r="$n" 'BEGIN { printf "%.3f", c / t * 1e6 / r }')
    echo "$s $rps $per $lost" | tee -a "$raw"
  done
done

python3 - "$raw" "$ROUNDS" "$DURATION" "$WINDOW" "$SIZE" "$(uname -r)" "$("$java" -version 2>&1 | head -1)" > results/udp.md <<'PY'
import sys, statistics
raw, rounds, dur, window, size, kernel, jdk = sys.argv[1:8]
rows, order = {}, []
for line in open(raw):
    s, rps, cpu, lost = line.split()
    if s not in order:
        order.append(s)
    rows.setdefault(s, []).append((float(rps), float(cpu), int(lost)))
med = {s: (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), sum(x[2] for x in v)) for s, v in rows.items()}
ref = med.get('netty-epoll')
print(f"UDP echo on loopback: each server one loop pinned to core 0, the load generator (UdpLoad, JDK "
      f"DatagramChannel) in a separate process pinned to core 1 with {window} datagrams of {size} bytes in flight; "
      f"{rounds} interleaved rounds of {dur} s; medians. Every JVM with -Xms64m -Xmx1g. Kernel {kernel}, {jdk}. "
      f"CPU/datagram is the server's utime+stime over the run divided by datagrams answered; ratios are to Netty "
      f"epoll (datagrams/s: higher is better; CPU/datagram: lower is better). Lost: datagrams the load "
      f"generator replaced after 200 ms without an answer, over all rounds.\n")
print("| server | datagrams/s | CPU µs/datagram | datagrams/s vs Netty epoll | CPU/datagram vs Netty epoll | lost |")
print("|---|---:|---:|---:|---:|---:|")
for s in order:
    r, c, l = med[s]
    rr = f"{r / ref[0]:.2f}x" if ref else "-"
    rc = f"{c / ref[1]:.2f}x" if ref else "-"
    print(f"| {s} | {r:,.0f} | {c:.2f} | {rr} | {rc} | {l} |")
PY
cat results/udp.md
