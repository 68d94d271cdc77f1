package dev.panio.internal.io;

/**
 * Remaining-time arithmetic for waits retried after {@code EINTR}: a signal must not
 * restart the full timeout, or a steady stream of signals would make a wait endless.
 */
public final class Timeouts {
    private Timeouts() {}

    /** The deadline in {@link System#nanoTime()} terms for a millisecond timeout (&lt; 0: none). */
    public static long deadline(long timeoutMillis) {
        return timeoutMillis < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutMillis * 1_000_000L;
    }

    /** Milliseconds left until {@code deadline}, rounded up, -1 for none, never negative otherwise. */
    public static int remainingMillis(long deadline) {
        if (deadline == Long.MAX_VALUE) return -1;
        long left = deadline - System.nanoTime();
        if (left <= 0) return 0;
        return (int) Math.min(Integer.MAX_VALUE, (left + 999_999L) / 1_000_000L);
    }
}
