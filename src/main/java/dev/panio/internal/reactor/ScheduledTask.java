package dev.panio.internal.reactor;

import dev.panio.reactor.Timer;

/** A timer entry in a loop's deadline heap; ordered by deadline, then by scheduling order. */
public final class ScheduledTask implements Timer, Comparable<ScheduledTask> {
    final Runnable task;
    final long periodNanos;
    final long seq;
    long deadline;
    volatile boolean cancelled;

    ScheduledTask(Runnable task, long deadline, long periodNanos, long seq) {
        this.task = task;
        this.deadline = deadline;
        this.periodNanos = periodNanos;
        this.seq = seq;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public int compareTo(ScheduledTask o) {
        int c = Long.compare(deadline - o.deadline, 0); // overflow-safe nanoTime comparison
        return c != 0 ? c : Long.compare(seq, o.seq);
    }
}
