package dev.panio.coroutine;

import dev.panio.epoll.Epoll;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.util.concurrent.locks.LockSupport;

/**
 * Parks virtual threads until an fd is ready in one direction: an epoll instance whose
 * registrations are one-shot and keyed by fd number, and a thread of its own that collects
 * its events and unparks whoever waits on a number when it fires: a platform thread blocked
 * in {@code epoll_wait}, or a virtual thread that polls without waiting and parks on such a
 * platform poller (the master) when nothing is ready. A registration
 * stays in the kernel after it fired (disabled); the next wait re-arms it with
 * {@code EPOLL_CTL_MOD} ({@code ADD} the first time), so a steady wait costs one
 * {@code epoll_ctl}. The kernel drops a registration when the last descriptor of its open
 * file closes; one kept alive by a duplicate (a dup, a fork, a descriptor passed away) stays
 * and may wake whoever waits on a new fd with the same number: a spurious wake-up, which
 * every waiter retries anyway.
 *
 * <p>Several threads may wait on one fd at once: all are woken, and each retries its call.
 * Wake-ups may be spurious; callers retry and wait again.
 */
final class ReadinessPoller {
    private final Epoll epoll;
    private final int events;
    private final WaiterTable waiting = new WaiterTable();

    /** A poller whose platform thread blocks in {@code epoll_wait}. */
    ReadinessPoller(String name, int events) throws ErrnoException {
        this.epoll = Epoll.open(256);
        this.events = events | Epoll.EPOLLONESHOT;
        Thread.ofPlatform().name(name).daemon(true).start(this::run);
    }

    /**
     * A poller that is itself a virtual thread: it collects events with {@code epoll_wait(0)}
     * between the other virtual threads' turns on the carriers, and only when none is ready
     * parks on {@code master} (a platform poller watching this poller's epoll fd). Under load
     * waiters are then woken without a platform thread's wake-up and context switch per batch.
     */
    ReadinessPoller(String name, int events, ReadinessPoller master) throws ErrnoException {
        this.epoll = Epoll.open(256);
        this.events = events | Epoll.EPOLLONESHOT;
        Thread.ofVirtual().name(name).start(() -> runVirtual(master));
    }

    private void runVirtual(ReadinessPoller master) {
        FileDescriptor self = epoll.fd();
        int raw = self.intValue();
        for (;;) {
            try {
                int n = epoll.epollWait(0);
                wakeAll(n);
                if (n > 0) {
                    Thread.yield(); // the threads just woken run first, then this looks again
                    continue;
                }
                master.enter(self, raw);
                try {
                    LockSupport.park(this);
                } finally {
                    master.leave(raw);
                }
            } catch (ClosedException e) {
                return;
            } catch (ErrnoException | RuntimeException | Error e) {
                reportAndPause(e);
            }
        }
    }

    /**
     * Registers the calling thread as waiting on {@code fd} (whose number is {@code raw}, held
     * by the caller) and arms the fd: from now on its readiness unparks the thread. The caller
     * then parks, and calls {@link #leave} whatever ended the park.
     */
    void enter(FileDescriptor fd, int raw) throws ErrnoException {
        waiting.add(raw, Thread.currentThread());
        try {
            arm(fd, raw);
        } catch (ErrnoException | RuntimeException e) {
            leave(raw);
            throw e;
        }
    }

    /** The calling thread no longer waits on fd number {@code raw}. */
    void leave(int raw) {
        waiting.remove(raw, Thread.currentThread());
    }

    private void arm(FileDescriptor fd, int raw) throws ErrnoException {
        try {
            epoll.modify(fd, events, raw);
        } catch (ErrnoException e) {
            if (e.errno() != Errno.ENOENT) throw e;
            try {
                epoll.add(fd, events, raw);
            } catch (ErrnoException raced) {
                if (raced.errno() != Errno.EEXIST) throw raced;
                epoll.modify(fd, events, raw); // another waiter added it meanwhile
            }
        }
    }

    /**
     * Wakes the waiters of each of the {@code n} events of the last wait. Their one-shot
     * registrations are disabled now, so one that failed must not cost the rest theirs.
     */
    private void wakeAll(int n) {
        for (int i = 0; i < n; i++) {
            try {
                wake((int) epoll.data(i));
            } catch (RuntimeException | Error e) {
                reportAndPause(e);
            }
        }
    }

    /** Unparks every thread waiting on fd number {@code raw} (it fired, or it is being closed). */
    void wake(int raw) {
        Object v = waiting.get(raw);
        if (v instanceof Thread t) {
            LockSupport.unpark(t);
        } else if (v instanceof Thread[] all) {
            for (Thread t : all) LockSupport.unpark(t);
        }
    }

    private void run() {
        for (;;) {
            try {
                wakeAll(epoll.epollWait(-1));
            } catch (ClosedException e) {
                return; // close(): a start that failed half way
            } catch (ErrnoException | RuntimeException | Error e) {
                reportAndPause(e);
            }
        }
    }

    /**
     * Every waiter depends on a poller's thread: an unexpected error is reported and the
     * thread goes on, after a pause (a lasting error is not a busy loop).
     */
    private static void reportAndPause(Throwable e) {
        System.getLogger(ReadinessPoller.class.getName()).log(System.Logger.Level.ERROR, "readiness poller: " + e, e);
        LockSupport.parkNanos(10_000_000L);
    }

    /** Stops the thread and closes the epoll instance (only if the shared start failed half way). */
    void close() {
        epoll.close();
    }
}
