package dev.panio.reactor;

/**
 * Counters of one loop, as a snapshot. Read off the loop thread they may be a moment old.
 *
 * @param open        connections open now
 * @param accepted    connections accepted since start
 * @param acceptErrors accepts that failed ({@code EMFILE}, {@code ENFILE}, over the backend's fd limit)
 * @param bytesRead   bytes read
 * @param bytesWritten bytes written
 * @param reads       read calls or receive completions that returned data
 * @param writes      write calls or send completions
 * @param wakeups     wake-ups other threads sent to the loop to hand it work (its {@code Waker}:
 *                    eventfd, signal or unpark); a task handed over while one is pending sends none
 * @param turns       loop iterations
 * @param allocatedBytes heap bytes the loop's thread has allocated since it started (JDK
 *                    thread allocation accounting); -1 where handlers run on threads of
 *                    their own ({@link Backend#BLOCKING}, {@link Backend#VIRTUAL}) or the JVM
 *                    does not count. The difference over a run divided by requests is the
 *                    allocation per request.
 * @param handlerFailures handler callbacks, handler suppliers, timers and tasks that threw:
 *                    each closed what it concerned, none stopped the loop
 * @param systemCalls system calls made for this loop since it started, by the kernel's name
 *                    for them ({@code read}, {@code sendto}, {@code epoll_wait},
 *                    {@code io_uring_enter}, as {@code strace -c} prints them), kinds never
 *                    made left out, in name order; unmodifiable. Counted in panio's syscall
 *                    layer on the loop thread (and, for {@link Backend#BLOCKING} and
 *                    {@link Backend#VIRTUAL}, on the connections' and acceptors' threads), so
 *                    it includes the calls handlers make through panio on those threads, and
 *                    not the JVM's own. Divided by requests it shows what each model spends:
 *                    select and poll pass every watched fd per wait, epoll waits once for
 *                    many, io_uring submits and reaps many operations per {@code io_uring_enter}.
 */
public record LoopMetrics(long open, long accepted, long acceptErrors, long bytesRead, long bytesWritten,
                          long reads, long writes, long wakeups, long turns, long allocatedBytes, long handlerFailures,
                          java.util.Map<String, Long> systemCalls) {
    /** Copies {@code systemCalls} into an unmodifiable map in name order. */
    public LoopMetrics {
        systemCalls = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(systemCalls));
    }

    /**
     * Counters without system call counts (an empty map).
     *
     * @param open            as the record's
     * @param accepted        as the record's
     * @param acceptErrors    as the record's
     * @param bytesRead       as the record's
     * @param bytesWritten    as the record's
     * @param reads           as the record's
     * @param writes          as the record's
     * @param wakeups         as the record's
     * @param turns           as the record's
     * @param allocatedBytes  as the record's
     * @param handlerFailures as the record's
     */
    public LoopMetrics(long open, long accepted, long acceptErrors, long bytesRead, long bytesWritten,
                       long reads, long writes, long wakeups, long turns, long allocatedBytes, long handlerFailures) {
        this(open, accepted, acceptErrors, bytesRead, bytesWritten, reads, writes, wakeups, turns, allocatedBytes,
                handlerFailures, java.util.Map.of());
    }

    /**
     * All the system calls in {@link #systemCalls}.
     *
     * @return their sum
     */
    public long systemCallCount() {
        long n = 0;
        for (long v : systemCalls.values()) n += v;
        return n;
    }

    /**
     * Component-wise sum.
     *
     * @param o the other loop's counters
     * @return the sums (system calls kind by kind); {@code allocatedBytes} is -1 if either is
     */
    public LoopMetrics plus(LoopMetrics o) {
        return new LoopMetrics(open + o.open, accepted + o.accepted, acceptErrors + o.acceptErrors,
                bytesRead + o.bytesRead, bytesWritten + o.bytesWritten, reads + o.reads, writes + o.writes,
                wakeups + o.wakeups, turns + o.turns,
                allocatedBytes < 0 || o.allocatedBytes < 0 ? -1 : allocatedBytes + o.allocatedBytes,
                handlerFailures + o.handlerFailures, sum(systemCalls, o.systemCalls));
    }

    private static java.util.Map<String, Long> sum(java.util.Map<String, Long> a, java.util.Map<String, Long> b) {
        java.util.Map<String, Long> m = new java.util.TreeMap<>(a);
        b.forEach((k, v) -> m.merge(k, v, Long::sum));
        return m;
    }
}
