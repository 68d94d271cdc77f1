#!/usr/bin/env bash
# The coroutine model against its references over loopback, in two workloads:
#  echo: TCP echo, one SIZE-byte message in flight per connection (load:
#        src/test/load/ManyConnectionsEchoLoad.java, JDK NIO, one thread);
#  http: GET /plaintext with keep-alive (load: wrk -t1, Debian's package).
# Servers: panio's coroutine servers (dev.panio.demo.CoroutineEchoServer / the demo server's
# --backend virtual, CoroutineHttpServer: a virtual thread per connection in straight-line
# Blocking calls, parked on panio's epoll poller), the echo one also with every read and
# write handed to io_uring (--io uring: UringBlocking, the completion model); the same
# straight-line servers on the JDK's own virtual-thread sockets (src/bench
# JdkVirtualEchoServer, JdkVirtualPlaintextServer: java.net.ServerSocket, streams, the
# JDK's poller); panio's epoll reactor (DemoServer --backend epoll --loops 1); and for echo
# the reactor's thread-per-connection virtual backend (--backend virtual-reactor). Every
# server runs pinned to core 0 (one carrier for the virtual threads) with the same JVM
# flags; the load runs in a separate process pinned to core 1.
#
# For CONNECTIONS of 1,000 and 10,000: median requests (messages) per second and the
# server's CPU time per request (utime+stime from /proc/<pid>/stat over the run), ratios to
# the JDK virtual-thread server; and resident memory per connection (VmRSS with every
# connection open, less VmRSS after start, divided by the connections: idle for echo,
# half-way through the run for http). ROUNDS interleaved rounds of DURATION seconds.
#
#   scripts/bench-coroutine.sh    ROUNDS=3 DURATION=10 SIZE=64 CONNS="1000 10000" MODES="echo http"
#                                 ECHO_SERVERS="..." HTTP_SERVERS="..."
# Writes results/coroutine-raw.txt and results/coroutine.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; SIZE=${SIZE:-64}; CONNS=${CONNS:-"1000 10000"}
MODES=${MODES:-"echo http"}
ECHO_SERVERS=${ECHO_SERVERS:-"panio-coroutine panio-coroutine-uring jdk-virtual panio-epoll panio-virtual-reactor"}
HTTP_SERVERS=${HTTP_SERVERS:-"panio-coroutine jdk-virtual panio-epoll"}
JVM_OPTS=(-Xms64m -Xmx1g)
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
case " $MODES " in *" http "*) command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; } ;; esac
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mvn -B -q -f src/bench/pom.xml package
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
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

start_server() { # mode name
  local cmd panio=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib" -m)
  case $1/$2 in
    echo/panio-coroutine) cmd=("${panio[@]}" dev.panio/dev.panio.demo.CoroutineEchoServer --port $port) ;;
    echo/panio-coroutine-uring) cmd=("${panio[@]}" dev.panio/dev.panio.demo.CoroutineEchoServer --io uring --port $port) ;;
    echo/panio-epoll|http/panio-epoll) cmd=("${panio[@]}" dev.panio/dev.panio.demo.DemoServer --mode "$1" --backend epoll --loops 1 --port $port) ;;
    echo/panio-virtual-reactor) cmd=("${panio[@]}" dev.panio/dev.panio.demo.DemoServer --mode echo --backend virtual-reactor --loops 1 --port $port) ;;
    http/panio-coroutine) cmd=("${panio[@]}" dev.panio/dev.panio.demo.DemoServer --mode http --backend virtual --port $port) ;;
    echo/jdk-virtual) cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.JdkVirtualEchoServer $port) ;;
    http/jdk-virtual) cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.JdkVirtualPlaintextServer $port) ;;
    *) echo "unknown server $2 for $1" >&2; exit 1 ;;
  esac
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$2.log" 2>&1 &
  pid=$!
  for _ in $(seq 300); do grep -Eq "(echo|plaintext|http) (server )?on" "/tmp/panio-bench-$2.log" 2>/dev/null && return; sleep 0.1; done
  echo "$2 did not start:" >&2; cat "/tmp/panio-bench-$2.log" >&2; exit 1
}
stop_server() { kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; }
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
rss_kb() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; }

run_echo() { # server conns: prints "rate per-request-µs rss-per-connection failed"
  start_server echo "$1"
  sleep 1
  rss0=$(rss_kb)
  out=$(mktemp)
  taskset -c 1 "$java" src/test/load/ManyConnectionsEchoLoad.java 127.0.0.1 $port "$2" "$DURATION" "$SIZE" < "$fifo" > "$out" 2>&1 &
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
  [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$1 with $2 connections: no result" >&2; exit 1; }
  echo "$rate $(per_request $((c1 - c0)) "$n") $(awk -v a="$rss0" -v b="$rss1" -v n="$2" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') $failed"
}

run_http() { # server conns
  start_server http "$1"
  sleep 1
  rss0=$(rss_kb)
  out=$(mktemp)
  c0=$(cpu)
  taskset -c 1 wrk -t1 -c"$2" -d"${DURATION}s" --timeout 10s "http://127.0.0.1:$port/plaintext" > "$out" 2>&1 &
  lpid=$!
  sleep "$(awk -v d="$DURATION" 'BEGIN { print d / 2 }')"
  rss1=$(rss_kb)
  wait "$lpid" || true
  c1=$(cpu)
  stop_server
  n=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$out")
  rate=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' "$out")
  errors=$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10; f=1} END { if (!f) print 0 }' "$out")
  non2xx=$(awk '/Non-2xx/ {print $NF; f=1} END { if (!f) print 0 }' "$out")
  rm -f "$out"
  [ -n "$n" ] && [ "$n" -gt 0 ] || { echo "$1 with $2 connections: no result" >&2; exit 1; }
  echo "$rate $(per_request $((c1 - c0)) "$n") $(awk -v a="$rss0" -v b="$rss1" -v n="$2" 'BEGIN { printf "%.0f", (b - a) * 1024 / n }') $((errors + non2xx))"
}
per_request() { awk -v c="$1" -v t="$tick" -v r="$2" 'BEGIN { printf "%.3f", c / t * 1e6 / r }'; }

for mode in $MODES; do
  servers=$ECHO_SERVERS
  [ "$mode" = http ] && servers=$HTTP_SERVERS
  for conns in $CONNS; do
    for round in $(seq 1 "$ROUNDS"); do
      for s in $servers; do
        echo "$mode $conns $s $(run_$mode "$s" "$conns")" | tee -a "$raw"
      done
    done
  done
done

python3 - "$raw" "$ROUNDS" "$DURATION" "$SIZE" "$(uname -r)" "$("$java" -version 2>&1 | head -1)" > results/coroutine.md <<'PY'
import sys, statistics
raw, rounds, dur, size, kernel, jdk = sys.argv[1:7]
rows, order, conns, modes = {}, {}, [], []
for line in open(raw):
    m, c, s, rate, cpu, perconn, failed = line.split()
    order.setdefault(m, [])
    if s not in order[m]: order[m].append(s)
    if c not in conns: conns.append(c)
    if m not in modes: modes.append(m)
    rows.setdefault((m, c, s), []).append((float(rate), float(cpu), float(perconn), int(failed)))
print(f"Each server pinned to core 0 (one carrier for virtual threads), the load in a separate process pinned to core 1; "
      f"{rounds} interleaved rounds of {dur} s, medians. Every JVM with -Xms64m -Xmx1g. Kernel {kernel}, {jdk}. "
      f"CPU/request is the server's utime+stime over the run divided by the requests (messages) answered; "
      f"memory/connection is VmRSS with every connection open (echo: idle; http: half-way through the run), less VmRSS "
      f"after start, per connection. Ratios are to the JDK virtual-thread server (lower CPU and memory are better); "
      f"failed counts the load generator's errors. Written by scripts/bench-coroutine.sh.\n")
titles = {"echo": f"TCP echo, one {size}-byte message in flight per connection (ManyConnectionsEchoLoad, JDK NIO, one thread)",
          "http": "HTTP GET /plaintext, keep-alive (wrk -t1); the JDK server counts requests at each blank line without parsing headers"}
for m in modes:
    print(f"## {titles.get(m, m)}\n")
    for c in conns:
        print(f"### {m}, {int(c):,} connections\n")
        print("| server | requests/s | CPU µs/request | CPU vs JDK virtual | memory/connection | failed |")
        print("|---|---:|---:|---:|---:|---:|")
        med = {s: tuple(statistics.median(x[i] for x in rows[(m, c, s)]) for i in range(3)) + (sum(x[3] for x in rows[(m, c, s)]),)
               for s in order[m] if (m, c, s) in rows}
        ref = med.get('jdk-virtual')
        for s in order[m]:
            if s not in med: continue
            r, cpu, mem, f = med[s]
            rc = f"{cpu / ref[1]:.2f}x" if ref else "-"
            print(f"| {s} | {r:,.0f} | {cpu:.2f} | {rc} | {mem / 1024:,.1f} KiB | {f} |")
        print()
PY
cat results/coroutine.md
