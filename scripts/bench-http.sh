#!/usr/bin/env bash
# The demo server against what a user would pick instead, on the TechEmpower-style
# plaintext response, over loopback: panio's demo server on several backends, a plain
# JDK NIO Selector server and Netty 4.2 on its epoll and io_uring transports (both from
# src/bench, a benchmark-only build; Netty never enters panio's jar). Every server runs one
# event loop pinned to core 0; wrk (Debian's package) runs pinned to core 1.
#
# Loads: wrk -c64 and -c256, and -c64 with 16 pipelined requests per write
# (scripts/wrk-pipeline.lua), DURATION seconds each after a warm-up, servers interleaved
# over ROUNDS rounds. Reported per load and server: median requests/s, median p99 latency,
# and the server's CPU time per request (utime+stime from /proc/<pid>/stat over the run,
# divided by requests: wrk saturates its own core first, so this is the figure that tells
# servers apart), with ratios to Netty epoll; for panio also heap bytes allocated per
# request by the loop thread (LoopMetrics.allocatedBytes via /stats). Then each server's
# resident memory (VmRSS) before and with IDLE idle keep-alive connections, the client in
# a separate process (src/test/load/IdleHttp.java).
#
#   scripts/bench-http.sh      ROUNDS=3 DURATION=10 IDLE=10000 SERVERS="..." to change
# Writes results/http-raw.txt, results/http-rss.txt and results/http.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; IDLE=${IDLE:-10000}
SERVERS=${SERVERS:-"panio-epoll panio-epoll-et panio-io_uring nio netty-epoll netty-io_uring"}
JVM_OPTS=(-Xms64m -Xmx1g) # the same heap bounds for every server, so resident memory compares
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
command -v curl >/dev/null || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mvn -B -q -f src/bench/pom.xml package
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
servers_jar=src/bench/target/bench-servers.jar
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18666
mkdir -p results
raw=results/http-raw.txt
rss=results/http-rss.txt
: > "$raw"
: > "$rss"

start_server() { # name
  local cmd
  case $1 in
    panio-*) cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer
                  --backend "${1#panio-}" --loops 1 --port $port) ;;
    nio)     cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.NioPlaintextServer $port) ;;
    netty-*) cmd=("$java" --enable-native-access=ALL-UNNAMED "${JVM_OPTS[@]}" -cp "$servers_jar"
                  dev.panio.bench.servers.NettyPlaintextServer "${1#netty-}" $port) ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do curl -sf -o /dev/null "http://127.0.0.1:$port/plaintext" && return; sleep 0.1; done
  echo "$1 did not start:" >&2; cat "/tmp/panio-bench-$1.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
}
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
allocated() { # heap bytes the panio loop threads allocated so far; - for other servers
  case $1 in
    panio-*) curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(sum(l["allocatedBytes"] for l in json.load(sys.stdin)["loops"]))' ;;
    *) echo - ;;
  esac
}
measure() { # name load wrk-args...
  local name=$1 load=$2; shift 2
  local a0 a1 c0 c1 out reqs rps p99 per alloc
  a0=$(allocated "$name"); c0=$(cpu)
  out=$(taskset -c 1 wrk -t1 "$@" -d"${DURATION}s" --latency "http://127.0.0.1:$port/plaintext")
  c1=$(cpu); a1=$(allocated "$name")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  per=$(awk -v c=$((c1 - c0)) -v t="$tick" -v r="$reqs" 'BEGIN { printf "%.3f", c / t * 1e6 / r }')
  alloc=$([[ $a0 == - ]] && echo - || awk -v a=$((a1 - a0)) -v r="$reqs" 'BEGIN { printf "%.2f", a / r }')
  echo "$load $name $rps $p99 $per $alloc" | tee -a "$raw"
}

for round in $(seq 1 "$ROUNDS"); do
  for s in $SERVERS; do
    start_server "$s"
    taskset -c 1 wrk -t1 -c64 -d3s "http://127.0.0.1:$port/plaintext" > /dev/null # warm-up
    measure "$s" c64 -c64
    measure "$s" c256 -c256
    measure "$s" pipelined16 -c64 -s scripts/wrk-pipeline.lua
    stop_server
  done
done

vmrss() { awk '/^VmRSS/ {print $2}' /proc/$pid/status; } # KiB
for s in $SERVERS; do
  start_server "$s"
  taskset -c 1 wrk -t1 -c64 -d3s "http://127.0.0.1:$port/plaintext" > /dev/null # warm as under load
  sleep 1
  before=$(vmrss)
  coproc IDLE_CLIENT { taskset -c 1 "$java" src/test/load/IdleHttp.java 127.0.0.1 $port "$IDLE"; }
  read -r result <&"${IDLE_CLIENT[0]}"
  sleep 1
  with=$(vmrss)
  echo >&"${IDLE_CLIENT[1]}"
  wait "$IDLE_CLIENT_PID" 2>/dev/null || true
  stop_server
  echo "$s $before $with $result" | tee -a "$rss"
done

python3 - "$raw" "$rss" "$ROUNDS" "$DURATION" "$IDLE" "$(uname -r)" "$("$java" -version 2>&1 | head -1)" > results/http.md <<'PY'
import sys, statistics
raw, rss, rounds, dur, idle, kernel, jdk = sys.argv[1:8]
def ms(v):
    for unit, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
        if v.endswith(unit):
            return float(v[:-len(unit)]) * f
    return float(v)
rows = {}
order = []
for line in open(raw):
    load, server, rps, p99, cpu, alloc = line.split()
    if server not in order:
        order.append(server)
    rows.setdefault(load, {}).setdefault(server, []).append((float(rps), ms(p99), float(cpu), None if alloc == '-' else float(alloc)))
print(f"Plaintext HTTP on loopback: each server one event loop pinned to core 0, wrk -t1 pinned to core 1; "
      f"{rounds} interleaved rounds of {dur} s per load; medians. Kernel {kernel}, {jdk}. "
      f"CPU/request is the server's utime+stime over the run divided by requests; ratios are to Netty epoll "
      f"(requests/s: higher is better; CPU/request: lower is better). With pipelining wrk prints 0 for the 99th "
      f"percentile (its per-request latency is not defined there), shown as n/a.\n")
titles = {'c64': 'wrk -c64', 'c256': 'wrk -c256', 'pipelined16': 'wrk -c64, 16 requests pipelined per write'}
for load in ('c64', 'c256', 'pipelined16'):
    if load not in rows:
        continue
    med = {}
    for s, v in rows[load].items():
        allocs = [x[3] for x in v if x[3] is not None]
        med[s] = (statistics.median(x[0] for x in v), statistics.median(x[1] for x in v), statistics.median(x[2] for x in v),
                  statistics.median(allocs) if allocs else None)
    ref = med.get('netty-epoll')
    print(f"### {titles[load]}\n")
    print("| server | requests/s | p99 latency | CPU µs/request | requests/s vs Netty epoll | CPU/request vs Netty epoll | heap B/request (loop thread) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for s in order:
        if s not in med:
            continue
        r, p, c, a = med[s]
        rr = f"{r / ref[0]:.2f}" if ref else "-"
        cr = f"{c / ref[2]:.2f}" if ref else "-"
        lat = f"{p:.2f} ms" if p > 0 else "n/a"
        print(f"| {s} | {r:,.0f} | {lat} | {c:.2f} | {rr} | {cr} | {'-' if a is None else f'{a:.2f}'} |")
    print()
print(f"### Resident memory with {idle} idle keep-alive connections\n")
print("Each connection served one request and is idle; VmRSS of the server process, same heap bounds (-Xms64m -Xmx1g) for all.\n")
print("| server | RSS before | RSS with connections | KiB per connection | client saw |")
print("|---|---:|---:|---:|---|")
for line in open(rss):
    f = line.split()
    s, before, with_, seen = f[0], int(f[1]), int(f[2]), ' '.join(f[3:])
    print(f"| {s} | {before / 1024:.0f} MiB | {with_ / 1024:.0f} MiB | {(with_ - before) / int(idle):.1f} | {seen} |")
PY
cat results/http.md
