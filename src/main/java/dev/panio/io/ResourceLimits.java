package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.rlimit;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MiscCalls;
import java.lang.foreign.MemorySegment;

/**
 * The process's limit on open file descriptors ({@code RLIMIT_NOFILE}), read and set with
 * {@code getrlimit}/{@code setrlimit}. A server for many connections raises the soft limit
 * to the hard one; only a privileged process can raise the hard limit.
 *
 * <p>Threads: any thread; the limit is the process's, so concurrent setters race as they
 * would in C.
 */
public final class ResourceLimits {
    private ResourceLimits() {}

    /**
     * Soft and hard limits; {@code Long.MAX_VALUE} stands for {@code RLIM_INFINITY}.
     *
     * @param soft the limit the kernel enforces ({@code rlim_cur})
     * @param hard the ceiling an unprivileged process may raise the soft limit to ({@code rlim_max})
     */
    public record Limit(long soft, long hard) {}

    /**
     * The current {@code RLIMIT_NOFILE}.
     *
     * @return the soft and hard limits
     * @throws ErrnoException if {@code getrlimit} fails
     */
    public static Limit openFiles() throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment rl = cs.scratch.asSlice(0, rlimit.layout());
        Results.check(MiscCalls.getrlimit(cs, LibC.RLIMIT_NOFILE(), rl), "getrlimit", "RLIMIT_NOFILE", -1);
        return new Limit(fromRlim(rlimit.rlim_cur(rl)), fromRlim(rlimit.rlim_max(rl)));
    }

    /**
     * Sets {@code RLIMIT_NOFILE}; fails with {@code EPERM} or {@code EINVAL} as setrlimit does.
     *
     * @param limit the new soft and hard limits
     * @throws IllegalArgumentException if a limit is negative or soft exceeds hard
     * @throws ErrnoException if {@code setrlimit} fails: {@code EPERM} when raising the hard
     *         limit without {@code CAP_SYS_RESOURCE} or above {@code fs.nr_open}
     */
    public static void setOpenFiles(Limit limit) throws ErrnoException {
        if (limit.soft() < 0 || limit.hard() < 0 || limit.soft() > limit.hard()) {
            throw new IllegalArgumentException("need 0 <= soft <= hard: " + limit);
        }
        CallState cs = CallState.current();
        MemorySegment rl = cs.scratch.asSlice(0, rlimit.layout());
        rlimit.rlim_cur(rl, toRlim(limit.soft()));
        rlimit.rlim_max(rl, toRlim(limit.hard()));
        Results.check(MiscCalls.setrlimit(cs, LibC.RLIMIT_NOFILE(), rl), "setrlimit", "RLIMIT_NOFILE", -1);
    }

    /**
     * Raises the soft limit to the hard limit; returns the limit now in force.
     *
     * @return the limits read back after the change (or as they were, if soft was already hard)
     * @throws ErrnoException if {@code getrlimit} or {@code setrlimit} fails
     */
    public static Limit raiseOpenFilesToHard() throws ErrnoException {
        Limit now = openFiles();
        if (now.soft() < now.hard()) {
            setOpenFiles(new Limit(now.hard(), now.hard()));
            return openFiles();
        }
        return now;
    }

    private static long fromRlim(long v) {
        return v == -1L ? Long.MAX_VALUE : v; // RLIM_INFINITY is all ones
    }

    private static long toRlim(long v) {
        return v == Long.MAX_VALUE ? -1L : v;
    }
}
