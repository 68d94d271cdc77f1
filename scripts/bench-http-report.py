#!/usr/bin/env python3
"""Turns scripts/bench-http.sh's raw rows into results/http.md (Markdown on stdout).

Arguments: raw syscalls rss rounds duration idle kernel jdk jvm-opts gcc.
raw rows:      LOAD SERVER REQUESTS/S P99 CPU-µs/REQUEST HEAP-B/REQUEST|- USER-µs KERNEL-µs
syscalls rows: SERVER KIND=PER-REQUEST ...
rss rows:      SERVER KIB-AFTER-START KIB-WARM KIB-WITH-IDLE CLIENT-SAYS...
"""
import statistics
import sys

raw, sysfile, rss, rounds, dur, idle, kernel, jdk, jvm_opts, gcc = sys.argv[1:11]
idle = int(idle)
REFERENCE = 'c-epoll'
SAME_MODEL = {'panio-epoll': 'netty-epoll', 'panio-epoll-et': 'netty-epoll', 'panio-io_uring': 'netty-io_uring'}
TITLES = {'c64': 'wrk -c64', 'c256': 'wrk -c256', 'pipelined16': 'wrk -c256, 16 requests pipelined per write'}


def ms(v):
    for unit, f in (('us', 1e-3), ('ms', 1.0), ('s', 1e3)):
        if v.endswith(unit):
            return float(v[:-len(unit)]) * f
    return float(v)


def spread(values, fmt):
    values = sorted(values)
    m = statistics.median(values)
    return m, (fmt(m) if len(values) == 1 else f"{fmt(m)} ({fmt(values[0])}–{fmt(values[-1])})")


rows, order = {}, []
for line in open(raw):
    load, server, rps, p99, cpu, alloc, user, sys_us = line.split()
    if server not in order:
        order.append(server)
    rows.setdefault(load, {}).setdefault(server, []).append(
        (float(rps), ms(p99), 1e6 / float(cpu), float(cpu), None if alloc == '-' else float(alloc), float(user), float(sys_us)))

print(f"Plaintext HTTP on loopback: each server one event loop pinned to core 0, wrk -t1 pinned to core 1; "
      f"{rounds} interleaved rounds of {dur} s per load after a warm-up; medians, with min–max over the rounds. "
      f"Kernel {kernel}, {jdk}, every JVM server with `{jvm_opts}`; the C reference built with {gcc} `-O2`.\n")
print("**Requests per CPU-second** is requests divided by the server process's CPU time (utime+stime of all its "
      "threads, from /proc/PID/stat, over the run): wrk saturates its own core before the servers do, so this is "
      "the figure that tells servers apart; higher is better. Its inverse, CPU µs per request, is split into user and kernel time (medians of each, so the parts need not add up to the whole): the kernel's part is the system calls and, on loopback, the TCP receive path of wrk's side that a send runs. Ratios are of that figure: to the C epoll server "
      f"(`{REFERENCE}`, src/bench/c/plaintext_epoll.c) and to Netty's transport of the same model. With pipelining "
      "wrk prints 0 for the 99th percentile (its per-request latency is not defined there), shown as n/a.\n")

medians = {}
for load in ('c64', 'c256', 'pipelined16'):
    if load not in rows:
        continue
    med = {}
    for s, v in rows[load].items():
        allocs = [x[4] for x in v if x[4] is not None]
        rps_m, rps_t = spread([x[0] for x in v], lambda x: f"{x / 1000:,.0f} k")
        cps_m, cps_t = spread([x[2] for x in v], lambda x: f"{x / 1000:,.0f} k")
        med[s] = dict(rps=rps_t, p99=statistics.median(x[1] for x in v), cps=cps_m, cps_t=cps_t,
                      cpu=statistics.median(x[3] for x in v), alloc=statistics.median(allocs) if allocs else None,
                      user=statistics.median(x[5] for x in v), kernel=statistics.median(x[6] for x in v))
    medians[load] = med
    ref = med.get(REFERENCE)
    print(f"### {TITLES[load]}\n")
    print("| server | requests/s | p99 latency | requests per CPU-second | CPU µs/request: all, user, kernel | vs C epoll | vs Netty, same model | heap B/request (loop thread) |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for s in order:
        if s not in med:
            continue
        m = med[s]
        vs_c = f"{m['cps'] / ref['cps']:.2f}×" if ref else "-"
        peer = med.get(SAME_MODEL.get(s, ''))
        vs_n = f"{m['cps'] / peer['cps']:.2f}× {SAME_MODEL[s][6:]}" if peer else "-"
        lat = f"{m['p99']:.2f} ms" if m['p99'] > 0 else "n/a"
        alloc = '-' if m['alloc'] is None else f"{m['alloc']:.2f}"
        print(f"| {s} | {m['rps']} | {lat} | {m['cps_t']} | {m['cpu']:.2f}, {m['user']:.2f}, {m['kernel']:.2f} | {vs_c} | {vs_n} | {alloc} |")
    print()

syscalls, notes = {}, []
for line in open(sysfile):
    f = line.split()
    if not f or '=' not in line:
        notes.append(line.strip())
        continue
    syscalls[f[0]] = {k: float(v) for k, v in (x.split('=') for x in f[1:])}
if syscalls:
    kinds = ['all'] + sorted({k for d in syscalls.values() for k in d if k != 'all' and d[k] >= 0.005})
    print("### System calls per request under wrk -c256\n")
    print("Counted by the kernel's syscall tracepoints (`perf stat -e raw_syscalls:sys_enter,syscalls:sys_enter_*` "
          "on the server's pid) over a separate run in the first round, divided by the requests wrk counted; "
          "`all` is every system call of every thread of the process, `other` what the named kinds leave of it. Kinds below 0.005 per request are left out.\n")
    print("| server | " + " | ".join(kinds) + " | other |")
    print("|---|" + "---:|" * (len(kinds) + 1))
    for s in order:
        if s in syscalls:
            d = syscalls[s]
            other = d.get('all', 0) - sum(v for k, v in d.items() if k != 'all')
            print(f"| {s} | " + " | ".join(f"{d.get(k, 0):.3f}" for k in kinds) + f" | {max(0.0, other):.3f} |")
    print()
for n in notes:
    print(n + "\n")

rss_rows = [line.split() for line in open(rss)]
if rss_rows:
    print(f"### Resident memory\n")
    print(f"VmRSS of the server process right after start (it has answered one request), after a 3 s warm-up "
          f"under wrk -c64, and with {idle:,} idle keep-alive connections (each served one request; the client "
          f"in a separate process).\n")
    print("| server | RSS after start | RSS warm | with connections | KiB per connection | client saw |")
    print("|---|---:|---:|---:|---:|---|")
    for f in rss_rows:
        s, started, before, with_, seen = f[0], int(f[1]), int(f[2]), f[3], ' '.join(f[4:])
        if with_ == '-':
            print(f"| {s} | {started / 1024:.0f} MiB | {before / 1024:.0f} MiB | - | - | {seen} |")
            continue
        with_ = int(with_)
        print(f"| {s} | {started / 1024:.0f} MiB | {before / 1024:.0f} MiB | {with_ / 1024:.0f} MiB | "
              f"{(with_ - before) / idle:.1f} | {seen} |")
    print()
