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

    public static long read(CallState st, int fd, MemorySegment buf, long count) {
        st.count(Syscall.READ);
        try {
            return result((long) READ.invokeExact(st.errno, fd, buf, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long write(CallState st, int fd, MemorySegment buf, long count) {
        st.count(Syscall.WRITE);
        try {
            return result((long) WRITE.invokeExact(st.errno, fd, buf, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long readv(CallState st, int fd, MemorySegment iov, int iovcnt) {
        st.count(Syscall.READV);
        try {
            return result((long) READV.invokeExact(st.errno, fd, iov, iovcnt), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long writev(CallState st, int fd, MemorySegment iov, int iovcnt) {
        st.count(Syscall.WRITEV);
        try {
            return result((long) WRITEV.invokeExact(st.errno, fd, iov, iovcnt), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pread(CallState st, int fd, MemorySegment buf, long count, long offset) {
        st.count(Syscall.PREAD64);
        try {
            return result((long) PREAD.invokeExact(st.errno, fd, buf, count, offset), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pwrite(CallState st, int fd, MemorySegment buf, long count, long offset) {
        st.count(Syscall.PWRITE64);
        try {
            return result((long) PWRITE.invokeExact(st.errno, fd, buf, count, offset), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int close(CallState st, int fd) {
        st.count(Syscall.CLOSE);
        try {
            return result((int) CLOSE.invokeExact(st.errno, fd), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code pipe2(fds, flags)}; {@code fds} receives two ints. */
    public static int pipe2(CallState st, MemorySegment fds, int flags) {
        st.count(Syscall.PIPE2);
        try {
            return result((int) PIPE2.invokeExact(st.errno, fds, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup(CallState st, int fd) {
        st.count(Syscall.DUP);
        try {
            return result((int) DUP.invokeExact(st.errno, fd), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup3(CallState st, int oldfd, int newfd, int flags) {
        st.count(Syscall.DUP3);
        try {
            return result((int) DUP3.invokeExact(st.errno, oldfd, newfd, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)} for the non-blocking commands that take an int (or none). */
    public static int fcntl(CallState st, int fd, int cmd, int arg) {
        st.count(Syscall.FCNTL);
        try {
            return result((int) FCNTL_INT.invokeExact(st.errno, fd, cmd, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, ptr)} for the non-blocking commands that take a pointer (F_SETOWN_EX). */
    public static int fcntl(CallState st, int fd, int cmd, MemorySegment arg) {
        st.count(Syscall.FCNTL);
        try {
            return result((int) FCNTL_PTR.invokeExact(st.errno, fd, cmd, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code ioctl(fd, request, ptr)} for requests that only read kernel state (FIONREAD). */
    public static int ioctl(CallState st, int fd, long request, MemorySegment arg) {
        st.count(Syscall.IOCTL);
        try {
            return result((int) IOCTL_PTR.invokeExact(st.errno, fd, request, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code open(path, flags, mode)}; {@code path} is a NUL-terminated string. */
    public static int open(CallState st, MemorySegment path, int flags, int mode) {
        st.count(Syscall.OPENAT);
        try {
            return result((int) OPEN.invokeExact(st.errno, path, flags, mode), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int memfdCreate(CallState st, MemorySegment name, int flags) {
        st.count(Syscall.MEMFD_CREATE);
        try {
            return result((int) MEMFD_CREATE.invokeExact(st.errno, name, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ftruncate(CallState st, int fd, long length) {
        st.count(Syscall.FTRUNCATE);
        try {
            return result((int) FTRUNCATE.invokeExact(st.errno, fd, length), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long lseek(CallState st, int fd, long offset, int whence) {
        st.count(Syscall.LSEEK);
        try {
            return result((long) LSEEK.invokeExact(st.errno, fd, offset, whence), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fstat(fd, buf)}; {@code buf} holds a {@code struct stat}. */
    public static int fstat(CallState st, int fd, MemorySegment buf) {
        st.count(Syscall.FSTAT);
        try {
            return result((int) FSTAT.invokeExact(st.errno, fd, buf), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code openat2(dirfd, path, how, sizeof how)}: the new fd or {@code -errno}. */
    public static int openat2(CallState st, int dirfd, MemorySegment path, MemorySegment how) {
        st.count(Syscall.OPENAT2);
        try {
            return (int) result((long) SYSCALL4.invokeExact(st.errno, NR_OPENAT2, (long) dirfd, path.address(),
                    how.address(), how.byteSize()), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
