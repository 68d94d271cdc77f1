package dev.panio.internal.reactor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Failures of user code on one loop: a handler callback, a handler supplier, a timer or a
 * task that threw. None of them stops the loop: the connection concerned is closed with a
 * cause carrying the exception, the failure is counted ({@link LoopMetrics#handlerFailures})
 * and logged through {@code System.Logger} at most once a second per loop, with the number
 * suppressed since, so a handler failing on every request cannot flood the log. Any thread
 * (the thread-per-connection backends run handlers on threads of their own).
 */
public final class Failures {
    private static final long LOG_INTERVAL_NANOS = 1_000_000_000L;
    private static final VarHandle LAST_LOG;

    static {
        try {
            LAST_LOG = MethodHandles.lookup().findVarHandle(Failures.class, "lastLog", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final String loopName;
    private final AtomicLong count = new AtomicLong();
    private final AtomicLong suppressed = new AtomicLong();
    @SuppressWarnings("unused") // through LAST_LOG
    private volatile long lastLog = System.nanoTime() - LOG_INTERVAL_NANOS;

    public Failures(String loopName) {
        this.loopName = loopName;
    }

    /** Counts {@code t} and logs it unless a failure was logged in the last second. */
    public void report(String what, Throwable t) {
        count.incrementAndGet();
        long now = System.nanoTime();
        long last = (long) LAST_LOG.getVolatile(this);
        if (now - last < LOG_INTERVAL_NANOS || !LAST_LOG.compareAndSet(this, last, now)) {
            suppressed.incrementAndGet();
            return;
        }
        long more = suppressed.getAndSet(0);
        try {
            System.getLogger("dev.panio.reactor").log(System.Logger.Level.WARNING, loopName + ": " + what
                    + (more > 0 ? " (and " + more + " more failures since the last report)" : ""), t);
        } catch (Throwable ignored) {
            // logging must not take the loop down (it may need fds that ran out)
        }
    }

    /** Failures reported since the loop started. */
    public long count() {
        return count.get();
    }
}
