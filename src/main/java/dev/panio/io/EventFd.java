package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.internal.sys.MiscCalls;
import java.lang.foreign.ValueLayout;

/**
 * An {@code eventfd(2)} counter: {@link #signal} adds to it, {@link #drain} reads and resets
 * it. Always {@code EFD_CLOEXEC}; non-blocking unless asked otherwise, so a drain on a zero
 * counter returns 0 instead of blocking. It is readable (for select, poll, epoll) while the
 * counter is non-zero, which is what makes it a cross-thread wakeup for an event loop.
 *
 * <p>Threads: every method may be called from any thread. After {@link #close()} (idempotent,
 * from any thread) every call throws {@link ClosedException}.
 */
public final class EventFd implements AutoCloseable {
    private final FileDescriptor fd;

    private EventFd(FileDescriptor fd) {
        this.fd = fd;
    }

    /**
     * A non-blocking eventfd with counter 0.
     *
     * @return the eventfd, owned by the caller
     * @throws ErrnoException if {@code eventfd} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static EventFd open() throws ErrnoException {
        return open(0, true, false);
    }

    /**
     * An eventfd with the given start value and flags.
     *
     * @param initial     the counter's start value, 0 or more (the kernel takes an unsigned int)
     * @param nonBlocking {@code EFD_NONBLOCK}
     * @param semaphore   {@code EFD_SEMAPHORE}: each read takes 1 instead of all
     * @return the eventfd, owned by the caller
     * @throws IllegalArgumentException if {@code initial} is negative
     * @throws ErrnoException if {@code eventfd} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static EventFd open(int initial, boolean nonBlocking, boolean semaphore) throws ErrnoException {
        if (initial < 0) throw new IllegalArgumentException("eventfd: initial value must not be negative: " + initial);
        int flags = LibC.EFD_CLOEXEC() | (nonBlocking ? LibC.EFD_NONBLOCK() : 0) | (semaphore ? LibC.EFD_SEMAPHORE() : 0);
        CallState cs = CallState.current();
        return new EventFd(FileDescriptor.adopt(Results.check(MiscCalls.eventfd(cs, initial, flags), "eventfd", -1)));
    }

    /**
     * The descriptor, to register with a multiplexer.
     *
     * @return the descriptor this eventfd owns; closing it closes the eventfd
     */
    public FileDescriptor fd() {
        return fd;
    }

    /**
     * Adds {@code value} (1 or more) to the counter. A blocking eventfd waits while the sum
     * would pass the counter's maximum, 2<sup>64</sup>-2.
     *
     * @param value the amount to add
     * @return false if the counter is full and the eventfd is non-blocking (it is then
     *         certainly readable, so a waiter wakes anyway)
     * @throws IllegalArgumentException if {@code value} is not positive
     * @throws ErrnoException if {@code write(2)} fails
     */
    public boolean signal(long value) throws ErrnoException {
        if (value <= 0) throw new IllegalArgumentException("eventfd increment must be positive: " + value);
        CallState cs = CallState.current();
        int raw = fd.acquire("write");
        try {
            cs.scratch.set(ValueLayout.JAVA_LONG, 0, value);
            long r;
            do {
                r = FdCalls.write(cs, raw, cs.scratch, 8);
            } while (Results.interrupted(r));
            if (Results.wouldBlock(r)) return false;
            if (r < 0) throw fd.failure("write", "eventfd", r);
            return true;
        } finally {
            fd.release();
        }
    }

    /**
     * Reads the counter and resets it (or takes 1, in semaphore mode); 0 if it was 0 on
     * a non-blocking eventfd (a blocking one waits).
     *
     * @return the counter's value before the read (1 in semaphore mode), or 0
     * @throws ErrnoException if {@code read(2)} fails
     */
    public long drain() throws ErrnoException {
        return fd.readCounter();
    }

    /** Closes the eventfd; harmless if already closed. */
    @Override
    public void close() throws ErrnoException {
        fd.close();
    }
}
