package dev.panio.coroutine;

import dev.panio.internal.io.Results;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.uring.IoUring;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketTimeoutException;
import java.util.concurrent.locks.LockSupport;

/**
 * Blocking calls through io_uring, the completion model: the calling thread hands the
 * operation itself to a shared ring and parks until it completes. There is no readiness step
 * and no retry, and it reaches what readiness cannot: a regular file, which {@code epoll}
 * refuses and {@link Blocking} therefore cannot wait on, is read and written by the kernel
 * while the virtual thread is parked, instead of holding its carrier in the system call
 * (the JDK's file I/O on a virtual thread pins the carrier and compensates with another).
 *
 * <p>One platform thread ({@code panio-uring-poller}) owns the ring: it submits what the
 * waiting threads hand it in batches, with one {@code io_uring_enter} that also waits for
 * completions, and unparks each thread with its result. Any thread may call; a platform
 * thread parks the same way.
 *
 * <p><b>Memory.</b> The kernel reads or writes the buffer after the call has handed it
 * over, so it must be off-heap memory of a <em>confined</em> arena of the calling thread:
 * only that thread could close it, and it is parked in the call until the kernel is done.
 * Memory of any other arena (shared, global, automatic) or heap memory is refused with
 * {@link IllegalArgumentException}: another thread could free it under the kernel.
 *
 * <p><b>Ending a call early.</b> An interrupt, a timeout or a close of the fd by another
 * thread cancels the operation ({@code IORING_OP_ASYNC_CANCEL}), and the call still waits
 * for its completion before it returns: the buffer is never written after the call. If the
 * operation finished before the cancel reached it, its result is returned (an interrupt then
 * stays set for the next call). Otherwise: {@link InterruptedIOException} with the interrupt
 * status set, {@link SocketTimeoutException}, or {@link ClosedException}.
 *
 * <p>Non-blocking pipes, eventfds and the like: io_uring answers {@code EAGAIN} at once for an
 * fd with {@code O_NONBLOCK}, so a read or write of one waits with {@code IORING_OP_POLL_ADD}
 * and tries again. Sockets use {@code IORING_OP_RECV} / {@code SEND}, which wait in the kernel.
 *
 * @see Blocking for the readiness model, which needs no io_uring
 */
public final class UringBlocking {
    private UringBlocking() {}

    /** {@link #run}'s result for a wait ended by an unpark (POLL_ADD's own results are event masks, never 0). */
    private static final int WOKEN = 0;
    private static final ThreadLocal<UringOp> OPS = ThreadLocal.withInitial(UringOp::new);
    private static final int EAGAIN = Errno.EAGAIN.code(), ECANCELED = Errno.ECANCELED.code(), EINTR = Errno.EINTR.code();

    /**
     * Whether these calls work here: the kernel gives this process a ring (see
     * {@link IoUring#availability()}) with every operation they use (Linux 5.6 and later).
     * Starts the shared ring and its thread if they can.
     *
     * @return true if the shared ring runs
     */
    public static boolean available() {
        if (!IoUring.availability().available()) return false;
        try {
            UringPoller.shared();
            return true;
        } catch (ErrnoException | RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads up to {@code dst.byteSize()} bytes at {@code offset} (-1: the fd's position, as
     * for pipes), waiting for them.
     *
     * @param fd     the descriptor, a regular file or any other
     * @param dst    where the bytes go
     * @param offset the file offset, or -1
     * @return bytes read, or {@link FileDescriptor#EOF}
     * @throws IllegalArgumentException if the buffer is not off-heap memory of a live confined
     *         arena of the calling thread (which must outlive the call; see the class comment),
     *         is read-only, or {@code offset} is below -1
     * @throws InterruptedIOException if interrupted; nothing was read
     * @throws ClosedException if {@code fd} is closed before or during the call
     * @throws IOException an {@link ErrnoException} from the operation ({@code ENOSYS} or
     *         {@code EINVAL} where the kernel lacks it), or one from setting up the shared ring
     */
    public static long read(FileDescriptor fd, MemorySegment dst, long offset) throws IOException {
        checkOffset(fd, offset, "read");
        checkBuffer(fd, dst, "read", true);
        for (;;) {
            int r = run(UringOp.READ, fd, dst, offset, 0, -1, "read");
            if (r == -EAGAIN) { // O_NONBLOCK: wait for readiness, then again
                awaitOrThrow(fd, Readiness.IN, "read");
                continue;
            }
            return r == 0 && dst.byteSize() > 0 ? FileDescriptor.EOF : check(r, fd, "read");
        }
    }

    /**
     * Writes all of {@code src} at {@code offset} (-1: the fd's position; appended past each
     * part written), waiting as needed; returns its size.
     *
     * @param fd     the descriptor, a regular file or any other
     * @param src    the bytes
     * @param offset the file offset, or -1
     * @return {@code src}'s size
     * @throws InterruptedIOException if interrupted; its {@code bytesTransferred} says how much of {@code src} was written
     * @throws IllegalArgumentException if the buffer is not off-heap memory of a live confined
     *         arena of the calling thread (which must outlive the call; see the class comment),
     *         or {@code offset} is below -1
     * @throws ClosedException if {@code fd} is closed before or during the call
     * @throws IOException an {@link ErrnoException} from the operation ({@code ENOSYS} or
     *         {@code EINVAL} where the kernel lacks it), or one from setting up the shared ring
     */
    public static long write(FileDescriptor fd, MemorySegment src, long offset) throws IOException {
        checkOffset(fd, offset, "write");
        checkBuffer(fd, src, "write", false);
        long at = 0, size = src.byteSize();
        try {
            while (at < size) {
                int r = run(UringOp.WRITE, fd, at == 0 ? src : src.asSlice(at), offset < 0 ? -1 : offset + at, 0, -1, "write");
                if (r == -EAGAIN) {
                    awaitOrThrow(fd, Readiness.OUT, "write");
                    continue;
                }
                at += check(r, fd, "write");
            }
        } catch (InterruptedIOException e) {
            throw transferred(e, at);
        }
        return size;
    }

    /**
     * Receives at least one byte on a stream socket (one message on a datagram or seqpacket
     * socket), waiting at most {@code timeoutNanos} (negative: no limit).
     *
     * @param socket       the socket
     * @param dst          where the bytes go
     * @param timeoutNanos the longest wait, negative for none
     * @return bytes read, or {@link FileDescriptor#EOF} on a stream or seqpacket socket whose
     *         peer closed (on seqpacket an empty message reads the same, as for
     *         {@link Socket#read}); on a datagram socket 0 is an empty datagram
     * @throws SocketTimeoutException if nothing came in time; nothing was read
     * @throws IllegalArgumentException if the buffer is not off-heap memory of a live confined
     *         arena of the calling thread (which must outlive the call; see the class comment),
     *         or is read-only
     * @throws InterruptedIOException if interrupted; nothing was read
     * @throws ClosedException if the socket is closed before or during the call
     * @throws IOException an {@link ErrnoException} from the operation ({@code ENOSYS} or
     *         {@code EINVAL} where the kernel lacks it), or one from setting up the shared ring
     */
    public static long read(Socket socket, MemorySegment dst, long timeoutNanos) throws IOException {
        FileDescriptor fd = socket.fd();
        checkBuffer(fd, dst, "recv", true);
        int r = run(UringOp.RECV, fd, dst, 0, 0, timeoutNanos, "recv");
        // as Socket.read: 0 ends a stream, and a seqpacket socket too (an empty message and the
        // peer's close read alike); only on a datagram socket is it an empty datagram
        return r == 0 && dst.byteSize() > 0 && socket.type() != Socket.Type.DATAGRAM ? FileDescriptor.EOF : check(r, fd, "recv");
    }

    /**
     * Sends all of {@code src} on a stream socket (one message on a message socket), waiting
     * for room; returns its size.
     *
     * @param socket the socket
     * @param src    the bytes
     * @return {@code src}'s size
     * @throws InterruptedIOException if interrupted; its {@code bytesTransferred} says how much of {@code src} was sent
     * @throws IllegalArgumentException if the buffer is not off-heap memory of a live confined
     *         arena of the calling thread (which must outlive the call; see the class comment)
     * @throws ClosedException if the socket is closed before or during the call
     * @throws IOException an {@link ErrnoException} from the operation ({@code ENOSYS} or
     *         {@code EINVAL} where the kernel lacks it), or one from setting up the shared ring
     */
    public static long write(Socket socket, MemorySegment src) throws IOException {
        FileDescriptor fd = socket.fd();
        checkBuffer(fd, src, "send", false);
        long at = 0, size = src.byteSize();
        try {
            do {
                at += check(run(UringOp.SEND, fd, at == 0 ? src : src.asSlice(at), 0, 0, -1, "send"), fd, "send");
            } while (at < size);
        } catch (InterruptedIOException e) {
            throw transferred(e, at);
        }
        return size;
    }

    /**
     * {@link Readiness#await} through the ring ({@code IORING_OP_POLL_ADD}), with its
     * contract: waits until {@code fd} may be ready for {@code events} or {@code timeoutNanos}
     * pass (negative: no limit; 0: only look); an unpark from another thread also ends the
     * wait (the caller retries its call, as after any wake-up). A wait whose time passes looks
     * once more before it says false.
     *
     * @param fd           the descriptor
     * @param events       {@link Readiness#IN}, {@link Readiness#OUT} or both
     * @param timeoutNanos the longest wait, negative for none, 0 to only look
     * @return true if woken (the fd may be ready), false if the time passed
     * @throws InterruptedException if interrupted before or during the wait
     * @throws ClosedException if {@code fd} was closed before or during the wait
     * @throws IllegalArgumentException if {@code events} is not a non-empty combination of
     *         {@link Readiness#IN} and {@link Readiness#OUT}
     * @throws IOException an {@link ErrnoException} from the poll or the shared ring's setup
     */
    public static boolean await(FileDescriptor fd, int events, long timeoutNanos) throws IOException, InterruptedException {
        if (events == 0 || (events & ~(Readiness.IN | Readiness.OUT)) != 0) {
            throw new IllegalArgumentException("await(fd=" + fd.intValue() + "): events must be IN, OUT or both, not 0x"
                    + Integer.toHexString(events));
        }
        if (Thread.interrupted()) throw new InterruptedException("await(fd=" + fd.intValue() + ") interrupted");
        try {
            check(run(UringOp.POLL, fd, null, 0, events, timeoutNanos, "await", true), fd, "poll");
            return true;
        } catch (SocketTimeoutException e) {
            int raw = fd.acquire("await");
            try {
                return Readiness.pollOnce(raw, events, 0); // the last look: a ready fd is never a timeout
            } finally {
                fd.release();
            }
        } catch (InterruptedIOException e) {
            Thread.interrupted(); // InterruptedException carries it instead, as Readiness does
            throw new InterruptedException(e.getMessage());
        }
    }

    /** {@link #await} for {@link Readiness#await}, with its exceptions. */
    static boolean poll(FileDescriptor fd, int events, long timeoutNanos) throws ErrnoException, InterruptedException {
        try {
            return await(fd, events, timeoutNanos);
        } catch (ErrnoException | InterruptedException e) {
            throw e;
        } catch (IOException e) { // not thrown by await: it turns the others into values
            throw new IllegalStateException(e);
        }
    }

    private static void awaitOrThrow(FileDescriptor fd, int events, String call) throws IOException {
        int r = run(UringOp.POLL, fd, null, 0, events, -1, call);
        check(r, fd, "poll");
    }

    /**
     * Submits one operation and parks until its completion; returns its result, or throws
     * for an interrupt, timeout or close that cancelled it.
     */
    private static int run(int kind, FileDescriptor fd, MemorySegment buf, long offset, int events, long timeoutNanos, String call)
            throws IOException {
        return run(kind, fd, buf, offset, events, timeoutNanos, call, false);
    }

    /**
     * ... and with {@code unparkEnds}, an unpark by another thread (or a spurious return of
     * {@code park}) also ends the wait: the op is cancelled and {@link #WOKEN} returned if
     * the cancel beat it, for {@link #await}, whose callers retry.
     */
    private static int run(int kind, FileDescriptor fd, MemorySegment buf, long offset, int events, long timeoutNanos, String call,
            boolean unparkEnds) throws IOException {
        UringPoller poller = UringPoller.shared();
        UringOp op = OPS.get();
        int raw = fd.acquire(call); // the number cannot be closed and reused while the kernel has it
        boolean interrupted = false, timedOut = false, woken = false;
        try {
            op.prepare(kind, fd, raw, buf, offset, events);
            poller.push(op);
            long deadline = timeoutNanos > 0 ? System.nanoTime() + timeoutNanos : 0;
            if (timeoutNanos == 0) {
                timedOut = true;
                poller.cancel(op);
            }
            while (!op.done) {
                if (timeoutNanos < 0 || op.cancel) {
                    LockSupport.park(op);
                } else {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        timedOut = true;
                        poller.cancel(op);
                        continue;
                    }
                    if (left >= Deadlines.MIN_NANOS) Deadlines.parkUntil(op, deadline);
                    else LockSupport.parkNanos(op, left);
                }
                if (Thread.interrupted()) {
                    interrupted = true;
                    poller.cancel(op);
                } else if (unparkEnds && !op.done && !op.cancel
                        && (timeoutNanos < 0 || deadline - System.nanoTime() > 0)) {
                    woken = true;
                    poller.cancel(op);
                }
            }
        } finally {
            fd.release();
        }
        int r = op.result;
        op.buf = null; // keep no caller memory (or descriptor) reachable from the thread's op
        op.owner = null;
        if (interrupted) Thread.currentThread().interrupt(); // kept for the caller, whatever the result
        if (!fd.isOpen()) throw new ClosedException(call, fd.toString());
        if (r == -ECANCELED && interrupted) throw new InterruptedIOException(call + "(fd=" + raw + ") interrupted");
        if (r == -ECANCELED && timedOut) {
            throw new SocketTimeoutException(call + "(fd=" + raw + "): not done within " + timeoutNanos / 1_000_000 + " ms");
        }
        if (r == -ECANCELED && woken) return WOKEN;
        if (r == -EINTR) return run(kind, fd, buf, offset, events, timeoutNanos, call, unparkEnds); // not expected from io_uring: again
        return r;
    }

    /** {@code e} saying that {@code at} bytes had been written before it (as {@link Blocking}'s writes do). */
    private static InterruptedIOException transferred(InterruptedIOException e, long at) {
        e.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, at);
        return e;
    }

    private static int check(int r, FileDescriptor fd, String call) throws ErrnoException {
        if (r >= 0) return r;
        throw Results.failure(call, "io_uring", fd.intValue(), r); // a reset is routine: stackless
    }

    private static void checkOffset(FileDescriptor fd, long offset, String call) {
        if (offset < -1) throw new IllegalArgumentException(call + "(fd=" + fd.intValue() + "): offset " + offset + " (-1 is the fd's position)");
    }

    /** See the class comment: memory only the (parked) caller could free. */
    private static void checkBuffer(FileDescriptor fd, MemorySegment buf, String call, boolean target) throws ErrnoException {
        // The message is built only when thrown: this runs on every call.
        if (!buf.isNative() || !buf.scope().isAlive() || !buf.isAccessibleBy(Thread.currentThread())
                || buf.isAccessibleBy(UringPoller.shared().thread)) {
            throw new IllegalArgumentException(call + "(fd=" + fd.intValue() + "): the buffer must be off-heap memory of a live "
                    + "confined arena of the calling thread (the kernel uses it after the call has handed it over; another arena "
                    + "could be closed under it)");
        }
        if (target && buf.isReadOnly()) throw new IllegalArgumentException(call + "(fd=" + fd.intValue() + "): the buffer is read-only");
        if (buf.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(call + "(fd=" + fd.intValue() + "): a buffer over 2 GiB: " + buf.byteSize());
        }
    }
}
