package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.io.CloseHooks;
import dev.panio.internal.io.Memory;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.UseCount;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.internal.sys.SocketCalls;
import dev.panio.internal.sys.VectorCalls;
import java.lang.foreign.MemorySegment;
import java.lang.ref.Cleaner;
import java.nio.ByteBuffer;

/**
 * An owned Linux file descriptor.
 *
 * <p>Guarantees:
 * <ul>
 * <li>The descriptor is closed exactly once, by {@link #close()} or, if the owner forgot,
 *     when this object is garbage collected (with a warning naming the fd).</li>
 * <li>Every call on it holds a use count; {@code close()} while calls are in flight marks
 *     it closed at once (new calls throw {@link ClosedException}) but defers
 *     {@code close(2)} until the last call returns, so the number cannot be reused by
 *     another open while a call still uses it. A socket is also shut down so that threads
 *     blocked on it wake: a blocked read then returns {@link #EOF}, a blocked accept throws
 *     {@link ClosedException}; and a thread parked on its readiness
 *     ({@code dev.panio.coroutine.Readiness}), whatever kind of fd it is, is woken and throws
 *     {@link ClosedException}.</li>
 * <li>Non-blocking transfers return {@link #WOULD_BLOCK} for {@code EAGAIN} and
 *     {@link #EOF} at end of stream; every other failure is an {@link ErrnoException}
 *     naming the call and the fd. {@code EINTR} is retried: a read or write interrupted
 *     before moving any byte can simply be made again.</li>
 * <li>Memory is checked before the call: a segment whose arena is closed, or a read-only
 *     segment or buffer given as a read target, is refused with an exception naming the
 *     call and the fd, before any byte is consumed from the fd.</li>
 * </ul>
 * Reads and writes accept off-heap and heap {@link MemorySegment}s and direct and heap
 * {@link ByteBuffer}s; heap memory is staged through a per-thread off-heap buffer (up to
 * 64 KiB per call), since a call that may block cannot be handed heap memory. The memory
 * need only be valid for the duration of the call.
 *
 * <p>Threads: every method may be called from any thread; calls on one descriptor from
 * several threads at once are as safe as the kernel makes them (a read and a write at once
 * are fine; two reads at once split the data between them).
 */
public final class FileDescriptor implements AutoCloseable {
    /** A read found the end of stream. */
    public static final int EOF = Results.EOF;
    /** A non-blocking read or write found nothing to do ({@code EAGAIN}). */
    public static final int WOULD_BLOCK = Results.WOULD_BLOCK;

    private static final Cleaner CLEANER = Cleaner.create();
    private static final System.Logger LOG = System.getLogger(FileDescriptor.class.getName());

    private final int fd;
    private final UseCount uses = new UseCount();
    private final Closer closer;
    private final Cleaner.Cleanable cleanable;

    private FileDescriptor(int fd) {
        if (fd < 0) throw new IllegalArgumentException("not a file descriptor: " + fd);
        this.fd = fd;
        this.closer = new Closer(fd);
        this.cleanable = CLEANER.register(this, closer);
        FdOrigins.opened(fd);
    }

    /**
     * Takes ownership of {@code fd}: from now on only this object closes it.
     *
     * @param fd an open descriptor nothing else will close
     * @return the owner of {@code fd}
     * @throws IllegalArgumentException if {@code fd} is negative
     */
    public static FileDescriptor adopt(int fd) {
        return new FileDescriptor(fd);
    }

    /**
     * The raw number. It names this descriptor only while it is open; prefer
     * {@link #acquire(String)} around foreign calls made outside panio.
     *
     * @return the descriptor number, also after close
     */
    public int intValue() {
        return fd;
    }

    /**
     * Whether {@link #close()} has not been called.
     *
     * @return false once {@code close()} or {@link #detach()} has been called, even while a
     *         deferred {@code close(2)} waits for calls in flight
     */
    public boolean isOpen() {
        return !uses.isClosed();
    }

    /**
     * Marks a call in flight and returns the raw fd; the fd number stays reserved until the
     * matching {@link #release()}. For code that makes its own foreign calls on this fd.
     *
     * @param call the call's name, for the exception's message
     * @return the raw fd
     * @throws ClosedException naming {@code call} if this descriptor is closed
     */
    public int acquire(String call) {
        uses.acquire(this, call);
        return fd;
    }

    /** Ends a call begun with {@link #acquire(String)}. */
    public void release() {
        if (uses.release()) closeNow();
    }

    /**
     * The exception for a call that failed with {@code -errno} {@code r}, to be thrown by the
     * caller; but if this descriptor was closed while the call ran, throws
     * {@link ClosedException} itself (a socket shut down under a blocked {@code accept}
     * reports {@code EINVAL}, which would mislead).
     *
     * @param call   the failed call's name
     * @param detail what else identifies the call, or null
     * @param r      the raw result, {@code -errno}
     * @return the exception naming this fd, to throw
     * @throws ClosedException if this descriptor was closed
     */
    public ErrnoException failure(String call, String detail, long r) {
        if (uses.isClosed()) throw new ClosedException(call, toString());
        return Results.failure(call, detail, fd, (int) r);
    }

    /**
     * Closes the descriptor; harmless if already closed, from any thread. If calls are in
     * flight the {@code close(2)} happens when the last one returns.
     *
     * @throws ErrnoException if {@code close(2)} itself reports an error (the fd is released
     *                        either way, as Linux does)
     */
    @Override
    public void close() throws ErrnoException {
        int inFlight = uses.closeHolding();
        if (inFlight < 0) return;
        if (inFlight == 0) {
            int r = closeNow();
            if (r < 0 && !Results.interrupted(r)) throw Results.failure("close", null, fd, r);
            return;
        }
        // Calls are in flight, and this thread holds a use of its own, so the number cannot be
        // closed and reused before the shutdown below reaches it.
        try {
            // Wake threads blocked in accept/recv/send on a socket; ENOTSOCK otherwise, ignored.
            SocketCalls.shutdown(CallState.current(), fd, LibC.SHUT_RDWR());
            CloseHooks.closingInUse(fd); // and threads parked on its readiness, whatever it is
        } finally {
            release();
        }
    }

    /**
     * Gives up ownership without closing: afterwards this object is closed and the caller
     * owns the returned number (to hand it to io_uring's CLOSE, say).
     *
     * @return the raw fd, now the caller's to close
     * @throws ClosedException if already closed
     * @throws ErrnoException {@code EBUSY} if calls are in flight
     */
    public int detach() throws ErrnoException {
        if (uses.isClosed()) throw new ClosedException("detach", toString());
        if (!uses.closeIfIdle()) {
            if (uses.isClosed()) throw new ClosedException("detach", toString());
            throw new ErrnoException("detach", "calls in flight", fd, Errno.EBUSY);
        }
        closer.explicit = true;
        closer.detached = true;
        cleanable.clean();
        return fd;
    }

    private int closeNow() {
        closer.explicit = true;
        cleanable.clean();
        return closer.result;
    }

    /** Closes the fd once: explicitly through {@link #closeNow}, or when the owner is collected. */
    private static final class Closer implements Runnable {
        private final int fd;
        volatile boolean explicit;
        volatile boolean detached;
        int result;

        Closer(int fd) {
            this.fd = fd;
        }

        @Override
        public void run() {
            FdOrigins.released(fd); // closed or handed over: no longer panio's
            if (detached) return;
            if (!explicit) {
                LOG.log(System.Logger.Level.WARNING, "fd {0} was garbage-collected while open; closing it", fd);
            }
            // On Linux the descriptor is released even when close(2) fails with EINTR: never retry.
            result = FdCalls.close(CallState.current(), fd);
        }
    }

    // ---- reads and writes -------------------------------------------------------------

    /**
     * Reads into {@code dst}.
     *
     * @param dst where the bytes go, from offset 0; at most 64 KiB per call for heap memory
     * @return bytes read (&gt; 0), {@link #EOF}, {@link #WOULD_BLOCK}, or 0 if {@code dst} is empty
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws IllegalStateException if {@code dst}'s arena is closed
     * @throws ErrnoException if {@code read(2)} fails
     */
    public long read(MemorySegment dst) throws ErrnoException {
        Memory.checkTarget(dst, "read", fd);
        CallState cs = CallState.current();
        if (!dst.isNative()) {
            MemorySegment bounce = cs.bounce();
            long n = read(cs, bounce, Math.min(dst.byteSize(), bounce.byteSize()));
            if (n > 0) MemorySegment.copy(bounce, 0, dst, 0, n);
            return n;
        }
        return read(cs, dst, dst.byteSize());
    }

    private long read(CallState cs, MemorySegment dst, long len) throws ErrnoException {
        acquire("read");
        try {
            long r;
            do {
                r = FdCalls.read(cs, fd, dst, len);
            } while (Results.interrupted(r));
            return r == 0 && len > 0 ? EOF : transfer(r, "read");
        } finally {
            release();
        }
    }

    /** Bytes moved, {@link #WOULD_BLOCK} for {@code EAGAIN}, or the exception. */
    private long transfer(long r, String call) throws ErrnoException {
        if (r >= 0) return r;
        if (Results.wouldBlock(r)) return WOULD_BLOCK;
        throw failure(call, null, r);
    }

    /**
     * Reads into {@code dst} from its position; advances the position by the bytes read.
     *
     * @param dst where the bytes go, up to its limit (64 KiB per call for a heap buffer)
     * @return bytes read, {@link #EOF}, {@link #WOULD_BLOCK}, or 0 if nothing remains in {@code dst}
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws ErrnoException if {@code read(2)} fails
     */
    public int read(ByteBuffer dst) throws ErrnoException {
        if (dst.isReadOnly()) throw new IllegalArgumentException("read(fd=" + fd + "): the destination is read-only");
        int pos = dst.position();
        long n = read(MemorySegment.ofBuffer(dst));
        if (n > 0) dst.position(pos + (int) n);
        return (int) n;
    }

    /**
     * Writes from {@code src}.
     *
     * @param src the bytes to write, all of it (at most 64 KiB per call for heap memory)
     * @return bytes written (possibly fewer than offered), or {@link #WOULD_BLOCK}
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws ErrnoException if {@code write(2)} fails ({@code EPIPE} on a pipe whose read end is closed)
     */
    public long write(MemorySegment src) throws ErrnoException {
        Memory.checkAlive(src, "write", fd);
        CallState cs = CallState.current();
        if (!src.isNative()) {
            MemorySegment bounce = cs.bounce();
            long len = Math.min(src.byteSize(), bounce.byteSize());
            MemorySegment.copy(src, 0, bounce, 0, len);
            return write(cs, bounce, len);
        }
        return write(cs, src, src.byteSize());
    }

    private long write(CallState cs, MemorySegment src, long len) throws ErrnoException {
        acquire("write");
        try {
            long r;
            do {
                r = FdCalls.write(cs, fd, src, len);
            } while (Results.interrupted(r));
            return transfer(r, "write");
        } finally {
            release();
        }
    }

    /**
     * Writes from {@code src}'s position; advances the position by the bytes written.
     *
     * @param src the bytes between its position and limit (64 KiB per call for a heap buffer)
     * @return bytes written, or {@link #WOULD_BLOCK}
     * @throws ErrnoException if {@code write(2)} fails
     */
    public int write(ByteBuffer src) throws ErrnoException {
        int pos = src.position();
        long n = write(MemorySegment.ofBuffer(src));
        if (n > 0) src.position(pos + (int) n);
        return (int) n;
    }

    /**
     * Scatter read into the first {@code iov.count()} entries of {@code iov}. Every entry is
     * checked first (alive, writable, accessible from this thread), and the entries' arenas
     * (up to six) are kept alive until the call returns.
     *
     * @param iov the buffers, filled in order
     * @return bytes read, {@link #EOF}, or {@link #WOULD_BLOCK}
     * @throws IllegalArgumentException if an entry is read-only, or its memory comes from more
     *         than six arenas
     * @throws IllegalStateException if an entry's arena is closed
     * @throws WrongThreadException if an entry is confined to another thread
     * @throws ErrnoException if {@code readv(2)} fails
     */
    public long readv(IoVec iov) throws ErrnoException {
        iov.check("readv", fd, true);
        MemorySegment[] keep = iov.keepAlive("readv", fd, false); // the array itself is an argument
        CallState cs = CallState.current();
        acquire("readv");
        try {
            long r;
            do {
                r = VectorCalls.readv(cs, fd, iov.segment(), iov.count(), keep);
            } while (Results.interrupted(r));
            return r == 0 && iov.totalBytes() > 0 ? EOF : transfer(r, "readv");
        } finally {
            release();
        }
    }

    /**
     * Gather write from the first {@code iov.count()} entries of {@code iov}. Every entry is
     * checked first (alive, accessible from this thread), and the entries' arenas (up to six)
     * are kept alive until the call returns.
     *
     * @param iov the buffers, written in order
     * @return bytes written, or {@link #WOULD_BLOCK}
     * @throws IllegalArgumentException if the entries' memory comes from more than six arenas
     * @throws IllegalStateException if an entry's arena is closed
     * @throws WrongThreadException if an entry is confined to another thread
     * @throws ErrnoException if {@code writev(2)} fails
     */
    public long writev(IoVec iov) throws ErrnoException {
        iov.check("writev", fd, false);
        MemorySegment[] keep = iov.keepAlive("writev", fd, false);
        CallState cs = CallState.current();
        acquire("writev");
        try {
            long r;
            do {
                r = VectorCalls.writev(cs, fd, iov.segment(), iov.count(), keep);
            } while (Results.interrupted(r));
            return transfer(r, "writev");
        } finally {
            release();
        }
    }

    /**
     * Reads the 8-byte counter of an eventfd or timerfd (resetting it, as the kernel does);
     * 0 if it is zero and the fd is non-blocking.
     */
    long readCounter() throws ErrnoException {
        CallState cs = CallState.current();
        acquire("read");
        try {
            long r;
            do {
                r = FdCalls.read(cs, fd, cs.scratch, 8);
            } while (Results.interrupted(r));
            if (Results.wouldBlock(r)) return 0;
            if (r < 0) throw failure("read", null, r);
            return cs.scratch.get(java.lang.foreign.ValueLayout.JAVA_LONG, 0);
        } finally {
            release();
        }
    }

    // ---- flags ---------------------------------------------------------------------------

    /**
     * Sets or clears {@code O_NONBLOCK} ({@code fcntl F_GETFL/F_SETFL}). The flag belongs to
     * the open file, so duplicates of this descriptor see the change.
     *
     * @param on true to set the flag, false to clear it
     * @throws ErrnoException if {@code fcntl} fails
     */
    public void setNonBlocking(boolean on) throws ErrnoException {
        setFlag(LibC.F_GETFL(), LibC.F_SETFL(), LibC.O_NONBLOCK(), on);
    }

    /**
     * Whether {@code O_NONBLOCK} is set.
     *
     * @return true if the open file is non-blocking
     * @throws ErrnoException if {@code fcntl} fails
     */
    public boolean isNonBlocking() throws ErrnoException {
        return (getFlags(LibC.F_GETFL()) & LibC.O_NONBLOCK()) != 0;
    }

    /**
     * Sets or clears {@code FD_CLOEXEC} ({@code fcntl F_GETFD/F_SETFD}), a flag of this
     * descriptor only.
     *
     * @param on true to set the flag, false to clear it
     * @throws ErrnoException if {@code fcntl} fails
     */
    public void setCloseOnExec(boolean on) throws ErrnoException {
        setFlag(LibC.F_GETFD(), LibC.F_SETFD(), LibC.FD_CLOEXEC(), on);
    }

    /**
     * Whether {@code FD_CLOEXEC} is set.
     *
     * @return true if the descriptor is closed on {@code execve}
     * @throws ErrnoException if {@code fcntl} fails
     */
    public boolean isCloseOnExec() throws ErrnoException {
        return (getFlags(LibC.F_GETFD()) & LibC.FD_CLOEXEC()) != 0;
    }

    private int getFlags(int getCmd) throws ErrnoException {
        CallState cs = CallState.current();
        acquire("fcntl");
        try {
            return Results.check(FdCalls.fcntl(cs, fd, getCmd, 0), "fcntl", getCmd == LibC.F_GETFL() ? "F_GETFL" : "F_GETFD", fd);
        } finally {
            release();
        }
    }

    private void setFlag(int getCmd, int setCmd, int bit, boolean on) throws ErrnoException {
        int flags = getFlags(getCmd);
        int wanted = on ? flags | bit : flags & ~bit;
        if (wanted == flags) return;
        CallState cs = CallState.current();
        acquire("fcntl");
        try {
            Results.check(FdCalls.fcntl(cs, fd, setCmd, wanted), "fcntl", setCmd == LibC.F_SETFL() ? "F_SETFL" : "F_SETFD", fd);
        } finally {
            release();
        }
    }

    /**
     * A new descriptor for the same open file, numbered {@code minFd} or above, with
     * {@code FD_CLOEXEC} set ({@code fcntl F_DUPFD_CLOEXEC}).
     *
     * @param minFd the lowest number the new descriptor may have; 0 for the lowest free
     * @return the new descriptor, owned by the caller
     * @throws IllegalArgumentException if {@code minFd} is negative
     * @throws ErrnoException if {@code fcntl} fails ({@code EMFILE}, or {@code EINVAL} for a
     *         {@code minFd} at or above {@code RLIMIT_NOFILE})
     */
    public FileDescriptor duplicate(int minFd) throws ErrnoException {
        if (minFd < 0) throw new IllegalArgumentException("fcntl(F_DUPFD_CLOEXEC, fd=" + fd + "): minFd must not be negative: " + minFd);
        CallState cs = CallState.current();
        acquire("fcntl");
        try {
            return adopt(Results.check(FdCalls.fcntl(cs, fd, LibC.F_DUPFD_CLOEXEC(), minFd), "fcntl", "F_DUPFD_CLOEXEC", fd));
        } finally {
            release();
        }
    }

    /**
     * Bytes that a read would return now ({@code ioctl FIONREAD}).
     *
     * @return the bytes readable without blocking
     * @throws ErrnoException if {@code ioctl} fails, as on a kind of file that keeps no such count
     */
    public int available() throws ErrnoException {
        CallState cs = CallState.current();
        acquire("ioctl");
        try {
            Results.check(FdCalls.ioctl(cs, fd, LibC.FIONREAD(), cs.scratch), "ioctl", "FIONREAD", fd);
            return cs.scratch.get(java.lang.foreign.ValueLayout.JAVA_INT, 0);
        } finally {
            release();
        }
    }

    @Override
    public String toString() {
        return "fd=" + fd; // whether it is open: isOpen()
    }
}
