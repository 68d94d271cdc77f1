package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Signal masks, signalfd and thread-directed signals, for signal-driven I/O. Each returns
 * the C result or {@code -errno}; {@code pthread_sigmask} returns its error number itself,
 * which {@link #pthreadSigmask} turns into the same convention. None of these blocks.
 */
public final class SignalCalls {
    private SignalCalls() {}

    private static final class Sigemptyset {
        static final MethodHandle HANDLE = Native.critical(LibC.sigemptyset$address(), LibC.sigemptyset$descriptor());
    }
    private static final class Sigaddset {
        static final MethodHandle HANDLE = Native.critical(LibC.sigaddset$address(), LibC.sigaddset$descriptor());
    }
    private static final class PthreadSigmask {
        static final MethodHandle HANDLE = Native.critical(LibC.pthread_sigmask$address(), LibC.pthread_sigmask$descriptor());
    }
    private static final class Signalfd {
        static final MethodHandle HANDLE = Native.critical(LibC.signalfd$address(), LibC.signalfd$descriptor());
    }
    private static final class Tgkill {
        static final MethodHandle HANDLE = Native.critical(LibC.tgkill$address(), LibC.tgkill$descriptor());
    }
    private static final class Signal {
        static final MethodHandle HANDLE = Native.critical(LibC.signal$address(), LibC.signal$descriptor());
    }
    /** {@code SIG_IGN}, a macro for {@code (__sighandler_t) 1}. */
    private static final MemorySegment SIG_IGN = MemorySegment.ofAddress(1);

    public static int sigemptyset(CallState st, MemorySegment set) {
        try {
            return result((int) Sigemptyset.HANDLE.invokeExact(st.errno, set), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int sigaddset(CallState st, MemorySegment set, int signo) {
        try {
            return result((int) Sigaddset.HANDLE.invokeExact(st.errno, set, signo), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code pthread_sigmask(how, set, old)} for the calling thread; 0 or {@code -error}. */
    public static int pthreadSigmask(CallState st, int how, MemorySegment set, MemorySegment old) {
        st.count(Syscall.RT_SIGPROCMASK);
        try {
            return -(int) PthreadSigmask.HANDLE.invokeExact(st.errno, how, set, old);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int signalfd(CallState st, int fd, MemorySegment mask, int flags) {
        st.count(Syscall.SIGNALFD4);
        try {
            return result((int) Signalfd.HANDLE.invokeExact(st.errno, fd, mask, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int tgkill(CallState st, int tgid, int tid, int sig) {
        st.count(Syscall.TGKILL);
        try {
            return result((int) Tgkill.HANDLE.invokeExact(st.errno, tgid, tid, sig), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /**
     * Sets the disposition of {@code signo} to {@code SIG_IGN} for the whole process; 0 or
     * {@code -errno}. (A signal that a thread blocks is still queued for its signalfd.)
     */
    public static int ignore(CallState st, int signo) {
        st.count(Syscall.RT_SIGACTION);
        try {
            MemorySegment old = (MemorySegment) Signal.HANDLE.invokeExact(st.errno, signo, SIG_IGN);
            return old.address() == -1L ? -Native.errno(st.errno) : 0; // SIG_ERR
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
