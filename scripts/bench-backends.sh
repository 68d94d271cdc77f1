#!/usr/bin/env bash
# HTTP request/response (wrk, Debian's package) and echo request/response
# (src/test/load/EchoLoad.java, 64-byte messages) through each reactor backend, the load
# in a separate process: the demo server pinned to core 0 with one loop, the load to core 1.
# Backends are interleaved over ROUNDS rounds; per workload and backend the median
# requests/s, p99 latency and server CPU time per request (utime+stime from
# /proc/<pid>/stat over the run, divided by requests) go to results/backends.md, with
# ratios to epoll.
#   scripts/bench-backends.sh            ROUNDS=3 DURATION=5 CONNS=64 by default
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-5}; CONNS=${CONNS:-64}
# virtual-reactor is the reactor's virtual backend (handler callbacks on a virtual thread per
# connection); virtual is what the demo server's --backend virtual runs: the coroutine servers
BACKENDS=${BACKENDS:-"select poll epoll epoll-et io_uring signal blocking virtual-reactor virtual"}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18555
mkdir -p results
raw=results/backends-raw.txt
: > "$raw"

start_server() { # backend mode
  taskset -c 0 "$java" --enable-native-access=dev.panio -Xss512k -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer \
    --backend "$1" --mode "$2" --loops 1 --port $port > /tmp/panio-bench-server.log 2>&1 &
  pid=$!
  for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
}
stop_server() {
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true  # TERM: a background job of a script ignores SIGINT
}
cpu() { awk '{print $14+$15}' /proc/$pid/stat; }
per_request() { awk -v c="$1" -v t="$tick" -v r="$2" 'BEGIN { printf "%.2f", c / t * 1e6 / r }'; }

for round in $(seq 1 "$ROUNDS"); do
  for b in $BACKENDS; do
    start_server "$b" http
    taskset -c 1 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/plaintext" > /dev/null  # warm-up
    cpu0=$(cpu)
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/plaintext")
    cpu1=$(cpu)
    stop_server
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    echo "http $b $rps $p99 $(per_request $((cpu1 - cpu0)) "$reqs")" | tee -a "$raw"

    start_server "$b" echo
    taskset -c 1 "$java" src/test/load/EchoLoad.java 127.0.0.1 $port "$CONNS" 2 64 > /dev/null  # warm-up
    cpu0=$(cpu)
    out=$(taskset -c 1 "$java" src/test/load/EchoLoad.java 127.0.0.1 $port "$CONNS" "$DURATION" 64)
    cpu1=$(cpu)
    stop_server
    reqs=$(echo "$out" | sed -n 's/.*requests=\([0-9]*\).*/\1/p')
    rps=$(echo "$out" | sed -n 's/.*rps=\([0-9]*\).*/\1/p')
    p99=$(echo "$out" | sed -n 's/.*p99us=\([0-9]*\).*/\1/p')us
    echo "echo $b $rps $p99 $(per_request $((cpu1 - cpu0)) "$reqs")" | tee -a "$raw"
  done
done

python3 - "$raw" "$ROUNDS" "$DURATION" "$CONNS" > results/backends.md <<'PY'
import sys, statistics
raw, rounds, dur, conns = sys.argv[1:5]
rows = {}
def ms(v):
    return float(v[:-2]) / 1000 if v.endswith('us') else float(v[:-2]) if v.endswith('ms') else float(v[:-1]) * 1000
for line in open(raw):
    f = line.split()
    rows.setdefault(f[0], {}).setdefault(f[1], []).append((float(f[2]), ms(f[3]), float(f[4])))
titles = {'http': f"HTTP `GET /plaintext` (wrk -t1 -c{conns})",
          'echo': f"echo of 64-byte messages, one in flight per connection (EchoLoad, {conns} connections)"}
print(f"{rounds} interleaved rounds of {dur} s, server pinned to core 0 with one loop, load to core 1; medians; ratios to epoll.")
for w in ('http', 'echo'):
    if w not in rows:
        continue
    med = {b: tuple(statistics.median(x[i] for x in v) for i in range(3)) for b, v in rows[w].items()}
    ref = med.get('epoll')
    print(f"\n{titles[w]}:\n")
    print("| backend | requests/s | vs epoll | p99 latency (ms) | server CPU per request (µs) | vs epoll |")
    print("|---|---|---|---|---|---|")
    for b, (rps, p99, cpu) in med.items():
        r1 = f"{rps / ref[0]:.2f}" if ref else "-"
        r2 = f"{cpu / ref[2]:.2f}" if ref else "-"
        print(f"| {b} | {rps:,.0f} | {r1} | {p99:.2f} | {cpu:.2f} | {r2} |")
PY
cat results/backends.md
