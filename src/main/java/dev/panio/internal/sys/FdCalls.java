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

    private static final class Read {
        static final MethodHandle HANDLE = Native.blocking(LibC.read$address(), LibC.read$descriptor());
    }
    private static final class Write {
        static final MethodHandle HANDLE = Native.blocking(LibC.write$address(), LibC.write$descriptor());
    }
    private static final class Readv {
        static final MethodHandle HANDLE = Native.blocking(LibC.readv$address(), LibC.readv$descriptor());
    }
    private static final class Writev {
        static final MethodHandle HANDLE = Native.blocking(LibC.writev$address(), LibC.writev$descriptor());
    }
    private static final class Pread {
        static final MethodHandle HANDLE = Native.blocking(LibC.pread$address(), LibC.pread$descriptor());
    }
    private static final class Pwrite {
        static final MethodHandle HANDLE = Native.blocking(LibC.pwrite$address(), LibC.pwrite$descriptor());
    }
    // close can block: a socket with SO_LINGER waits for unsent data. Linked with the class,
    // not at its first call: a release must not be where linking fails (out of memory or
    // stack), which would leave close failing for good and descriptors open.
    private static final MethodHandle CLOSE = Native.blocking(LibC.close$address(), LibC.close$descriptor());
    private static final class Pipe2 {
        static final MethodHandle HANDLE = Native.critical(LibC.pipe2$address(), LibC.pipe2$descriptor());
    }
    private static final class Dup {
        static final MethodHandle HANDLE = Native.critical(LibC.dup$address(), LibC.dup$descriptor());
    }
    private static final class Dup3 {
        static final MethodHandle HANDLE = Native.critical(LibC.dup3$address(), LibC.dup3$descriptor());
    }
    // Only the F_GETFL/F_SETFL/F_GETFD/F_SETFD/F_DUPFD*/F_SETSIG/F_SETOWN* commands go through
    // these handles; none of them blocks (F_SETLKW would, and is not offered).
    private static final class FcntlInt {
        static final MethodHandle HANDLE = Native.variadic(LibC.fcntl.address(),
                LibC.fcntl.makeInvoker(LibC.C_INT).descriptor(), 2, true);
    }
    private static final class FcntlPtr {
        static final MethodHandle HANDLE = Native.variadic(LibC.fcntl.address(),
                LibC.fcntl.makeInvoker(LibC.C_POINTER).descriptor(), 2, true);
    }
    // open can block (FIFOs, network file systems).
    private static final class Open {
        static final MethodHandle HANDLE = Native.variadic(LibC.open.address(),
                LibC.open.makeInvoker(LibC.C_INT).descriptor(), 2, false);
    }
    private static final class MemfdCreate {
        static final MethodHandle HANDLE = Native.critical(LibC.memfd_create$address(), LibC.memfd_create$descriptor());
    }
    private static final class Ftruncate {
        static final MethodHandle HANDLE = Native.blocking(LibC.ftruncate$address(), LibC.ftruncate$descriptor());
    }
    private static final class Lseek {
        static final MethodHandle HANDLE = Native.blocking(LibC.lseek$address(), LibC.lseek$descriptor());
    }
    // fstat may go to a network file system.
    private static final class Fstat {
        static final MethodHandle HANDLE = Native.blocking(LibC.fstat$address(), LibC.fstat$descriptor());
    }
    // openat2 has no glibc wrapper (2.36): syscall(__NR_openat2, dirfd, path, how, size).
    private static final long NR_OPENAT2 = LibC.__NR_openat2();
    private static final class Syscall4 {
        static final MethodHandle HANDLE = Native.variadic(LibC.syscall.address(),
                LibC.syscall.makeInvoker(Native.C_LONG, Native.C_LONG, Native.C_LONG, Native.C_LONG).descriptor(), 1, false);
    }
    private static final class IoctlPtr {
        static final MethodHandle HANDLE = Native.variadic(LibC.ioctl.address(),
                LibC.ioctl.makeInvoker(LibC.C_POINTER).descriptor(), 2, true);
    }

    public static long read(CallState st, int fd, MemorySegment buf, long count) {
        st.count(Syscall.READ);
        try {
            return result((long) Read.HANDLE.invokeExact(st.errno, fd, buf, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long write(CallState st, int fd, MemorySegment buf, long count) {
        st.count(Syscall.WRITE);
        try {
            return result((long) Write.HANDLE.invokeExact(st.errno, fd, buf, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long readv(CallState st, int fd, MemorySegment iov, int iovcnt) {
        st.count(Syscall.READV);
        try {
            return result((long) Readv.HANDLE.invokeExact(st.errno, fd, iov, iovcnt), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long writev(CallState st, int fd, MemorySegment iov, int iovcnt) {
        st.count(Syscall.WRITEV);
        try {
            return result((long) Writev.HANDLE.invokeExact(st.errno, fd, iov, iovcnt), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pread(CallState st, int fd, MemorySegment buf, long count, long offset) {
        st.count(Syscall.PREAD64);
        try {
            return result((long) Pread.HANDLE.invokeExact(st.errno, fd, buf, count, offset), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long pwrite(CallState st, int fd, MemorySegment buf, long count, long offset) {
        st.count(Syscall.PWRITE64);
        try {
            return result((long) Pwrite.HANDLE.invokeExact(st.errno, fd, buf, count, offset), st.errno);
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
            return result((int) Pipe2.HANDLE.invokeExact(st.errno, fds, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup(CallState st, int fd) {
        st.count(Syscall.DUP);
        try {
            return result((int) Dup.HANDLE.invokeExact(st.errno, fd), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int dup3(CallState st, int oldfd, int newfd, int flags) {
        st.count(Syscall.DUP3);
        try {
            return result((int) Dup3.HANDLE.invokeExact(st.errno, oldfd, newfd, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, arg)} for the non-blocking commands that take an int (or none). */
    public static int fcntl(CallState st, int fd, int cmd, int arg) {
        st.count(Syscall.FCNTL);
        try {
            return result((int) FcntlInt.HANDLE.invokeExact(st.errno, fd, cmd, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fcntl(fd, cmd, ptr)} for the non-blocking commands that take a pointer (F_SETOWN_EX). */
    public static int fcntl(CallState st, int fd, int cmd, MemorySegment arg) {
        st.count(Syscall.FCNTL);
        try {
            return result((int) FcntlPtr.HANDLE.invokeExact(st.errno, fd, cmd, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code ioctl(fd, request, ptr)} for requests that only read kernel state (FIONREAD). */
    public static int ioctl(CallState st, int fd, long request, MemorySegment arg) {
        st.count(Syscall.IOCTL);
        try {
            return result((int) IoctlPtr.HANDLE.invokeExact(st.errno, fd, request, arg), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code open(path, flags, mode)}; {@code path} is a NUL-terminated string. */
    public static int open(CallState st, MemorySegment path, int flags, int mode) {
        st.count(Syscall.OPENAT);
        try {
            return result((int) Open.HANDLE.invokeExact(st.errno, path, flags, mode), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int memfdCreate(CallState st, MemorySegment name, int flags) {
        st.count(Syscall.MEMFD_CREATE);
        try {
            return result((int) MemfdCreate.HANDLE.invokeExact(st.errno, name, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ftruncate(CallState st, int fd, long length) {
        st.count(Syscall.FTRUNCATE);
        try {
            return result((int) Ftruncate.HANDLE.invokeExact(st.errno, fd, length), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long lseek(CallState st, int fd, long offset, int whence) {
        st.count(Syscall.LSEEK);
        try {
            return result((long) Lseek.HANDLE.invokeExact(st.errno, fd, offset, whence), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code fstat(fd, buf)}; {@code buf} holds a {@code struct stat}. */
    public static int fstat(CallState st, int fd, MemorySegment buf) {
        st.count(Syscall.FSTAT);
        try {
            return result((int) Fstat.HANDLE.invokeExact(st.errno, fd, buf), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code openat2(dirfd, path, how, sizeof how)}: the new fd or {@code -errno}. */
    public static int openat2(CallState st, int dirfd, MemorySegment path, MemorySegment how) {
        st.count(Syscall.OPENAT2);
        try {
            return (int) result((long) Syscall4.HANDLE.invokeExact(st.errno, NR_OPENAT2, (long) dirfd, path.address(),
                    how.address(), how.byteSize()), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
