package dev.panio.internal.reactor.readiness;

import dev.panio.internal.reactor.Waker;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;

/**
 * A readiness multiplexer as the polling driver sees it: register fds with a 64-bit token
 * and read/write interest, wait, get (token, events) back. One implementation per
 * mechanism: {@link EpollPoller}, {@link PollPoller}, {@link SelectPoller},
 * {@link SignalPoller}.
 */
interface Poller {
    int READ = 1;
    int WRITE = 2;
    /** Error or hang-up: reported whatever the interest. */
    int ERROR = 4;
    /**
     * Beside {@link #READ}: the peer shut its output (epoll's {@code EPOLLRDHUP}), so the end
     * of the stream waits behind whatever is queued, with no further event to come for it.
     */
    int PEER_SHUT = 8;
    /**
     * Beside {@link #READ}: TCP urgent data is queued (epoll's {@code EPOLLPRI}, asked for
     * edge-triggered only); a read stops short at its mark with more bytes behind it.
     */
    int URGENT = 16;

    /** Receives ready events without allocation. */
    interface Ready {
        void ready(long token, int events);
    }

    void add(FileDescriptor fd, long token, int interest) throws ErrnoException;

    void modify(FileDescriptor fd, long token, int interest) throws ErrnoException;

    void remove(FileDescriptor fd) throws ErrnoException;

    /** Waits up to {@code timeoutNanos} (-1: no limit) and reports ready fds. */
    int poll(long timeoutNanos, Ready handler) throws ErrnoException;

    /** Whether readiness is reported only on change (the driver must read until EAGAIN). */
    boolean edgeTriggered();

    /**
     * Whether a stream read that returned less than it asked for may end an edge-triggered
     * drain: the receive queue was empty at that moment (unless urgent data stopped the read at
     * its mark, reported as {@link #URGENT}), and this poller reports every later arrival as a
     * new event. True for {@code EPOLLET} (every arrival runs the socket's
     * wake-up, which puts the fd back on epoll's ready list), as Netty's epoll transport also
     * relies on; saves the read that would only return {@code EAGAIN}. False where a lost
     * notification is recovered by looking again (the signal-driven poller's queue overflow).
     */
    default boolean shortReadDrains() {
        return false;
    }

    /** The highest fd number this poller can watch. */
    int maxFd();

    void close();

    /**
     * How another thread interrupts this poller's wait, or null if the driver should watch an
     * eventfd like any other fd (every poller but the signal-driven one, whose wait is on a
     * signalfd and is interrupted by a signal).
     */
    default Waker waker() {
        return null;
    }

    /** Milliseconds for a nanosecond timeout, rounded up so a timer is never woken early. */
    static int millis(long timeoutNanos) {
        if (timeoutNanos < 0) return -1;
        return (int) Math.min(Integer.MAX_VALUE, (timeoutNanos + 999_999L) / 1_000_000L);
    }
}
