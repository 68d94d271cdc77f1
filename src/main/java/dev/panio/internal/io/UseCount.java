package dev.panio.internal.io;

import dev.panio.io.ClosedException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * The lifecycle word of everything in panio that owns an fd or off-heap memory: one atomic
 * int holding the number of calls in flight and a CLOSED bit, the shape of Netty's
 * {@code FileDescriptor} state.
 *
 * <p>Protocol: a call {@link #acquire}s before it touches the fd or memory and
 * {@link #release}s after; {@link #close()} sets CLOSED. Whoever brings the word to
 * "closed, no call in flight" frees the resource, exactly once: {@code close()} itself when
 * nothing was in flight, otherwise the {@code release()} of the last call. So a close from
 * another thread never frees memory or a number under a running call; it only has to
 * wake that call (each owner says how).
 */
public final class UseCount {
    private static final int CLOSED = 1;
    private static final int ONE_USE = 2;
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(UseCount.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    @SuppressWarnings("unused") // accessed through STATE
    private volatile int state;

    /**
     * Marks a call in flight.
     *
     * @param owner what the call is made on, for the message (called only on failure)
     * @throws ClosedException naming {@code call} and {@code owner} if closed
     */
    public void acquire(Object owner, String call) {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) throw new ClosedException(call, String.valueOf(owner));
            if (STATE.weakCompareAndSet(this, s, s + ONE_USE)) return;
        }
    }

    /**
     * Ends a call begun with {@link #acquire}.
     *
     * @return true if this was the last call after a close: the caller must now free
     */
    public boolean release() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            // A release without its acquire must not take another call's use (whose fd or
            // memory could then be freed under it) nor wrap the count: refuse, change nothing.
            if (s >>> 1 == 0) throw new IllegalStateException("release without acquire");
            if (STATE.weakCompareAndSet(this, s, s - ONE_USE)) return s - ONE_USE == CLOSED;
        }
    }

    /**
     * Sets CLOSED.
     *
     * @return -1 if it was already closed; else the number of calls in flight: 0 means the
     *         caller must free now, more means the last of those calls will
     */
    public int close() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) return -1;
            if (STATE.weakCompareAndSet(this, s, s | CLOSED)) return s >>> 1;
        }
    }

    /**
     * Sets CLOSED and, if calls are in flight, takes one more use for the caller in the same
     * step: the caller can then still act on the resource (shut a socket down to wake the
     * calls) without the last of them freeing it meanwhile, and must {@link #release()}.
     *
     * @return -1 if it was already closed; 0 if no call was in flight (free now; no use was
     *         taken); more: the calls in flight, and the caller holds a use
     */
    public int closeHolding() {
        for (;;) {
            int s = (int) STATE.getVolatile(this);
            if ((s & CLOSED) != 0) return -1;
            int next = s == 0 ? CLOSED : (s + ONE_USE) | CLOSED;
            if (STATE.weakCompareAndSet(this, s, next)) return s >>> 1;
        }
    }

    /**
     * Sets CLOSED only if no call is in flight.
     *
     * @return true if it did (the caller now owns the resource's release), false if closed
     *         already or a call is in flight
     */
    public boolean closeIfIdle() {
        return STATE.compareAndSet(this, 0, CLOSED);
    }

    /** Whether {@link #close()} has been called. */
    public boolean isClosed() {
        return ((int) STATE.getVolatile(this) & CLOSED) != 0;
    }

    /**
     * What to throw for an {@code IllegalStateException} from an owner's arena: a memory
     * access that raced a close on another thread is reported as the {@link ClosedException}
     * it is; anything else is returned as it was.
     */
    public RuntimeException closedIfClosed(IllegalStateException e, Object owner, String call) {
        return isClosed() && !(e instanceof ClosedException) ? new ClosedException(call, String.valueOf(owner)) : e;
    }

    /**
     * Throws if closed; for calls that only touch memory the owner keeps in an arena (a
     * race with a close then ends in the arena's {@code IllegalStateException}).
     */
    public void ensureOpen(Object owner, String call) {
        if (((int) STATE.getVolatile(this) & CLOSED) != 0) throw new ClosedException(call, String.valueOf(owner));
    }
}
