#!/usr/bin/env bash
# HTTP request/response through each reactor backend, with wrk (Debian's package) in a
# separate process: the demo server pinned to core 0 with one loop, wrk to core 1.
# Backends are interleaved over ROUNDS rounds; per backend the median requests/s, p99
# latency and server CPU time per request (utime+stime from /proc/<pid>/stat over the run,
# divided by requests) go to results/backends.md, with ratios to epoll.
#   scripts/bench-backends.sh            ROUNDS=3 DURATION=5 CONNS=64 by default
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-5}; CONNS=${CONNS:-64}
BACKENDS=${BACKENDS:-"select poll epoll epoll-et io_uring signal blocking virtual"}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
command -v taskset >/dev/null || { apt-get update -qq && apt-get install -y -qq util-linux >/dev/null; }
mvn -B -q -DskipTests package
jar=$(ls target/panio-*.jar | head -1)
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18555
mkdir -p results
raw=results/backends-raw.txt
: > "$raw"
for round in $(seq 1 "$ROUNDS"); do
  for b in $BACKENDS; do
    taskset -c 0 "$java" --enable-native-access=dev.panio -Xss512k -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer \
      --backend "$b" --loops 1 --port $port > /tmp/panio-bench-server.log 2>&1 &
    pid=$!
    for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/plaintext" && break; sleep 0.1; done
    taskset -c 1 wrk -t1 -c"$CONNS" -d2s "http://127.0.0.1:$port/plaintext" > /dev/null  # warm-up
    cpu0=$(awk '{print $14+$15}' /proc/$pid/stat)
    out=$(taskset -c 1 wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://127.0.0.1:$port/plaintext")
    cpu1=$(awk '{print $14+$15}' /proc/$pid/stat)
    kill -TERM $pid; wait $pid 2>/dev/null || true  # TERM: a background job of a script ignores SIGINT
    reqs=$(echo "$out" | awk '/requests in/ {print $1}')
    rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
    p99=$(echo "$out" | awk '$1=="99%" {print $2}')
    errors=$(echo "$out" | awk '/Non-2xx|Socket errors/ {print}' | tr '\n' ' ')
    cpu_us=$(awk -v c=$((cpu1 - cpu0)) -v t="$tick" -v r="$reqs" 'BEGIN { printf "%.2f", c / t * 1e6 / r }')
    echo "$round $b $rps $p99 $cpu_us $errors" | tee -a "$raw"
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
    rows.setdefault(f[1], []).append((float(f[2]), ms(f[3]), float(f[4])))
med = {b: tuple(statistics.median(x[i] for x in v) for i in range(3)) for b, v in rows.items()}
ref = med.get('epoll')
print(f"HTTP `GET /plaintext`, wrk -t1 -c{conns} -d{dur}s, {rounds} interleaved rounds, server pinned to core 0 with one loop, wrk to core 1; medians.\n")
print("| backend | requests/s | vs epoll | p99 latency (ms) | server CPU per request (µs) | vs epoll |")
print("|---|---|---|---|---|---|")
for b, (rps, p99, cpu) in med.items():
    r1 = f"{rps / ref[0]:.2f}" if ref else "-"
    r2 = f"{cpu / ref[2]:.2f}" if ref else "-"
    print(f"| {b} | {rps:,.0f} | {r1} | {p99:.2f} | {cpu:.2f} | {r2} |")
PY
cat results/backends.md
