package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * File descriptor calls: read/write and their vector and positioned forms, close, pipe2,
 * dup, fcntl, open, memfd_create. Each returns the C result or {@code -errno}.
 *
 * <p>None of these retries on {@code EINTR}; the typed layer decides, because only it
 * knows whether a call made progress.
 */
public final class FdCalls {
    private FdCalls() {}

    private static final MethodHandle READ = Native.blocking(LibC.read$address(), LibC.read$descriptor());
    private static final MethodHandle WRITE = Native.blocking(LibC.write$address(), LibC.write$descriptor());
    private static final MethodHandle READV = Native.blocking(LibC.readv$address(), LibC.readv$descriptor());
    private static final MethodHandle WRITEV = Native.blocking(LibC.writev$address(), LibC.writev$descriptor());
    private static final MethodHandle PREAD = Native.blocking(LibC.pread$address(), LibC.pread$descriptor());
    private static final MethodHandle PWRITE = Native.blocking(LibC.pwrite$address(), LibC.pwrite$descriptor());
    // close can block: a socket with SO_LINGER waits for unsent data.
    private static final MethodHandle CLOSE = Native.blocking(LibC.close$address(), LibC.close$descriptor());
    private static final MethodHandle PIPE2 = Native.critical(LibC.pipe2$address(), LibC.pipe2$descriptor());
    private static final MethodHandle DUP = Native.critical(LibC.dup$address(), LibC.dup$descriptor());
    private static final MethodHandle DUP3 = Native.critical(LibC.dup3$address(), LibC.dup3$descriptor());
    // Only the F_GETFL/F_SETFL/F_GETFD/F_SETFD/F_DUPFD*/F_SETSIG/F_SETOWN* commands go through
    // these handles; none of them blocks (F_SETLKW would, and is not offered).
    private static final MethodHandle FCNTL_INT = Native.variadic(LibC.fcntl.address(),
            LibC.fcntl.makeInvoker(LibC.C_INT).descriptor(), 2, true);
    private static final MethodHandle FCNTL_PTR = Native.variadic(LibC.fcntl.address(),
            LibC.fcntl.makeInvoker(LibC.C_POINTER).descriptor(), 2, true);
    // open can block (FIFOs, network file systems).
    private static final MethodHandle OPEN = Native.variadic(LibC.open.address(),
            LibC.open.makeInvoker(LibC.C_INT).descriptor(), 2, false);
    private static final MethodHandle MEMFD_CREATE =
            Native.critical(LibC.memfd_create$address(), LibC.memfd_create$descriptor());
    private static final MethodHandle FTRUNCATE = Native.blocking(LibC.ftruncate$address(), LibC.ftruncate$descriptor());
    private static final MethodHandle LSEEK = Native.blocking(LibC.lseek$address(), LibC.lseek$descriptor());
    // fstat may go to a network file system.
    private static final MethodHandle FSTAT = Native.blocking(LibC.fstat$address(), LibC.fstat$descriptor());
    // openat2 has no glibc wrapper (2.36): syscall(__NR_openat2, dirfd, path, how, size).
    private static final long NR_OPENAT2 = LibC.__NR_openat2();
    private static final MethodHandle SYSCALL4 = Native.variadic(LibC.syscall.address(),
            LibC.syscall.makeInvoker(Native.C_LONG, Native.C_LONG, Native.C_LONG, Native.C_LONG).descriptor(), 1, false);
    private static final MethodHandle IOCTL_PTR = Native.variadic(LibC.ioctl.address(),
            LibC.ioctl.makeInvoker(LibC.C_POINTER).descriptor(), 2, true);

    public static long read(MemorySegment st, int fd, MemorySegment buf, long count) {
        try {
            return result((long) READ.invokeExact(st, fd, buf, count), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long write(MemorySegment st, int fd, MemorySegment buf, long count) {
        try {
            return result((long) WRITE.invokeExact(st, fd, buf, count), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long readv(MemorySegment st, int fd, MemorySegment iov, int iovcnt) {
        try {
            return result((long) READV.invokeExact(st, fd, iov, iovcnt), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long writev(MemorySegment st, int fd, MemorySegment iov, int iovcnt) {
        try {
            return result((long) WRITEV.invokeExact(st, fd, iov, iovcnt), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pread(MemorySegment st, int fd, MemorySegment buf, long count, long offset) {
        try {
            return result((long) PREAD.invokeExact(st, fd, buf, count, offset), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pwrite(MemorySegment st, int fd, MemorySegment buf, long count, long offset) {
        try {
            return result((long) PWRITE.invokeExact(st, fd, buf, count, offset), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int close(MemorySegment st, int fd) {
        try {
            return result((int) CLOSE.invokeExact(st, fd), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code pipe2(fds, flags)}; {@code fds} receives two ints. */
    public static int pipe2(MemorySegment st, MemorySegment fds, int flags) {
        try {
            return result((int) PIPE2.invokeExact(st, fds, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup(MemorySegment st, int fd) {
        try {
            return result((int) DUP.invokeExact(st, fd), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup3(MemorySegment st, int oldfd, int newfd, int flags) {
        try {
            return result((int) DUP3.invokeExact(st, oldfd, newfd, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)} for the non-blocking commands that take an int (or none). */
    public static int fcntl(MemorySegment st, int fd, int cmd, int arg) {
        try {
            return result((int) FCNTL_INT.invokeExact(st, fd, cmd, arg), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, ptr)} for the non-blocking commands that take a pointer (F_SETOWN_EX). */
    public static int fcntl(MemorySegment st, int fd, int cmd, MemorySegment arg) {
        try {
            return result((int) FCNTL_PTR.invokeExact(st, fd, cmd, arg), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code ioctl(fd, request, ptr)} for requests that only read kernel state (FIONREAD). */
    public static int ioctl(MemorySegment st, int fd, long request, MemorySegment arg) {
        try {
            return result((int) IOCTL_PTR.invokeExact(st, fd, request, arg), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code open(path, flags, mode)}; {@code path} is a NUL-terminated string. */
    public static int open(MemorySegment st, MemorySegment path, int flags, int mode) {
        try {
            return result((int) OPEN.invokeExact(st, path, flags, mode), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int memfdCreate(MemorySegment st, MemorySegment name, int flags) {
        try {
            return result((int) MEMFD_CREATE.invokeExact(st, name, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ftruncate(MemorySegment st, int fd, long length) {
        try {
            return result((int) FTRUNCATE.invokeExact(st, fd, length), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long lseek(MemorySegment st, int fd, long offset, int whence) {
        try {
            return result((long) LSEEK.invokeExact(st, fd, offset, whence), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fstat(fd, buf)}; {@code buf} holds a {@code struct stat}. */
    public static int fstat(MemorySegment st, int fd, MemorySegment buf) {
        try {
            return result((int) FSTAT.invokeExact(st, fd, buf), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code openat2(dirfd, path, how, sizeof how)}: the new fd or {@code -errno}. */
    public static int openat2(MemorySegment st, int dirfd, MemorySegment path, MemorySegment how) {
        try {
            return (int) result((long) SYSCALL4.invokeExact(st, NR_OPENAT2, (long) dirfd, path.address(),
                    how.address(), how.byteSize()), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
