package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * eventfd, timerfd, resource limits, memory maps and process identity. Each returns
 * the C result or {@code -errno}; none of these can block.
 */
public final class MiscCalls {
    private MiscCalls() {}

    private static final class Mmap {
        static final MethodHandle HANDLE = Native.blocking(LibC.mmap$address(), LibC.mmap$descriptor());
    }
    private static final class Eventfd {
        static final MethodHandle HANDLE = Native.critical(LibC.eventfd$address(), LibC.eventfd$descriptor());
    }
    private static final class TimerfdCreate {
        static final MethodHandle HANDLE = Native.critical(LibC.timerfd_create$address(), LibC.timerfd_create$descriptor());
    }
    private static final class TimerfdSettime {
        static final MethodHandle HANDLE = Native.critical(LibC.timerfd_settime$address(), LibC.timerfd_settime$descriptor());
    }
    private static final class TimerfdGettime {
        static final MethodHandle HANDLE = Native.critical(LibC.timerfd_gettime$address(), LibC.timerfd_gettime$descriptor());
    }
    private static final class Getrlimit {
        static final MethodHandle HANDLE = Native.critical(LibC.getrlimit$address(), LibC.getrlimit$descriptor());
    }
    private static final class Setrlimit {
        static final MethodHandle HANDLE = Native.critical(LibC.setrlimit$address(), LibC.setrlimit$descriptor());
    }
    // munmap may take a while on large mappings; keep GC free meanwhile.
    private static final class Munmap {
        static final MethodHandle HANDLE = Native.blocking(LibC.munmap$address(), LibC.munmap$descriptor());
    }
    private static final class Getpid {
        static final MethodHandle HANDLE = Native.critical(LibC.getpid$address(), LibC.getpid$descriptor());
    }
    private static final class Getuid {
        static final MethodHandle HANDLE = Native.critical(LibC.getuid$address(), LibC.getuid$descriptor());
    }
    private static final class Getgid {
        static final MethodHandle HANDLE = Native.critical(LibC.getgid$address(), LibC.getgid$descriptor());
    }
    private static final class IfNameToIndex {
        static final MethodHandle HANDLE = Native.critical(LibC.if_nametoindex$address(), LibC.if_nametoindex$descriptor());
    }
    private static final class Gettid {
        static final MethodHandle HANDLE = Native.critical(LibC.gettid$address(), LibC.gettid$descriptor());
    }
    private static final class Kill {
        static final MethodHandle HANDLE = Native.critical(LibC.kill$address(), LibC.kill$descriptor());
    }

    public static int eventfd(CallState st, int initval, int flags) {
        st.count(Syscall.EVENTFD2);
        try {
            return result((int) Eventfd.HANDLE.invokeExact(st.errno, initval, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdCreate(CallState st, int clockid, int flags) {
        st.count(Syscall.TIMERFD_CREATE);
        try {
            return result((int) TimerfdCreate.HANDLE.invokeExact(st.errno, clockid, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdSettime(CallState st, int fd, int flags, MemorySegment newValue, MemorySegment oldValue) {
        st.count(Syscall.TIMERFD_SETTIME);
        try {
            return result((int) TimerfdSettime.HANDLE.invokeExact(st.errno, fd, flags, newValue, oldValue), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdGettime(CallState st, int fd, MemorySegment curValue) {
        st.count(Syscall.TIMERFD_GETTIME);
        try {
            return result((int) TimerfdGettime.HANDLE.invokeExact(st.errno, fd, curValue), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getrlimit(CallState st, int resource, MemorySegment rlim) {
        st.count(Syscall.PRLIMIT64);
        try {
            return result((int) Getrlimit.HANDLE.invokeExact(st.errno, resource, rlim), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int setrlimit(CallState st, int resource, MemorySegment rlim) {
        st.count(Syscall.PRLIMIT64);
        try {
            return result((int) Setrlimit.HANDLE.invokeExact(st.errno, resource, rlim), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int munmap(CallState st, MemorySegment addr, long length) {
        st.count(Syscall.MUNMAP);
        try {
            return result((int) Munmap.HANDLE.invokeExact(st.errno, addr, length), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getpid(CallState st) {
        st.count(Syscall.GETPID);
        try {
            return result((int) Getpid.HANDLE.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getuid(CallState st) {
        st.count(Syscall.GETUID);
        try {
            return result((int) Getuid.HANDLE.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getgid(CallState st) {
        st.count(Syscall.GETGID);
        try {
            return result((int) Getgid.HANDLE.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code if_nametoindex(name)}: the index, or 0 (not {@code -errno}) if there is no such interface. */
    public static int ifNameToIndex(CallState st, MemorySegment name) {
        try {
            int r = (int) IfNameToIndex.HANDLE.invokeExact(st.errno, name);
            return r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int gettid(CallState st) {
        st.count(Syscall.GETTID);
        try {
            return result((int) Gettid.HANDLE.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int kill(CallState st, int pid, int sig) {
        st.count(Syscall.KILL);
        try {
            return result((int) Kill.HANDLE.invokeExact(st.errno, pid, sig), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /**
     * {@code mmap}; returns the mapping's address, or {@code -errno}. User-space addresses
     * on 64-bit Linux are below 2^47, so a valid address is never negative.
     */
    public static long mmap(CallState st, long addr, long length, int prot, int flags, int fd, long offset) {
        st.count(Syscall.MMAP);
        try {
            MemorySegment r = (MemorySegment) Mmap.HANDLE.invokeExact(st.errno, MemorySegment.ofAddress(addr), length, prot, flags, fd, offset);
            return r.address() == -1L ? -Native.errno(st.errno) : r.address();
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
