package dev.panio.signal;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.sigset_t;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MiscCalls;
import dev.panio.internal.sys.SignalCalls;
import dev.panio.io.ErrnoException;
import java.lang.foreign.MemorySegment;

/**
 * Signal masks, dispositions and thread-directed signals: what signal-driven I/O needs
 * around a {@link SignalFd}. Masks are per thread ({@code pthread_sigmask}); a disposition is
 * the whole process's.
 *
 * <p>Threads: any thread; the mask calls and {@link #currentThreadId()} act on the calling
 * (kernel) thread, so call them from a platform thread: a virtual thread runs on carriers
 * that change, and a mask set or a thread id taken there belongs to whichever carrier it was.
 */
public final class Signals {
    private Signals() {}

    /** {@code SIGIO}: what the kernel sends instead when a real-time signal queue overflows. */
    public static final int SIGIO = LibC.SIGIO();

    /**
     * The first real-time signal the kernel has (32). glibc keeps the first two or three for
     * itself, so a program takes one above {@code SIGRTMIN + 2}.
     */
    public static final int SIGRTMIN_KERNEL = LibC.__SIGRTMIN();

    /**
     * Blocks {@code set} in the calling thread ({@code SIG_BLOCK}): the signals stay pending
     * until a {@link SignalFd} reads them or the thread unblocks them.
     *
     * @param set the signals to add to the mask
     * @throws IllegalStateException on a virtual thread
     * @throws ErrnoException if {@code pthread_sigmask} fails
     */
    public static void block(SignalSet set) throws ErrnoException {
        mask(LibC.SIG_BLOCK(), set);
    }

    /**
     * Unblocks {@code set} in the calling thread ({@code SIG_UNBLOCK}); any of them pending
     * is then delivered to its handler or disposition.
     *
     * @param set the signals to take out of the mask
     * @throws IllegalStateException on a virtual thread
     * @throws ErrnoException if {@code pthread_sigmask} fails
     */
    public static void unblock(SignalSet set) throws ErrnoException {
        mask(LibC.SIG_UNBLOCK(), set);
    }

    private static void mask(int how, SignalSet set) throws ErrnoException {
        refuseVirtual("pthread_sigmask");
        CallState cs = CallState.current();
        MemorySegment sigset = cs.scratch.asSlice(0, sigset_t.sizeof());
        set.writeTo(cs, sigset);
        Results.check(SignalCalls.pthreadSigmask(cs, how, sigset, MemorySegment.NULL), "pthread_sigmask", -1);
    }

    /**
     * Sets {@code signo}'s disposition to {@code SIG_IGN} for the whole process. A blocked
     * signal is still queued for a signalfd; an ignored one that arrives unblocked (a thread
     * ending: HotSpot resets the mask as a thread exits) is discarded instead of taking its
     * default action, which for real-time signals and {@code SIGIO} ends the process.
     *
     * @param signo the signal
     * @throws IllegalArgumentException if {@code signo} is out of range or {@link SignalSet#reserved}
     * @throws ErrnoException if the call fails ({@code EINVAL} for {@code SIGKILL} or {@code SIGSTOP})
     */
    public static void ignore(int signo) throws ErrnoException {
        SignalSet.check("signal", signo);
        CallState cs = CallState.current();
        int r = SignalCalls.ignore(cs, signo);
        if (r < 0) throw Results.failure("signal", "SIG_IGN " + signo, -1, r);
    }

    private static void refuseVirtual(String call) {
        if (Thread.currentThread().isVirtual()) {
            throw new IllegalStateException(call + ": called on a virtual thread, whose carrier (the kernel thread it acts on) changes");
        }
    }

    /**
     * The calling thread's kernel thread id ({@code gettid}), for {@link AsyncIo#enable} and {@link #sendToThread}.
     *
     * @return the tid
     * @throws IllegalStateException on a virtual thread
     */
    public static int currentThreadId() {
        refuseVirtual("gettid");
        return MiscCalls.gettid(CallState.current());
    }

    /**
     * Sends {@code signo} to thread {@code tid} of this process ({@code tgkill}); a signal the
     * thread blocks is queued for its signalfd.
     *
     * @param tid   a thread of this process, from {@link #currentThreadId()}
     * @param signo the signal
     * @return false if the thread has ended ({@code ESRCH})
     * @throws IllegalArgumentException if {@code signo} is out of range or {@link SignalSet#reserved}
     * @throws ErrnoException if {@code tgkill} fails otherwise ({@code EAGAIN} when the
     *         real-time signal queue is full)
     */
    public static boolean sendToThread(int tid, int signo) throws ErrnoException {
        SignalSet.check("tgkill", signo);
        CallState cs = CallState.current();
        int r = SignalCalls.tgkill(cs, MiscCalls.getpid(cs), tid, signo);
        if (r == -dev.panio.io.Errno.ESRCH.code()) return false;
        Results.check(r, "tgkill", -1);
        return true;
    }
}
