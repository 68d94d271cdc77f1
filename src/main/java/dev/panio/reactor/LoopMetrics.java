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
 */
public record LoopMetrics(long open, long accepted, long acceptErrors, long bytesRead, long bytesWritten,
                          long reads, long writes, long wakeups, long turns, long allocatedBytes, long handlerFailures) {
    /**
     * Component-wise sum.
     *
     * @param o the other loop's counters
     * @return the sums; {@code allocatedBytes} is -1 if either is
     */
    public LoopMetrics plus(LoopMetrics o) {
        return new LoopMetrics(open + o.open, accepted + o.accepted, acceptErrors + o.acceptErrors,
                bytesRead + o.bytesRead, bytesWritten + o.bytesWritten, reads + o.reads, writes + o.writes,
                wakeups + o.wakeups, turns + o.turns,
                allocatedBytes < 0 || o.allocatedBytes < 0 ? -1 : allocatedBytes + o.allocatedBytes,
                handlerFailures + o.handlerFailures);
    }
}
