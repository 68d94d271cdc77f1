#!/usr/bin/env bash
# UDP on loopback, two ways: request/response (MODE=rr: echo, each datagram back to its
# sender) and one-way throughput (MODE=oneway: the server only counts what it takes). panio's
# datagram channels (DemoServer --mode udp / udp-sink) on its readiness and io_uring
# backends, against the JDK's DatagramChannel (a blocking receive loop) and Netty 4.2's
# epoll and io_uring datagram channels (src/bench, a benchmark-only build). panio runs
# with and without its batched receive: panio-epoll takes up to 16 datagrams per recvmmsg,
# panio-epoll-batch1 one per call (-Dpanio.datagram.batch=1); panio-io_uring receives with
# one multishot RECVMSG, panio-io_uring-recvmmsg with POLL_ADD readiness and recvmmsg
# (-Dpanio.uring.mask=RECV_MULTISHOT, as on a kernel before 6.0). Every server runs one loop
# pinned to core 0 with the same JVM flags (those two -D settings aside); the load generator
# runs in a separate process pinned to core 1, on the JDK alone: src/test/load/UdpLoad.java
# keeps WINDOW datagrams of SIZE bytes in flight (rr), src/test/load/UdpBlast.java sends as
# fast as one thread can and asks the server's count before and after (oneway).
#
# Reported per server: median datagrams per second (answered, or taken by the server), and
# the server's CPU time per datagram (utime+stime from /proc/<pid>/stat over the run,
# divided by those datagrams), with ratios to Netty epoll; ROUNDS interleaved rounds of
# DURATION seconds.
#
#   scripts/bench-udp.sh      ROUNDS=3 DURATION=10 WINDOW=64 SIZE=64 MODES="rr oneway" SERVERS="..."
# Writes results/udp-raw.txt and results/udp.md. UDP GSO/GRO are not measured here: the JDK
# load generators cannot send with UDP_SEGMENT (see README, UDP).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; WINDOW=${WINDOW:-64}; SIZE=${SIZE:-64}; MODES=${MODES:-"rr oneway"}
SERVERS=${SERVERS:-"panio-epoll panio-epoll-batch1 panio-io_uring panio-io_uring-recvmmsg jdk netty-epoll netty-io_uring"}
JVM_OPTS=(-Xms64m -Xmx1g)
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mvn -B -q -f src/bench/pom.xml package
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
servers_jar=src/bench/target/bench-servers.jar
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18667
mkdir -p results
raw=results/udp-raw.txt
: > "$raw"

start_server() { # name mode
  local cmd panio_mode=udp extra=() backend sink=()
  if [ "$2" = oneway ]; then panio_mode=udp-sink; sink=(sink); fi
  case $1 in
    panio-*)
      backend=${1#panio-}
      case $backend in
        epoll-batch1) backend=epoll; extra=(-Dpanio.datagram.batch=1) ;;
        io_uring-recvmmsg) backend=io_uring; extra=(-Dpanio.uring.mask=RECV_MULTISHOT) ;;
      esac
      cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" "${extra[@]}" -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer
           --mode $panio_mode --backend "$backend" --loops 1 --port $port) ;;
    jdk)     cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.JdkUdpEchoServer $port "${sink[@]}") ;;
    netty-*) cmd=("$java" --enable-native-access=ALL-UNNAMED "${JVM_OPTS[@]}" -cp "$servers_jar"
                  dev.panio.bench.servers.NettyUdpEchoServer "${1#netty-}" $port "${sink[@]}") ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do grep -Eq "udp (echo|sink) on" "/tmp/panio-bench-$1.log" 2>/dev/null && return; sleep 0.1; done
  echo "$1 did not start:" >&2; cat "/tmp/panio-bench-$1.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }

for mode in $MODES; do
  for round in $(seq 1 "$ROUNDS"); do
    for s in $SERVERS; do
      start_server "$s" "$mode"
      if [ "$mode" = rr ]; then
        taskset -c 1 "$java" src/test/load/UdpLoad.java 127.0.0.1 $port "$WINDOW" 3 "$SIZE" > /dev/null # warm-up
        c0=$(cpu)
        out=$(taskset -c 1 "$java" src/test/load/UdpLoad.java 127.0.0.1 $port "$WINDOW" "$DURATION" "$SIZE")
        c1=$(cpu)
        n=$(echo "$out" | sed -n 's/.*responses=\([0-9]*\).*/\1/p')
        rate=$(echo "$out" | sed -n 's/.*rps=\([0-9]*\).*/\1/p')
        extra=$(echo "$out" | sed -n 's/.*lost=\([0-9]*\).*/\1/p')
      else
        taskset -c 1 "$java" src/test/load/UdpBlast.java 127.0.0.1 $port 3 "$SIZE" > /dev/null # warm-up
        c0=$(cpu)
        out=$(taskset -c 1 "$java" src/test/load/UdpBlast.java 127.0.0.1 $port "$DURATION" "$SIZE")
        c1=$(cpu)
        n=$(echo "$out" | sed -n 's/.*received=\([0-9]*\).*/\1/p')
        rate=$(echo "$out" | sed -n 's/.*rate=\([0-9]*\).*/\1/p')
        sent=$(echo "$out" | sed -n 's/.*sent=\([0-9]*\).*/\1/p')
        extra=$(awk -v s="$sent" -v r="$n" 'BEGIN { printf "%.0f", (s > 0 ? 100 * (s - r) / s : 0) }') # % not taken
      fi
      stop_server
      per=$(awk -v c=$((c1 - c0)) -v t="$tick" -v r="$n" 'BEGIN { printf "%.3f", c / t * 1e6 / r }')
      echo "$mode $s $rate $per $extra" | tee -a "$raw"
    done
  done
done

python3 - "$raw" "$ROUNDS" "$DURATION" "$WINDOW" "$SIZE" "$(uname -r)" "$("$java" -version 2>&1 | head -1)" > results/udp.md <<'PY'
import sys, statistics
raw, rounds, dur, window, size, kernel, jdk = sys.argv[1:8]
rows, order = {}, {}
for line in open(raw):
    mode, s, rate, cpu, extra = line.split()
    order.setdefault(mode, [])
    if s not in order[mode]:
        order[mode].append(s)
    rows.setdefault((mode, s), []).append((float(rate), float(cpu), int(extra)))
print(f"UDP on loopback: each server one loop pinned to core 0, the load generator (JDK DatagramChannel) in a separate "
      f"process pinned to core 1; {size}-byte datagrams; {rounds} interleaved rounds of {dur} s; medians. Every JVM with "
      f"-Xms64m -Xmx1g. Kernel {kernel}, {jdk}. CPU/datagram is the server's utime+stime over the run divided by "
      f"the datagrams it answered (request/response) or took (one-way); ratios are to Netty epoll (datagrams/s: higher "
      f"is better; CPU/datagram: lower is better). panio-epoll receives up to 16 datagrams per recvmmsg, panio-epoll-batch1 "
      f"one per call; panio-io_uring with one multishot RECVMSG, panio-io_uring-recvmmsg with POLL_ADD and recvmmsg "
      f"(the path of kernels before 6.0).\n")
titles = {'rr': f"### Request/response ({window} datagrams in flight)\n\nLost: datagrams the load generator replaced after "
                f"200 ms without an answer, over all rounds.\n",
          'oneway': "### One-way throughput (the load generator sends as fast as one thread can)\n\nNot taken: the share of "
                    "datagrams sent that the server did not take (its socket buffer overflowed), median.\n"}
for mode in order:
    print(titles.get(mode, mode))
    last = "lost" if mode == 'rr' else "not taken"
    print(f"| server | datagrams/s | CPU µs/datagram | datagrams/s vs Netty epoll | CPU/datagram vs Netty epoll | {last} |")
    print("|---|---:|---:|---:|---:|---:|")
    med = {}
    for s in order[mode]:
        v = rows[(mode, s)]
        e = sum(x[2] for x in v) if mode == 'rr' else statistics.median(x[2] for x in v)
        med[s] = (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), e)
    ref = med.get('netty-epoll')
    for s in order[mode]:
        r, c, e = med[s]
        rr = f"{r / ref[0]:.2f}x" if ref else "-"
        rc = f"{c / ref[1]:.2f}x" if ref else "-"
        tail = f"{e:.0f}" if mode == 'rr' else f"{e:.0f} %"
        print(f"| {s} | {r:,.0f} | {c:.2f} | {rr} | {rc} | {tail} |")
    print()
PY
cat results/udp.md
