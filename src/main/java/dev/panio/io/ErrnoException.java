package dev.panio.io;

import java.io.IOException;

/**
 * A system call failed. Carries the {@link Errno}, the call's name, the file descriptor it
 * was made on (or -1 when none), and an optional detail such as the {@code epoll_ctl}
 * operation. The message reads like
 * {@code epoll_ctl(ADD, fd=12): EBADF (Bad file descriptor)}.
 *
 * <p>This is the only exception panio throws for an OS error; {@code EAGAIN} on a
 * non-blocking call is never thrown but returned as a value.
 */
public class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Errno errno;
    /** The failed call's name. */
    private final String call;
    /** The file descriptor the call was made on, or -1. */
    private final int fd;

    /**
     * An exception for a failed call.
     *
     * @param call   the C function (or operation) that failed, e.g. {@code "epoll_ctl"}
     * @param detail what else identifies the call, e.g. {@code "ADD"}, or null
     * @param fd     the file descriptor it was made on, or -1
     * @param errno  the error
     */
    public ErrnoException(String call, String detail, int fd, Errno errno) {
        super(message(call, detail, fd, errno));
        this.call = call;
        this.fd = fd;
        this.errno = errno;
    }

    /**
     * An exception for a failed call without a detail.
     *
     * @param call  the C function that failed, e.g. {@code "accept4"}
     * @param fd    the file descriptor it was made on, or -1
     * @param errno the error
     */
    public ErrnoException(String call, int fd, Errno errno) {
        this(call, null, fd, errno);
    }

    /**
     * An exception without a stack trace, for routine errors such as a peer's reset, where
     * the trace says nothing and costs the most.
     *
     * @param call   the C function (or operation) that failed
     * @param detail what else identifies the call, or null
     * @param fd     the file descriptor it was made on, or -1
     * @param errno  the error
     * @return the exception, not thrown
     */
    public static ErrnoException stackless(String call, String detail, int fd, Errno errno) {
        return new Stackless(call, detail, fd, errno);
    }

    private static final class Stackless extends ErrnoException {
        private static final long serialVersionUID = 1L;

        Stackless(String call, String detail, int fd, Errno errno) {
            super(call, detail, fd, errno);
        }

        @Override
        public synchronized Throwable fillInStackTrace() {
            return this;
        }
    }

    private static String message(String call, String detail, int fd, Errno errno) {
        StringBuilder sb = new StringBuilder(call).append('(');
        if (detail != null) {
            sb.append(detail);
            if (fd >= 0) sb.append(", ");
        }
        if (fd >= 0) sb.append("fd=").append(fd);
        return sb.append("): ").append(errno).toString();
    }

    /**
     * The error number.
     *
     * @return the errno; null in a deserialized copy (it is not serialized)
     */
    public Errno errno() {
        return errno;
    }

    /**
     * The failed call's name.
     *
     * @return the name, e.g. {@code "epoll_ctl"}
     */
    public String call() {
        return call;
    }

    /**
     * The file descriptor the call was made on.
     *
     * @return the fd, or -1 when the call had none
     */
    public int fd() {
        return fd;
    }
}
