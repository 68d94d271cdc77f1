package dev.panio.internal.io;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * What {@code FileDescriptor.close()} tells the layer above when it closes a descriptor that
 * calls still hold: a thread parked on the descriptor's readiness (the coroutine poller)
 * holds a use of it while it waits, so the {@code close(2)} is deferred until it leaves, and
 * it must be woken to leave. A socket would wake it through its shutdown; a pipe, an eventfd
 * or a timerfd needs this, and so does an operation in flight on the coroutine io_uring
 * poller's ring, which must be cancelled. Each poller adds its listener once, when it starts.
 */
public final class CloseHooks {
    private CloseHooks() {}

    private static volatile IntConsumer[] listeners = {};

    /** Adds a listener for closes with calls in flight (the fd number is passed). */
    public static synchronized void listen(IntConsumer l) {
        IntConsumer[] now = Arrays.copyOf(listeners, listeners.length + 1);
        now[now.length - 1] = l;
        listeners = now;
    }

    /** Called by {@code FileDescriptor.close()} when calls still hold {@code fd}. */
    public static void closingInUse(int fd) {
        for (IntConsumer l : listeners) l.accept(fd);
    }
}
