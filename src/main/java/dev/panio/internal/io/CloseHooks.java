package dev.panio.internal.io;

import java.util.function.IntConsumer;

/**
 * What {@code FileDescriptor.close()} tells the layer above when it closes a descriptor that
 * calls still hold: a thread parked on the descriptor's readiness (the coroutine poller)
 * holds a use of it while it waits, so the {@code close(2)} is deferred until it leaves, and
 * it must be woken to leave. A socket would wake it through its shutdown; a pipe, an eventfd
 * or a timerfd needs this. One listener, set once by the poller when it starts.
 */
public final class CloseHooks {
    private CloseHooks() {}

    private static volatile IntConsumer listener;

    /** Sets the listener for closes with calls in flight (the fd number is passed). */
    public static void listen(IntConsumer l) {
        listener = l;
    }

    /** Called by {@code FileDescriptor.close()} when calls still hold {@code fd}. */
    public static void closingInUse(int fd) {
        IntConsumer l = listener;
        if (l != null) l.accept(fd);
    }
}
