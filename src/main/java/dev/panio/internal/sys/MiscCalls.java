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

    private static final MethodHandle MMAP = Native.blocking(LibC.mmap$address(), LibC.mmap$descriptor());
    private static final MethodHandle EVENTFD = Native.critical(LibC.eventfd$address(), LibC.eventfd$descriptor());
    private static final MethodHandle TIMERFDCREATE = Native.critical(LibC.timerfd_create$address(), LibC.timerfd_create$descriptor());
    private static final MethodHandle TIMERFDSETTIME = Native.critical(LibC.timerfd_settime$address(), LibC.timerfd_settime$descriptor());
    private static final MethodHandle TIMERFDGETTIME = Native.critical(LibC.timerfd_gettime$address(), LibC.timerfd_gettime$descriptor());
    private static final MethodHandle GETRLIMIT = Native.critical(LibC.getrlimit$address(), LibC.getrlimit$descriptor());
    private static final MethodHandle SETRLIMIT = Native.critical(LibC.setrlimit$address(), LibC.setrlimit$descriptor());
    // munmap may take a while on large mappings; keep GC free meanwhile.
    private static final MethodHandle MUNMAP = Native.blocking(LibC.munmap$address(), LibC.munmap$descriptor());
    private static final MethodHandle GETPID = Native.critical(LibC.getpid$address(), LibC.getpid$descriptor());
    private static final MethodHandle GETUID = Native.critical(LibC.getuid$address(), LibC.getuid$descriptor());
    private static final MethodHandle GETGID = Native.critical(LibC.getgid$address(), LibC.getgid$descriptor());
    private static final MethodHandle IF_NAMETOINDEX = Native.critical(LibC.if_nametoindex$address(), LibC.if_nametoindex$descriptor());
    private static final MethodHandle GETTID = Native.critical(LibC.gettid$address(), LibC.gettid$descriptor());
    private static final MethodHandle KILL = Native.critical(LibC.kill$address(), LibC.kill$descriptor());

    public static int eventfd(CallState st, int initval, int flags) {
        st.count(Syscall.EVENTFD2);
        try {
            return result((int) EVENTFD.invokeExact(st.errno, initval, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdCreate(CallState st, int clockid, int flags) {
        st.count(Syscall.TIMERFD_CREATE);
        try {
            return result((int) TIMERFDCREATE.invokeExact(st.errno, clockid, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdSettime(CallState st, int fd, int flags, MemorySegment newValue, MemorySegment oldValue) {
        st.count(Syscall.TIMERFD_SETTIME);
        try {
            return result((int) TIMERFDSETTIME.invokeExact(st.errno, fd, flags, newValue, oldValue), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int timerfdGettime(CallState st, int fd, MemorySegment curValue) {
        st.count(Syscall.TIMERFD_GETTIME);
        try {
            return result((int) TIMERFDGETTIME.invokeExact(st.errno, fd, curValue), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getrlimit(CallState st, int resource, MemorySegment rlim) {
        st.count(Syscall.PRLIMIT64);
        try {
            return result((int) GETRLIMIT.invokeExact(st.errno, resource, rlim), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int setrlimit(CallState st, int resource, MemorySegment rlim) {
        st.count(Syscall.PRLIMIT64);
        try {
            return result((int) SETRLIMIT.invokeExact(st.errno, resource, rlim), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int munmap(CallState st, MemorySegment addr, long length) {
        st.count(Syscall.MUNMAP);
        try {
            return result((int) MUNMAP.invokeExact(st.errno, addr, length), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getpid(CallState st) {
        st.count(Syscall.GETPID);
        try {
            return result((int) GETPID.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getuid(CallState st) {
        st.count(Syscall.GETUID);
        try {
            return result((int) GETUID.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getgid(CallState st) {
        st.count(Syscall.GETGID);
        try {
            return result((int) GETGID.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code if_nametoindex(name)}: the index, or 0 (not {@code -errno}) if there is no such interface. */
    public static int ifNameToIndex(CallState st, MemorySegment name) {
        try {
            int r = (int) IF_NAMETOINDEX.invokeExact(st.errno, name);
            return r;
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int gettid(CallState st) {
        st.count(Syscall.GETTID);
        try {
            return result((int) GETTID.invokeExact(st.errno), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int kill(CallState st, int pid, int sig) {
        st.count(Syscall.KILL);
        try {
            return result((int) KILL.invokeExact(st.errno, pid, sig), st.errno);
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
            MemorySegment r = (MemorySegment) MMAP.invokeExact(st.errno, MemorySegment.ofAddress(addr), length, prot, flags, fd, offset);
            return r.address() == -1L ? -Native.errno(st.errno) : r.address();
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
