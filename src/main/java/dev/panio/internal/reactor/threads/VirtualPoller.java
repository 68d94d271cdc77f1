package dev.panio.internal.reactor.threads;

import dev.panio.coroutine.Readiness;
import dev.panio.epoll.Epoll;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.util.Collections;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks the virtual backend's threads on fd readiness: a thin layer over panio's shared
 * coroutine poller ({@link Readiness}), which the backend's connections, acceptors and
 * watches use through a {@link Waiter} per fd. What it adds: {@link Waiter#wake()} for a
 * thread that must look at its connection's state (a close or an end asked by another
 * thread), and {@link #close()}, which wakes every waiter of this driver as its loop ends.
 * The backend's connection threads never make a blocking system call, so carriers stay free.
 */
final class VirtualPoller implements AutoCloseable {
    private final Set<Waiter> waiters = Collections.synchronizedSet(Collections.newSetFromMap(new WeakHashMap<>()));
    private volatile boolean closed;

    /** One fd's waits; owned by the thread that reads or writes it. */
    final class Waiter {
        private final FileDescriptor fd;
        private volatile Thread parked;

        Waiter(FileDescriptor fd) {
            this.fd = fd;
        }

        /** Unparks the thread waiting here, if any: it returns and looks at its state. */
        void wake() {
            Thread t = parked;
            if (t != null) LockSupport.unpark(t);
        }

        /**
         * Parks the calling thread until {@code fd} is ready for {@code events}
         * ({@link Epoll#EPOLLIN}, {@link Epoll#EPOLLOUT}), the timeout passes, or it is
         * unparked (the caller then retries its call and may come back).
         */
        void await(int events, long timeoutNanos) throws ErrnoException {
            int interest = ((events & Epoll.EPOLLIN) != 0 ? Readiness.IN : 0) | ((events & Epoll.EPOLLOUT) != 0 ? Readiness.OUT : 0);
            parked = Thread.currentThread();
            try {
                if (closed) return; // the loop is ending: the caller finds its connection ended
                Readiness.await(fd, interest, timeoutNanos);
            } catch (InterruptedException e) {
                // A one-off wake: these threads are the backend's, nothing here stops them by
                // interrupt, and a flag a handler left set would make every later wait return
                // at once (a connection spinning a core); the caller looks at its state anyway.
            } catch (ClosedException e) {
                // closed under the wait: the caller finds it closed
            } finally {
                parked = null;
            }
        }
    }

    VirtualPoller(String name) {
        // the shared poller starts at the first wait; nothing of this driver's own to open
    }

    Waiter waiter(FileDescriptor fd) {
        Waiter w = new Waiter(fd);
        waiters.add(w);
        return w;
    }

    /** Wakes every parked thread (they find their fds closed or their loop ending). */
    @Override
    public void close() {
        closed = true;
        Waiter[] all;
        synchronized (waiters) {
            all = waiters.toArray(new Waiter[0]);
        }
        for (Waiter w : all) w.wake();
    }
}
