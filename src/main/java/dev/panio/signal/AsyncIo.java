package dev.panio.signal;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.f_owner_ex;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * Signal-driven I/O on one descriptor, the fourth of the five Linux I/O models: with {@code O_ASYNC} set the
 * kernel raises a signal each time the fd's readiness changes. {@link #enable} directs it
 * at one thread ({@code F_SETOWN_EX} with {@code F_OWNER_TID}) as a real-time signal
 * ({@code F_SETSIG}), so each change is queued with the fd and its poll band, which a
 * {@link SignalFd} then reads. If the real-time queue overflows the kernel sends plain
 * {@link Signals#SIGIO} and the events in between are lost: a reader must then look at
 * every fd.
 *
 * <p>Threads: any thread.
 */
public final class AsyncIo {
    private AsyncIo() {}

    /**
     * Sets {@code F_SETOWN_EX} (thread {@code tid}), {@code F_SETSIG} ({@code signo}), and
     * {@code O_ASYNC | O_NONBLOCK} on {@code fd}.
     *
     * @param fd    the descriptor; it stays the caller's
     * @param signo the signal to raise, a real-time one so that events queue with their fd
     * @param tid   the kernel thread to receive it, from {@link Signals#currentThreadId()}
     * @throws IllegalArgumentException if {@code signo} is not a signal number or is
     *         {@link SignalSet#reserved reserved}, or {@code tid} is not positive
     * @throws ErrnoException if an {@code fcntl} fails ({@code ESRCH} for no such thread);
     *         the ones before it stay done
     */
    public static void enable(FileDescriptor fd, int signo, int tid) throws ErrnoException {
        SignalSet.check("fcntl(F_SETSIG)", signo);
        if (tid <= 0) throw new IllegalArgumentException("fcntl(F_SETOWN_EX, fd=" + fd.intValue() + "): thread id must be positive: " + tid);
        CallState cs = CallState.current();
        int raw = fd.acquire("fcntl");
        try {
            MemorySegment owner = cs.scratch.asSlice(0, f_owner_ex.layout());
            f_owner_ex.type(owner, LibC.F_OWNER_TID());
            f_owner_ex.pid(owner, tid);
            Results.check(FdCalls.fcntl(cs, raw, LibC.F_SETOWN_EX(), owner), "fcntl", "F_SETOWN_EX", raw);
            Results.check(FdCalls.fcntl(cs, raw, LibC.F_SETSIG(), signo), "fcntl", "F_SETSIG", raw);
            Results.check(FdCalls.fcntl(cs, raw, LibC.F_SETFL(), statusFlags(cs, raw) | LibC.O_ASYNC() | LibC.O_NONBLOCK()),
                    "fcntl", "F_SETFL", raw);
        } finally {
            fd.release();
        }
    }

    /**
     * Clears {@code O_ASYNC} on {@code fd}: no more signals for it. The owner, the signal and
     * {@code O_NONBLOCK} stay set.
     *
     * @param fd the descriptor
     * @throws ErrnoException if {@code fcntl} fails
     */
    public static void disable(FileDescriptor fd) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("fcntl");
        try {
            Results.check(FdCalls.fcntl(cs, raw, LibC.F_SETFL(), statusFlags(cs, raw) & ~LibC.O_ASYNC()), "fcntl", "F_SETFL", raw);
        } finally {
            fd.release();
        }
    }

    /**
     * Whether {@code O_ASYNC} is set on {@code fd}.
     *
     * @param fd the descriptor
     * @return true if the flag is set
     * @throws ErrnoException if {@code fcntl} fails
     */
    public static boolean isEnabled(FileDescriptor fd) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("fcntl");
        try {
            return (statusFlags(cs, raw) & LibC.O_ASYNC()) != 0;
        } finally {
            fd.release();
        }
    }

    private static int statusFlags(CallState cs, int raw) throws ErrnoException {
        return Results.check(FdCalls.fcntl(cs, raw, LibC.F_GETFL(), 0), "fcntl", "F_GETFL", raw);
    }
}
