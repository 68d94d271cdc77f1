package dev.panio.io;

import static dev.panio.internal.io.Results.EAGAIN;
import static dev.panio.internal.io.Results.EINTR;

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
 */
public final class EventFd implements AutoCloseable {
    private final FileDescriptor fd;

    private EventFd(FileDescriptor fd) {
        this.fd = fd;
    }

    /** A non-blocking eventfd with counter 0. */
    public static EventFd open() throws ErrnoException {
        return open(0, true, false);
    }

    /**
     * @param initial     the counter's start value
     * @param nonBlocking {@code EFD_NONBLOCK}
     * @param semaphore   {@code EFD_SEMAPHORE}: each read takes 1 instead of all
     */
    public static EventFd open(int initial, boolean nonBlocking, boolean semaphore) throws ErrnoException {
        int flags = LibC.EFD_CLOEXEC() | (nonBlocking ? LibC.EFD_NONBLOCK() : 0) | (semaphore ? LibC.EFD_SEMAPHORE() : 0);
        CallState cs = CallState.current();
        return new EventFd(FileDescriptor.adopt(Results.check(MiscCalls.eventfd(cs.errno, initial, flags), "eventfd", -1)));
    }

    /** The descriptor, to register with a multiplexer. */
    public FileDescriptor fd() {
        return fd;
    }

    /**
     * Adds {@code value} (1 or more) to the counter.
     *
     * @return false if the counter is full and the eventfd is non-blocking (it is then
     *         certainly readable, so a waiter wakes anyway)
     */
    public boolean signal(long value) throws ErrnoException {
        if (value <= 0) throw new IllegalArgumentException("eventfd increment must be positive: " + value);
        CallState cs = CallState.current();
        int raw = fd.acquire("write");
        try {
            cs.scratch.set(ValueLayout.JAVA_LONG, 0, value);
            long r;
            do {
                r = FdCalls.write(cs.errno, raw, cs.scratch, 8);
            } while (r == -EINTR);
            if (r == -EAGAIN) return false;
            Results.check(r, "write", raw);
            return true;
        } finally {
            fd.release();
        }
    }

    /** Reads the counter and resets it (or takes 1, in semaphore mode); 0 if it was 0. */
    public long drain() throws ErrnoException {
        return fd.readCounter();
    }

    @Override
    public void close() throws ErrnoException {
        fd.close();
    }
}
