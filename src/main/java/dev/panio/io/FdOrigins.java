package dev.panio.io;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Opt-in record of where each descriptor panio owns was opened, for naming the code behind
 * a leak: while tracking is on, every {@link FileDescriptor} made (by any panio call that
 * opens one, or {@link FileDescriptor#adopt}) notes the stack that made it, and the note goes
 * when the descriptor is closed (explicitly, or by the collector). Off by default; on from
 * the start with {@code -Dpanio.fdOrigins=true}, or switched by {@link #track(boolean)} (the
 * testkit's {@code @NoFdLeaks(origins = true)} does that for a test class).
 *
 * <p>Cost: off, one volatile read per descriptor opened; on, a stack trace per descriptor
 * opened. Descriptors opened while it was off are not known. Threads: any.
 */
public final class FdOrigins {
    private static volatile boolean tracking = Boolean.getBoolean("panio.fdOrigins");
    private static final Map<Integer, Throwable> OPENED = new ConcurrentHashMap<>();

    private FdOrigins() {}

    /**
     * Turns tracking on or off; off forgets what was noted.
     *
     * @param on true to note the opening stack of each descriptor opened from now on
     */
    public static void track(boolean on) {
        tracking = on;
        if (!on) OPENED.clear();
    }

    /**
     * Whether descriptors opened now are noted.
     *
     * @return true while tracking is on
     */
    public static boolean isTracking() {
        return tracking;
    }

    /**
     * The stack that opened {@code fd}, if panio opened it while tracking and it is still open.
     *
     * @param fd a descriptor number
     * @return the stack of the call that opened it, or empty if none was noted
     */
    public static Optional<StackTraceElement[]> openedAt(int fd) {
        Throwable t = OPENED.get(fd);
        return t == null ? Optional.empty() : Optional.of(t.getStackTrace());
    }

    static void opened(int fd) {
        if (tracking) OPENED.put(fd, new Throwable("fd " + fd + " opened here"));
    }

    /** Before close(2): once the number is free, another thread may open it again. */
    static void released(int fd) {
        if (!OPENED.isEmpty()) OPENED.remove(fd);
    }
}
