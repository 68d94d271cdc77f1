package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.itimerspec;
import dev.panio.internal.gen.timespec;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.internal.sys.MiscCalls;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code timerfd_create(2)} timer on {@code CLOCK_MONOTONIC}: readable when it has
 * expired, so a multiplexer can wait for it like any fd. Always {@code TFD_CLOEXEC} and
 * {@code TFD_NONBLOCK}.
 *
 * <p>Threads: every method may be called from any thread. After {@link #close()} (idempotent,
 * from any thread) every call throws {@link ClosedException}.
 */
public final class TimerFd implements AutoCloseable {
    private final FileDescriptor fd;

    private TimerFd(FileDescriptor fd) {
        this.fd = fd;
    }

    /**
     * A disarmed timer.
     *
     * @return the timer, owned by the caller
     * @throws ErrnoException if {@code timerfd_create} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static TimerFd open() throws ErrnoException {
        CallState cs = CallState.current();
        int r = MiscCalls.timerfdCreate(cs, LibC.CLOCK_MONOTONIC(), LibC.TFD_CLOEXEC() | LibC.TFD_NONBLOCK());
        return new TimerFd(FileDescriptor.adopt(Results.check(r, "timerfd_create", -1)));
    }

    /**
     * The descriptor, to register with a multiplexer.
     *
     * @return the descriptor this timer owns; closing it closes the timer
     */
    public FileDescriptor fd() {
        return fd;
    }

    /**
     * Arms the timer to expire after {@code initialNanos} and then every {@code intervalNanos}
     * (0: once). {@code initialNanos} of 0 disarms it. Replaces any earlier setting.
     *
     * @param initialNanos nanoseconds from now to the first expiry, 0 to disarm
     * @param intervalNanos nanoseconds between later expiries, 0 for none
     * @throws IllegalArgumentException if a time is negative
     * @throws ErrnoException if {@code timerfd_settime} fails
     */
    public void set(long initialNanos, long intervalNanos) throws ErrnoException {
        if (initialNanos < 0 || intervalNanos < 0) {
            throw new IllegalArgumentException("timerfd times must not be negative: " + initialNanos + ", " + intervalNanos);
        }
        CallState cs = CallState.current();
        MemorySegment spec = cs.scratch.asSlice(0, itimerspec.layout());
        fill(itimerspec.it_value(spec), initialNanos);
        fill(itimerspec.it_interval(spec), intervalNanos);
        int raw = fd.acquire("timerfd_settime");
        try {
            Results.check(MiscCalls.timerfdSettime(cs, raw, 0, spec, MemorySegment.NULL), "timerfd_settime", raw);
        } finally {
            fd.release();
        }
    }

    /**
     * Disarms the timer.
     *
     * @throws ErrnoException if {@code timerfd_settime} fails
     */
    public void disarm() throws ErrnoException {
        set(0, 0);
    }

    private static void fill(MemorySegment ts, long nanos) {
        timespec.tv_sec(ts, nanos / 1_000_000_000L);
        timespec.tv_nsec(ts, nanos % 1_000_000_000L);
    }

    /**
     * Expirations since the last read, resetting the count; 0 if none.
     *
     * @return the expiries counted, or 0
     * @throws ErrnoException if {@code read(2)} fails
     */
    public long expirations() throws ErrnoException {
        return fd.readCounter();
    }

    /** Closes the timer; harmless if already closed. */
    @Override
    public void close() throws ErrnoException {
        fd.close();
    }
}
