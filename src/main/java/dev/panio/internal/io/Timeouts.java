package dev.panio.internal.io;

/**
 * Remaining-time arithmetic for waits, in {@link System#nanoTime()} terms.
 *
 * <p>Two rules every panio wait follows. A signal must not restart the full timeout
 * ({@code EINTR} is retried with the time that remains), or a steady stream of signals would
 * make a wait endless. And a timeout accepts its whole type: a value too long for the call
 * (an {@code int} of milliseconds for {@code epoll_wait} and {@code poll}, about 24.8 days)
 * waits as long as the call allows and then again, never shorter; a value so long that the
 * deadline would overflow (over 2<sup>62</sup> ns, about 146 years) waits without limit.
 */
public final class Timeouts {
    private Timeouts() {}

    /** The deadline of a wait without limit. */
    public static final long NONE = Long.MIN_VALUE;
    private static final long FOREVER_NANOS = 1L << 62;

    /** The deadline for a millisecond timeout; {@link #NONE} for a negative one or one past 2<sup>62</sup> ns. */
    public static long deadline(long timeoutMillis) {
        if (timeoutMillis < 0 || timeoutMillis >= FOREVER_NANOS / 1_000_000L) return NONE;
        return deadlineNanos(timeoutMillis * 1_000_000L);
    }

    /** The deadline for a nanosecond timeout; {@link #NONE} for a negative one or one past 2<sup>62</sup> ns. */
    public static long deadlineNanos(long timeoutNanos) {
        if (timeoutNanos < 0 || timeoutNanos >= FOREVER_NANOS) return NONE;
        long d = System.nanoTime() + timeoutNanos; // may wrap: compared by difference only
        return d == NONE ? d + 1 : d;
    }

    /** Nanoseconds left until {@code deadline}: -1 for {@link #NONE}, never negative otherwise. */
    public static long remainingNanos(long deadline) {
        if (deadline == NONE) return -1;
        return Math.max(0, deadline - System.nanoTime());
    }

    /**
     * Milliseconds left until {@code deadline}, rounded up so a wait never ends early, capped at
     * {@code Integer.MAX_VALUE} (the caller waits again if time remains); -1 for {@link #NONE}.
     */
    public static int remainingMillis(long deadline) {
        if (deadline == NONE) return -1;
        long left = deadline - System.nanoTime();
        if (left <= 0) return 0;
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999L) / 1_000_000L);
    }

    /** Whether time remains until {@code deadline} ({@link #NONE}: always). */
    public static boolean pending(long deadline) {
        return deadline == NONE || deadline - System.nanoTime() > 0;
    }
}
