package dev.panio.internal.io;

import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;

/**
 * How {@code close()} wakes a thread blocked in a multiplexer's wait: every {@code Select},
 * {@code Poll} and {@code Epoll} watches an eventfd of its own, which nothing signals but a
 * close. The waiter returns, sees the closed state and throws {@code ClosedException}.
 */
public final class CloseWake {
    private CloseWake() {}

    /**
     * Signals {@code wake}; quietly does nothing if the last call already left and freed it
     * (the race a close from another thread can lose harmlessly).
     */
    public static void signal(EventFd wake) {
        try {
            wake.signal(1);
        } catch (ClosedException | ErrnoException ignored) {
            // already freed: nobody is left to wake
        }
    }
}
