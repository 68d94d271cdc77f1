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

    private static final MethodHandle SIGEMPTYSET = Native.critical(LibC.sigemptyset$address(), LibC.sigemptyset$descriptor());
    private static final MethodHandle SIGADDSET = Native.critical(LibC.sigaddset$address(), LibC.sigaddset$descriptor());
    private static final MethodHandle PTHREAD_SIGMASK = Native.critical(LibC.pthread_sigmask$address(), LibC.pthread_sigmask$descriptor());
    private static final MethodHandle SIGNALFD = Native.critical(LibC.signalfd$address(), LibC.signalfd$descriptor());
    private static final MethodHandle TGKILL = Native.critical(LibC.tgkill$address(), LibC.tgkill$descriptor());
    private static final MethodHandle SIGNAL = Native.critical(LibC.signal$address(), LibC.signal$descriptor());
    /** {@code SIG_IGN}, a macro for {@code (__sighandler_t) 1}. */
    private static final MemorySegment SIG_IGN = MemorySegment.ofAddress(1);

    public static int sigemptyset(MemorySegment st, MemorySegment set) {
        try {
            return result((int) SIGEMPTYSET.invokeExact(st, set), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int sigaddset(MemorySegment st, MemorySegment set, int signo) {
        try {
            return result((int) SIGADDSET.invokeExact(st, set, signo), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code pthread_sigmask(how, set, old)} for the calling thread; 0 or {@code -error}. */
    public static int pthreadSigmask(MemorySegment st, int how, MemorySegment set, MemorySegment old) {
        try {
            return -(int) PTHREAD_SIGMASK.invokeExact(st, how, set, old);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int signalfd(MemorySegment st, int fd, MemorySegment mask, int flags) {
        try {
            return result((int) SIGNALFD.invokeExact(st, fd, mask, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int tgkill(MemorySegment st, int tgid, int tid, int sig) {
        try {
            return result((int) TGKILL.invokeExact(st, tgid, tid, sig), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /**
     * Sets the disposition of {@code signo} to {@code SIG_IGN} for the whole process; 0 or
     * {@code -errno}. (A signal that a thread blocks is still queued for its signalfd.)
     */
    public static int ignore(MemorySegment st, int signo) {
        try {
            MemorySegment old = (MemorySegment) SIGNAL.invokeExact(st, signo, SIG_IGN);
            return old.address() == -1L ? -Native.errno(st) : 0; // SIG_ERR
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
