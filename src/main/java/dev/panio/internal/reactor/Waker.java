package dev.panio.internal.reactor;

/**
 * How another thread makes a loop's wait return: the one abstraction behind every
 * backend's wake-up. An {@link EventFdWaker} for the multiplexers (the eventfd is watched
 * with the sockets) and io_uring (a POLL_ADD on it); a signal to the loop thread for
 * signal-driven I/O (its wait is on a signalfd); an unpark for the thread backends (the loop
 * thread parks).
 *
 * <p>Threads: {@link #wake()} is called from any thread, also while or after the loop ends
 * (it then does nothing).
 */
@FunctionalInterface
public interface Waker {
    /** Makes the loop's current or next wait return. */
    void wake();
}
