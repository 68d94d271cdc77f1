#!/usr/bin/env bash
# The coroutine model against its references, on TCP echo over loopback: panio's coroutine
# server (dev.panio.demo.CoroutineEchoServer: a virtual thread per connection in
# straight-line Blocking calls, parked on panio's epoll poller), the same server on the
# JDK's own virtual-thread sockets (src/bench JdkVirtualEchoServer: java.net.ServerSocket,
# streams, the JDK's poller), panio's epoll reactor (DemoServer --mode echo --backend
# epoll) and the reactor's thread-per-connection virtual backend (--backend virtual). Every
# server runs pinned to core 0 (one carrier for the virtual threads) with the same JVM
# flags; the load generator (src/test/load/ManyConnectionsEchoLoad.java, JDK NIO, one thread) runs in a
# separate process pinned to core 1 with one SIZE-byte message in flight per connection.
#
# For CONNECTIONS of 1,000 and 10,000: median messages echoed per second and the server's
# CPU time per message (utime+stime from /proc/<pid>/stat over the run), ratios to the JDK
# virtual-thread server; and resident memory per connection (VmRSS with every connection
# open and idle, less VmRSS after start, divided by the connections). ROUNDS interleaved
# rounds of DURATION seconds.
#
#   scripts/bench-coroutine.sh    ROUNDS=3 DURATION=10 SIZE=64 CONNS="1000 10000" SERVERS="..."
# Writes results/coroutine-raw.txt and results/coroutine.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; SIZE=${SIZE:-64}; CONNS=${CONNS:-"1000 10000"}
SERVERS=${SERVERS:-"panio-coroutine jdk-virtual panio-epoll panio-virtual"}
JVM_OPTS=(-Xms64m -Xmx1g)
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
mvn -B -q -DskipTests package
mvn -B -q -f src/bench/pom.xml package
jar=$(ls target/panio-*.jar | head -1)
servers_jar=src/bench/target/bench-servers.jar
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18668
mkdir -p results
raw=results/coroutine-raw.txt
: > "$raw"
ulimit -n "$(ulimit -Hn)"
fifo=$(mktemp -u /tmp/panio-echoload.XXXXXX)
mkfifo "$fifo"
trap 'rm -f "$fifo"' EXIT

start_server() { # name
  local cmd
  case $1 in
    panio-coroutine) cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib"
                          -m dev.panio/dev.panio.demo.CoroutineEchoServer --port $port) ;;
    panio-epoll|panio-virtual) cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib"
                          -m dev.panio/dev.panio.demo.DemoServer --mode echo --backend "${1#panio-}" --loops 1 --port $port) ;;
    jdk-virtual) cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.JdkVirtualEchoServer $port) ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -Eq "echo (server )?on" "/tmp/panio-bench-$1.log" 2>/dev/null && return; sleep 0.1; done
  echo "$1 did not start:" >&2; cat "/tmp/panio-bench-$1.log" >&2; exit 1
}
stop_server() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; }
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }

for conns in $CONNS; do
  for round in $(seq 1 "$ROUNDS"); do
    for s in $SERVERS; do
      start_server "$s"
      sleep 1
      rss0=$(rss_kb)
      out=$(mktemp)
      taskset -c 1 "$java" src/test/load/ManyConnectionsEchoLoad.java 127.0.0.1 $port "$conns" "$DURATION" "$SIZE" < "$fifo" > "$out" 2>&1 &
      lpid=$!
      exec 3> "$fifo"
      for _ in $(seq 1200); do grep -q "^connected" "$out" && break; sleep 0.1; done
      sleep 2 # every connection accepted and idle
      rss1=$(rss_kb)
      c0=$(cpu)
      echo >&3
      exec 3>&-
      wait "$lpid" || true
      c1=$(cpu)
      stop_server
      n=$(sed -n 's/.*messages=\([0-9]*\).*/\1/p' "$out")
      rate=$(sed -n 's/.*rate=\([0-9]*\).*/\1/p' "$out")
      failed=$(sed -n 's/.*failed=\([0-9]*\).*/\1/p' "$out")
      rm -f "$out"
      [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$s with $conns connections: no result" >&2; exit 1; }
      per=$(awk -v c=$((c1 - c0)) -v t="$tick" -v r="$n" 'BEGIN { printf "%.3f", c / t * 1e6 / r }')
      perconn=$(awk -v a="$rss0" -v b="$rss1" -v n="$conns" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }')
      echo "$conns $s $rate $per $perconn $failed" | tee -a "$raw"
    done
  done
done

python3 - "$raw" "$ROUNDS" "$DURATION" "$SIZE" "$(uname -r)" "$("$java" -version 2>&1 | head -1)" > results/coroutine.md <<'PY'
import sys, statistics
raw, rounds, dur, size, kernel, jdk = sys.argv[1:7]
rows, order, conns = {}, [], []
for line in open(raw):
    c, s, rate, cpu, perconn, failed = line.split()
    if s not in order: order.append(s)
    if c not in conns: conns.append(c)
    rows.setdefault((c, s), []).append((float(rate), float(cpu), float(perconn), int(failed)))
print(f"TCP echo on loopback, one {size}-byte message in flight per connection: each server pinned to core 0 "
      f"(one carrier for virtual threads), the load generator (ManyConnectionsEchoLoad, JDK NIO, one thread) in a separate process "
      f"pinned to core 1; {rounds} interleaved rounds of {dur} s, medians. Every JVM with -Xms64m -Xmx1g. "
      f"Kernel {kernel}, {jdk}. CPU/message is the server's utime+stime over the run divided by messages echoed; "
      f"memory/connection is VmRSS with every connection open and idle, less VmRSS after start, per connection. "
      f"Ratios are to the JDK virtual-thread server (lower CPU and memory are better).\n")
for c in conns:
    print(f"### {int(c):,} connections\n")
    print("| server | messages/s | CPU µs/message | CPU vs JDK virtual | memory/connection | failed |")
    print("|---|---:|---:|---:|---:|---:|")
    med = {s: tuple(statistics.median(x[i] for x in rows[(c, s)]) for i in range(3)) + (sum(x[3] for x in rows[(c, s)]),)
           for s in order if (c, s) in rows}
    ref = med.get('jdk-virtual')
    for s in order:
        if s not in med: continue
        r, cpu, mem, f = med[s]
        rc = f"{cpu / ref[1]:.2f}x" if ref else "-"
        print(f"| {s} | {r:,.0f} | {cpu:.2f} | {rc} | {mem / 1024:,.1f} KiB | {f} |")
    print()
PY
cat results/coroutine.md
