package dev.panio.coroutine;

import dev.panio.epoll.Epoll;
import dev.panio.internal.io.CloseHooks;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.internal.gen.pollfd;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.poll.Poll;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Waiting for an fd to become ready, the coroutine way: a virtual thread that calls
 * {@link #await} is parked (its carrier thread runs other virtual threads) and unparked when
 * the fd is ready, by a shared epoll poller; a platform thread blocks in {@code poll(2)}.
 * With non-blocking fds, a call that returns {@code EAGAIN} followed by {@code await} and a
 * retry is a blocking call that never blocks a carrier in a system call: {@link Blocking}
 * does that for every kind of fd panio has.
 *
 * <p>Any fd that {@code epoll} can watch works: sockets of every kind, pipes, eventfds,
 * timerfds, signalfds, epoll and io_uring fds.
 *
 * <p>Ending a wait early:
 * <ul>
 * <li>An interrupt ends it with {@link InterruptedException} (the status cleared, as
 *     {@code Object.wait} does); the fd stays open.</li>
 * <li>Closing the fd from another thread ends it with {@link ClosedException}. The wait
 *     holds a use of the fd, so its number is not closed (nor reused) before the waiter has
 *     left.</li>
 * </ul>
 * A platform thread waits in slices of 50 ms and notices an interrupt or a close within one
 * slice; a virtual thread is woken at once.
 *
 * <p>Threads: any, any number, on any fds; several threads may wait on one fd. The shared
 * poller starts at first use and lives as long as the JVM: one epoll instance per
 * direction, each drained by a virtual thread of its own between the other virtual
 * threads' turns, and a platform daemon thread that wakes those two when nothing else runs.
 * Like the JDK's own pollers, a wake-up therefore waits for a carrier: virtual threads that
 * keep every carrier busy delay it. With {@code -Dpanio.coroutine.poller=io_uring} virtual
 * threads wait through the shared ring of {@link UringBlocking} instead (a one-shot
 * {@code IORING_OP_POLL_ADD} per wait); platform threads still use {@code poll(2)}.
 */
public final class Readiness {
    /** Interest in input: data to read, a connection to accept, end of stream, an error. */
    public static final int IN = Poll.POLLIN;
    /** Interest in output: room to write, a connect completed or failed. */
    public static final int OUT = Poll.POLLOUT;

    private static final long SLICE_NANOS = 50_000_000L;

    private Readiness() {}

    /** The shared pollers, one per direction. */
    private record Pollers(ReadinessPoller in, ReadinessPoller out) {}

    private static volatile Pollers pollers;
    private static final ReentrantLock STARTING = new ReentrantLock();
    /** {@code -Dpanio.coroutine.poller=io_uring}: virtual threads wait with the ring's POLL_ADD instead of the epoll pollers. */
    private static final boolean URING = "io_uring".equals(System.getProperty("panio.coroutine.poller"));

    /**
     * The shared pollers, made at first use. Not a holder class: virtual threads that wait
     * for another thread's class initialization are pinned to their carriers, and the first
     * waits of a server tend to come all at once; a j.u.c lock parks them instead.
     */
    private static Pollers pollers() throws ErrnoException {
        Pollers p = pollers;
        if (p != null) return p;
        STARTING.lock();
        try {
            if (pollers == null) {
                // RDHUP with input: a peer's shutdown wakes a reader, whose read then sees the end
                ReadinessPoller master = new ReadinessPoller("panio-readiness-master", Epoll.EPOLLIN);
                ReadinessPoller in = null, out;
                try {
                    in = new ReadinessPoller("panio-readiness-in", Epoll.EPOLLIN | Epoll.EPOLLRDHUP, master);
                    out = new ReadinessPoller("panio-readiness-out", Epoll.EPOLLOUT, master);
                } catch (ErrnoException | RuntimeException e) {
                    master.close(); // out of fds, say: the next wait tries again from nothing
                    if (in != null) in.close();
                    throw e;
                }
                final ReadinessPoller fin = in, fout = out;
                CloseHooks.listen(fd -> {
                    fin.wake(fd);
                    fout.wake(fd);
                });
                Warmup.run(); // for the same reason as above, see there
                pollers = new Pollers(fin, fout);
            }
            return pollers;
        } finally {
            STARTING.unlock();
        }
    }

    /**
     * Waits until {@code fd} is ready for {@code events} ({@link #IN}, {@link #OUT} or both),
     * or {@code timeoutNanos} pass (negative: no limit). A return of true says the fd may be
     * ready: the caller makes its call again and, if it would still block, waits again
     * (wake-ups can be spurious, as with {@code poll(2)}).
     *
     * <p>A timeout of 0 only looks (like {@code poll(2)} with 0), and a wait whose deadline
     * passes looks once more before it says false, so an fd that is ready is never reported
     * as timed out. Regular files are always ready for {@code poll(2)} but cannot be
     * registered with epoll: on a virtual thread they fail with {@code EPERM}. A close that
     * bypasses the {@link FileDescriptor} ({@code close(2)} or {@code dup2} over its number by
     * foreign code) is not seen by a parked virtual thread.
     *
     * @param fd           the descriptor
     * @param events       {@link #IN}, {@link #OUT} or both
     * @param timeoutNanos the longest wait, negative for none, 0 to only look
     * @return true if woken (the fd may be ready), false if the timeout passed
     * @throws ErrnoException if {@code poll(2)} or the epoll registration fails ({@code EPERM}
     *         for a regular file on a virtual thread), or the shared pollers cannot be started
     * @throws InterruptedException if the thread was interrupted before or during the wait
     * @throws ClosedException if {@code fd} was closed before or during the wait
     * @throws IllegalArgumentException if {@code events} is not a non-empty combination of
     *         {@link #IN} and {@link #OUT}
     */
    public static boolean await(FileDescriptor fd, int events, long timeoutNanos) throws ErrnoException, InterruptedException {
        if (events == 0 || (events & ~(IN | OUT)) != 0) {
            throw new IllegalArgumentException("await(fd=" + fd.intValue() + "): events must be IN, OUT or both, not 0x"
                    + Integer.toHexString(events));
        }
        if (Thread.interrupted()) throw interrupted(fd);
        long deadline = timeoutNanos < 0 ? 0 : System.nanoTime() + timeoutNanos;
        int raw = fd.acquire("await");
        try {
            if (timeoutNanos == 0) return pollOnce(raw, events, 0);
            if (!Thread.currentThread().isVirtual()) return pollPlatform(fd, raw, events, timeoutNanos, deadline);
            return URING ? UringBlocking.poll(fd, events, timeoutNanos) : parkVirtual(fd, raw, events, timeoutNanos, deadline);
        } finally {
            fd.release();
        }
    }

    private static boolean parkVirtual(FileDescriptor fd, int raw, int events, long timeoutNanos, long deadline)
            throws ErrnoException, InterruptedException {
        boolean in = (events & IN) != 0, out = (events & OUT) != 0;
        Pollers p = pollers();
        if (in) p.in().enter(fd, raw);
        try {
            if (out) p.out().enter(fd, raw);
            try {
                if (timeoutNanos < 0) LockSupport.park(fd);
                else if (timeoutNanos >= Deadlines.MIN_NANOS) Deadlines.parkUntil(fd, deadline); // no timer task per wait
                else LockSupport.parkNanos(fd, timeoutNanos);
            } finally {
                if (out) p.out().leave(raw);
            }
        } finally {
            if (in) p.in().leave(raw);
        }
        return checkWake(fd, timeoutNanos, deadline) || pollOnce(raw, events, 0);
    }

    private static boolean pollPlatform(FileDescriptor fd, int raw, int events, long timeoutNanos, long deadline)
            throws ErrnoException, InterruptedException {
        for (;;) {
            long slice = timeoutNanos < 0 ? SLICE_NANOS : Math.min(SLICE_NANOS, deadline - System.nanoTime());
            // the last look, at or past the deadline, is poll(0): a ready fd is never a timeout
            if (pollOnce(raw, events, slice > 0 ? (int) Math.max(1, slice / 1_000_000L) : 0)) return checkWake(fd, -1, 0);
            if (!checkWake(fd, timeoutNanos, deadline)) return false; // else a slice passed: look again
        }
    }

    /**
     * One {@code poll(2)} of the held fd number {@code raw}, its {@code pollfd} in the calling
     * thread's scratch memory (no allocation, no multiplexer of its own); true if ready.
     * {@code EINTR} reads as not ready: the caller looks again.
     */
    static boolean pollOnce(int raw, int events, int timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment pfd = cs.scratch.asSlice(0, pollfd.sizeof());
        pollfd.fd(pfd, raw);
        pollfd.events(pfd, (short) events);
        pollfd.revents(pfd, (short) 0);
        int r = MultiplexCalls.poll(cs, pfd, 1, timeoutMillis);
        if (r < 0 && !Results.interrupted(r)) throw Results.failure("poll", null, raw, r);
        return r > 0;
    }

    /** After a wake-up: throws for an interrupt or a close; false if the deadline has passed, else true. */
    private static boolean checkWake(FileDescriptor fd, long timeoutNanos, long deadline) throws InterruptedException {
        if (Thread.interrupted()) throw interrupted(fd);
        if (!fd.isOpen()) throw new ClosedException("await", fd.toString());
        return timeoutNanos < 0 || System.nanoTime() - deadline < 0;
    }

    private static InterruptedException interrupted(FileDescriptor fd) {
        return new InterruptedException("await(fd=" + fd.intValue() + ") interrupted");
    }
}
