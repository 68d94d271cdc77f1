#!/usr/bin/env bash
# The demo server against the physical limit and against what a user would pick instead,
# on the TechEmpower-style plaintext response over loopback: a C server on edge-triggered
# epoll (src/bench/c/plaintext_epoll.c, built here with Debian's gcc: the reference every
# figure is also given against), panio's demo server on several backends, a plain JDK NIO
# Selector server and Netty 4.2 on its epoll and io_uring transports (both from src/bench,
# a benchmark-only build; Netty never enters panio's jar). Every server runs one event loop
# pinned to core 0; wrk (Debian's package) runs pinned to core 1. Every JVM runs with the
# same flags, JVM_OPTS below.
#
# Loads: wrk -c256, and -c256 with 16 pipelined requests per write (scripts/wrk-pipeline.lua),
# DURATION seconds each after a warm-up (WARMUP seconds of each load), servers interleaved over ROUNDS rounds. Reported
# per load and server (medians, with min-max over the rounds): requests/s, p99 latency, and
# the server's CPU: utime+stime of all its threads from /proc/<pid>/stat over the run, as
# requests per server CPU-second and µs per request (wrk saturates its own core first, so
# this is the figure that tells servers apart). Ratios to the C server and to Netty's
# transport of the same model. For panio also heap bytes allocated per request by the loop
# thread (LoopMetrics via /stats). In the first round a third, shorter run under
# wrk -c256 counts every server's system calls per request by kind, from the kernel's
# syscall tracepoints (perf stat; skipped with a note if perf cannot count them). Then each
# server's resident memory (VmRSS) right after start, and with IDLE idle keep-alive
# connections, the client in a separate process (src/test/load/IdleHttp.java).
#
#   scripts/bench-http.sh      ROUNDS=3 DURATION=10 WARMUP=6 IDLE=10000 SERVERS="..." LOADS="c256 pipelined16"
# Writes results/http-raw.txt, results/http-syscalls.txt, results/http-rss.txt and results/http.md.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
ROUNDS=${ROUNDS:-3}; DURATION=${DURATION:-10}; WARMUP=${WARMUP:-6}; IDLE=${IDLE:-10000}; SYSCALL_SECONDS=${SYSCALL_SECONDS:-3}
SERVERS=${SERVERS:-"c-epoll panio-epoll panio-epoll-et panio-io_uring nio netty-epoll netty-io_uring"}
LOADS=${LOADS:-"c256 pipelined16"}
JVM_OPTS=(-XX:+UseSerialGC -Xmx512m) # every JVM server gets exactly these
need() { command -v "$1" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need wrk wrk; need taskset util-linux; need curl curl; need gcc gcc; need ss iproute2
perf_ok=true
command -v perf >/dev/null || { apt-get update -qq && apt-get install -y -qq linux-perf >/dev/null 2>&1 || true; }
perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1 || perf_ok=false
mvn -B -q -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true package
mvn -B -q -f src/bench/pom.xml package
mkdir -p src/bench/target
gcc -O2 -Wall -o src/bench/target/plaintext_epoll src/bench/c/plaintext_epoll.c -lpthread
jar=$(ls target/panio-*.jar | grep -Ev -- '-(sources|javadoc)\.jar$' | head -1)
servers_jar=src/bench/target/bench-servers.jar
java=$("$root/scripts/java.sh")
tick=$(getconf CLK_TCK)
port=18666
mkdir -p results
raw=results/http-raw.txt
sys=results/http-syscalls.txt
rss=results/http-rss.txt
: > "$raw"; : > "$sys"; : > "$rss"

start_server() { # name
  local cmd
  case $1 in
    c-epoll) cmd=(src/bench/target/plaintext_epoll $port 1) ;;
    panio-*) cmd=("$java" --enable-native-access=dev.panio "${JVM_OPTS[@]}" -p "$jar:target/lib" -m dev.panio/dev.panio.demo.DemoServer
                  --backend "${1#panio-}" --loops 1 --port $port) ;;
    nio)     cmd=("$java" "${JVM_OPTS[@]}" -cp "$servers_jar" dev.panio.bench.servers.NioPlaintextServer $port) ;;
    netty-*) cmd=("$java" --enable-native-access=ALL-UNNAMED "${JVM_OPTS[@]}" -cp "$servers_jar"
                  dev.panio.bench.servers.NettyPlaintextServer "${1#netty-}" $port) ;;
    *) echo "unknown server $1" >&2; exit 1 ;;
  esac
  # the last server's listener may outlive its process a moment (an io_uring ring is torn down
  # asynchronously): wait until the port is free, so that the new server binds it
  for _ in $(seq 100); do [[ -z $(ss -Hltn "sport = :$port") ]] && break; sleep 0.1; done
  taskset -c 0 "${cmd[@]}" > "/tmp/panio-bench-$1.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    curl -sf -o /dev/null "http://127.0.0.1:$port/plaintext" && return
    sleep 0.1
  done
  echo "$1 did not start:" >&2; cat "/tmp/panio-bench-$1.log" >&2; exit 1
}
stop_server() {
  kill -TERM "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
}
cpu() { awk '{print $14, $15}' /proc/$pid/stat; } # utime stime, in ticks
vmrss() { awk '/^VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo -; } # KiB, or - once the server is gone
allocated() { # heap bytes the panio loop threads allocated so far; - for other servers
  case $1 in
    panio-*) curl -s "http://127.0.0.1:$port/stats" | python3 -c 'import json,sys; print(sum(l["allocatedBytes"] for l in json.load(sys.stdin)["loops"]))' ;;
    *) echo - ;;
  esac
}
wrk_args() { # load
  case $1 in
    c64) echo "-c64" ;;
    c256) echo "-c256" ;;
    pipelined16) echo "-c256 -s scripts/wrk-pipeline.lua" ;;
    *) echo "unknown load $1" >&2; exit 1 ;;
  esac
}
measure() { # name load
  local name=$1 load=$2
  local a0 a1 u0 s0 u1 s1 out reqs rps p99 alloc
  a0=$(allocated "$name"); read -r u0 s0 < <(cpu)
  # shellcheck disable=SC2046
  out=$(taskset -c 1 wrk -t1 $(wrk_args "$load") -d"${DURATION}s" --latency "http://127.0.0.1:$port/plaintext")
  read -r u1 s1 < <(cpu); a1=$(allocated "$name")
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  alloc=$([[ $a0 == - ]] && echo - || awk -v a=$((a1 - a0)) -v r="$reqs" 'BEGIN { printf "%.2f", a / r }')
  # CPU µs per request: all, then user and kernel
  awk -v l="$load" -v n="$name" -v rps="$rps" -v p="$p99" -v al="$alloc" -v u=$((u1 - u0)) -v k=$((s1 - s0)) -v t="$tick" -v r="$reqs" \
    'BEGIN { printf "%s %s %s %s %.3f %s %.3f %.3f\n", l, n, rps, p, (u + k) / t * 1e6 / r, al, u / t * 1e6 / r, k / t * 1e6 / r }' | tee -a "$raw"
}
# System calls per request by kind under wrk -c256, from the syscall tracepoints.
KINDS=(read write readv writev recvfrom sendto recvmsg sendmsg epoll_wait epoll_pwait epoll_pwait2 epoll_ctl io_uring_enter accept4 futex)
count_syscalls() { # name
  $perf_ok || return 0
  local events out reqs
  events=raw_syscalls:sys_enter$(printf ',syscalls:sys_enter_%s' "${KINDS[@]}")
  perf stat -x, -e "$events" -p "$pid" -o /tmp/panio-bench-perf.txt -- sleep $((SYSCALL_SECONDS + 1)) &
  local perf_pid=$!
  sleep 0.5
  out=$(taskset -c 1 wrk -t1 -c256 -d"${SYSCALL_SECONDS}s" "http://127.0.0.1:$port/plaintext")
  wait $perf_pid || true
  reqs=$(echo "$out" | awk '/requests in/ {print $1}')
  awk -F, -v r="$reqs" -v n="$1" 'BEGIN { printf "%s", n }
      $3 ~ /sys_enter/ { k = $3; sub(/.*sys_enter_?/, "", k); if (k == "") k = "all"; if ($1 + 0 > 0) printf " %s=%.3f", k, $1 / r }
      END { print "" }' /tmp/panio-bench-perf.txt | tee -a "$sys"
}

PHASES=${PHASES:-"load rss"} # load: the measured rounds; rss: resident memory
[[ " $PHASES " == *" load "* ]] || ROUNDS=0
for round in $(seq 1 "$ROUNDS"); do
  for s in $SERVERS; do
    start_server "$s"
    # warm-up: both loads, long enough that the JIT compilers have (nearly) stopped working
    # on the paths measured (their threads' CPU counts in the server's)
    taskset -c 1 wrk -t1 -c256 -d"${WARMUP}s" "http://127.0.0.1:$port/plaintext" > /dev/null
    taskset -c 1 wrk -t1 -c256 -d"${WARMUP}s" -s scripts/wrk-pipeline.lua "http://127.0.0.1:$port/plaintext" > /dev/null
    for load in $LOADS; do measure "$s" "$load"; done
    if (( round == 1 )); then count_syscalls "$s"; fi
    stop_server
  done
done
$perf_ok || echo "perf cannot count syscall tracepoints here: no system call figures" | tee -a "$sys"

[[ " $PHASES " == *" rss "* ]] || SERVERS=""
for s in $SERVERS; do
  start_server "$s"
  started=$(vmrss)
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
  # a server that died of the connections (the NIO floor's direct buffers outgrow -Xmx512m) says so
  if [[ $with == - ]]; then result="server died: $(grep -m1 -o '[A-Za-z.]*Error.*' "/tmp/panio-bench-$s.log" | head -c 100 || true)"; fi
  echo "$s $started $before $with $result" | tee -a "$rss"
done

python3 scripts/bench-http-report.py "$raw" "$sys" "$rss" "$ROUNDS" "$DURATION" "$IDLE" "$(uname -r)" \
  "$("$java" -version 2>&1 | head -1)" "${JVM_OPTS[*]}" "$(gcc --version | head -1)" > results/http.md
cat results/http.md
