package dev.panio.internal.reactor.threads;

import dev.panio.epoll.Epoll;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks virtual threads on fd readiness in one direction (a driver keeps one for reads
 * and one for writes, so a reader and a writer of the same fd can wait at once): the
 * coroutine model. A thread whose non-blocking call would block registers the fd (epoll,
 * one-shot) and parks; this poller's own platform thread waits in {@code epoll_wait} and
 * unparks it when the fd is ready. No virtual thread makes a blocking system call, so
 * carriers stay free.
 */
final class VirtualPoller implements AutoCloseable {
    private final Epoll epoll;
    private final Thread thread;
    private final ConcurrentHashMap<Long, Thread> waiting = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean closed;

    /** One fd's registration; owned by the thread that reads or writes it. */
    final class Waiter {
        private final FileDescriptor fd;
        private final long id = ids.incrementAndGet();
        private boolean added;

        Waiter(FileDescriptor fd) {
            this.fd = fd;
        }

        /** Unparks the thread waiting here, if any (its fd was closed). */
        void wake() {
            Thread t = waiting.get(id);
            if (t != null) LockSupport.unpark(t);
        }

        /**
         * Parks the calling thread until {@code fd} is ready for {@code events}
         * ({@link Epoll#EPOLLIN} or {@link Epoll#EPOLLOUT}), the timeout passes, or it is
         * unparked (the caller then retries its call and may come back).
         */
        void await(int events, long timeoutNanos) throws ErrnoException {
            // RDHUP only when reading: a writer to a peer that has sent its FIN but does not
            // read would otherwise be woken at once, again and again (a busy loop).
            int bits = events | Epoll.EPOLLONESHOT | ((events & Epoll.EPOLLIN) != 0 ? Epoll.EPOLLRDHUP : 0);
            if (closed) return; // the loop is ending: the caller finds its connection ended
            waiting.put(id, Thread.currentThread());
            try {
                if (added) {
                    epoll.modify(fd, bits, id);
                } else {
                    epoll.add(fd, bits, id);
                    added = true;
                }
                if (timeoutNanos < 0) LockSupport.park(this);
                else LockSupport.parkNanos(this, timeoutNanos);
            } catch (ClosedException pollerClosed) {
                // closed under us as the loop ends: a wake-up like any other
            } finally {
                waiting.remove(id);
            }
        }
    }

    VirtualPoller(String name) throws ErrnoException {
        epoll = Epoll.open(256);
        thread = Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    Waiter waiter(FileDescriptor fd) {
        return new Waiter(fd);
    }

    private void run() {
        try {
            while (!closed) {
                int n = epoll.wait(100);
                for (int i = 0; i < n; i++) {
                    Thread t = waiting.get(epoll.data(i));
                    if (t != null) LockSupport.unpark(t);
                }
            }
        } catch (ErrnoException | dev.panio.io.ClosedException e) {
            if (!closed) System.getLogger(VirtualPoller.class.getName()).log(System.Logger.Level.ERROR, "poller stopped", e);
        }
    }

    /** Wakes every parked thread (they find their fds closed) and stops. */
    @Override
    public void close() {
        closed = true;
        waiting.values().forEach(LockSupport::unpark);
        epoll.close(); // wakes the poller thread out of its wait at once
        try {
            thread.join(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
