package dev.panio.internal.io;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;

/**
 * The one place where a raw syscall result ({@code -errno} on failure) becomes a value or
 * an {@link ErrnoException}: every typed call in panio goes through here.
 */
public final class Results {
    private Results() {}

    /** Returned by a non-blocking read or write that would block ({@code EAGAIN}). */
    public static final int WOULD_BLOCK = -2;
    /** Returned by a read at end of stream. */
    public static final int EOF = -1;

    private static final int EINTR = Errno.EINTR.code();
    private static final int EAGAIN = Errno.EAGAIN.code();

    /** Whether a raw result is {@code -EINTR}: the call was interrupted and may be made again. */
    public static boolean interrupted(long r) {
        return r == -EINTR;
    }

    /** Whether a raw result is {@code -EAGAIN} (== {@code EWOULDBLOCK} on Linux). */
    public static boolean wouldBlock(long r) {
        return r == -EAGAIN;
    }

    /** Whether a raw result is {@code -errno}. */
    public static boolean is(long r, Errno errno) {
        return r == -errno.code();
    }

    /** {@code r} if it is a result, else the exception for {@code -r}. */
    public static int check(int r, String call, int fd) throws ErrnoException {
        if (r < 0) throw failure(call, null, fd, r);
        return r;
    }

    /** {@code r} if it is a result, else the exception for {@code -r}. */
    public static long check(long r, String call, int fd) throws ErrnoException {
        if (r < 0) throw failure(call, null, fd, (int) r);
        return r;
    }

    /** {@code r} if it is a result, else the exception for {@code -r}, naming {@code detail}. */
    public static int check(int r, String call, String detail, int fd) throws ErrnoException {
        if (r < 0) throw failure(call, detail, fd, r);
        return r;
    }

    /**
     * Maps a non-blocking transfer result: bytes, {@link #WOULD_BLOCK} for {@code EAGAIN}
     * (== {@code EWOULDBLOCK} on Linux), or the exception. {@code EINTR} must have been
     * retried by the caller.
     */
    public static long transfer(long r, String call, int fd) throws ErrnoException {
        if (r >= 0) return r;
        if (r == -EAGAIN) return WOULD_BLOCK;
        throw failure(call, null, fd, (int) r);
    }

    /**
     * The exception for a {@code -errno} result. A peer's reset ({@code ECONNRESET},
     * {@code EPIPE}) is routine on a server, so its exception carries no stack trace (as
     * Netty does): filling one in for every reset connection would cost more than the rest
     * of the error path.
     */
    public static ErrnoException failure(String call, String detail, int fd, int negErrno) {
        Errno errno = Errno.of(-negErrno);
        if (errno == Errno.ECONNRESET || errno == Errno.EPIPE) return ErrnoException.stackless(call, detail, fd, errno);
        return new ErrnoException(call, detail, fd, errno);
    }
}
