package dev.panio.reactor;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.f_owner_ex;
import dev.panio.internal.gen.signalfd_siginfo;
import dev.panio.internal.gen.sigset_t;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.internal.sys.MiscCalls;
import dev.panio.internal.sys.SignalCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.HashMap;
import java.util.Map;

/**
 * Signal-driven I/O, the seeds' fourth model, as a {@link Poller}. Each fd gets
 * {@code O_ASYNC}, {@code F_SETSIG} to a real-time signal and {@code F_SETOWN_EX} to the
 * loop's own thread, so the kernel queues one signal (with the fd and the poll band) per
 * readiness change. The signal is blocked in that thread and read through a
 * {@code signalfd}: no Java signal handler is involved. If the real-time queue overflows
 * the kernel sends plain {@code SIGIO} instead, and every fd is rescanned.
 *
 * <p>Signals mark changes, not states, so this poller is edge-triggered; a newly added fd
 * is reported once at once, in case it was ready before it was registered. Cross-thread
 * wakeups are the same signal sent to the loop thread with {@code tgkill}.
 */
final class SignalPoller implements Poller {
    /** Above glibc's reserved real-time signals (32, 33) and clear of the JVM's. */
    static final int SIGNAL = 40;

    private final CallState cs = new CallState();
    private final Arena arena = Arena.ofConfined();
    private final int pid;
    private final int tid;
    private final FileDescriptor signalFd;
    private final MemorySegment infos;
    private final Map<Integer, long[]> registered = new HashMap<>(); // fd -> {token, interest}
    private final Map<Integer, FileDescriptor> descriptors = new HashMap<>();
    private final java.util.ArrayDeque<Integer> added = new java.util.ArrayDeque<>();
    private final Poll wait = new Poll(1);

    static {
        // A thread's signal mask is reset as it exits (HotSpot restores its default before
        // glibc blocks everything), so a wakeup still pending then would be delivered with
        // its default action: terminate the process. Ignored, it is discarded instead; while
        // blocked it is still queued for the signalfd. Same for SIGIO (queue overflow).
        CallState st = new CallState();
        int r = SignalCalls.ignore(st.errno, SIGNAL);
        if (r == 0) r = SignalCalls.ignore(st.errno, LibC.SIGIO());
        if (r < 0) throw new IllegalStateException(Results.failure("signal", "SIG_IGN", -1, r));
    }

    SignalPoller() throws ErrnoException {
        pid = MiscCalls.getpid(cs.errno);
        tid = MiscCalls.gettid(cs.errno);
        MemorySegment set = arena.allocate(sigset_t.layout());
        Results.check(SignalCalls.sigemptyset(cs.errno, set), "sigemptyset", -1);
        Results.check(SignalCalls.sigaddset(cs.errno, set, SIGNAL), "sigaddset", -1);
        Results.check(SignalCalls.sigaddset(cs.errno, set, LibC.SIGIO()), "sigaddset", -1);
        // Blocked in this (the loop's) thread only: the signals stay pending for the signalfd.
        Results.check(SignalCalls.pthreadSigmask(cs.errno, LibC.SIG_BLOCK(), set, MemorySegment.NULL), "pthread_sigmask", -1);
        int sfd = Results.check(SignalCalls.signalfd(cs.errno, -1, set, LibC.SFD_NONBLOCK() | LibC.SFD_CLOEXEC()), "signalfd", -1);
        signalFd = FileDescriptor.adopt(sfd);
        infos = arena.allocate(signalfd_siginfo.sizeof() * 64, 8);
        wait.add(signalFd, Poll.POLLIN, 0);
    }

    @Override
    public void add(FileDescriptor fd, long token, int interest) throws ErrnoException {
        int raw = fd.acquire("fcntl");
        try {
            MemorySegment owner = cs.scratch.asSlice(0, f_owner_ex.layout());
            f_owner_ex.type(owner, LibC.F_OWNER_TID());
            f_owner_ex.pid(owner, tid);
            Results.check(FdCalls.fcntl(cs.errno, raw, LibC.F_SETOWN_EX(), owner), "fcntl", "F_SETOWN_EX", raw);
            Results.check(FdCalls.fcntl(cs.errno, raw, LibC.F_SETSIG(), SIGNAL), "fcntl", "F_SETSIG", raw);
            int flags = Results.check(FdCalls.fcntl(cs.errno, raw, LibC.F_GETFL(), 0), "fcntl", "F_GETFL", raw);
            Results.check(FdCalls.fcntl(cs.errno, raw, LibC.F_SETFL(), flags | LibC.O_ASYNC() | LibC.O_NONBLOCK()), "fcntl", "F_SETFL", raw);
        } finally {
            fd.release();
        }
        registered.put(fd.intValue(), new long[] {token, interest});
        descriptors.put(fd.intValue(), fd);
        added.addLast(fd.intValue());
    }

    @Override
    public void modify(FileDescriptor fd, long token, int interest) {
        long[] r = registered.get(fd.intValue());
        if (r != null) {
            r[0] = token;
            r[1] = interest;
        }
    }

    @Override
    public void remove(FileDescriptor fd) {
        registered.remove(fd.intValue());
        descriptors.remove(fd.intValue());
    }

    @Override
    public int poll(long timeoutNanos, Ready handler) throws ErrnoException {
        int reported = 0;
        // Newly added fds may have been ready before any signal could be raised for them.
        Integer fresh;
        while ((fresh = added.pollFirst()) != null) reported += report(fresh, READ | WRITE, handler);
        if (wait.poll(reported > 0 ? 0 : Poller.millis(timeoutNanos)) == 0) return reported;
        long size = signalfd_siginfo.sizeof();
        for (;;) {
            long n = FdCalls.read(cs.errno, signalFd.intValue(), infos, infos.byteSize());
            if (Results.wouldBlock(n)) return reported;
            if (n < 0) throw Results.failure("read", "signalfd", signalFd.intValue(), (int) n);
            for (long off = 0; off < n; off += size) {
                int signo = infos.get(ValueLayout.JAVA_INT, off + signalfd_siginfo.ssi_signo$offset());
                if (signo == LibC.SIGIO()) {
                    // The real-time queue overflowed: events were lost, so look at everything.
                    for (Integer fd : registered.keySet().toArray(new Integer[0])) reported += report(fd, READ | WRITE, handler);
                    continue;
                }
                int fd = infos.get(ValueLayout.JAVA_INT, off + signalfd_siginfo.ssi_fd$offset());
                int code = infos.get(ValueLayout.JAVA_INT, off + signalfd_siginfo.ssi_code$offset());
                if (code <= 0) continue; // sent by tgkill: a wakeup, nothing to dispatch
                int band = infos.get(ValueLayout.JAVA_INT, off + signalfd_siginfo.ssi_band$offset());
                int events = 0;
                if ((band & (Poll.POLLIN | Poll.POLLRDHUP | Poll.POLLPRI)) != 0) events |= READ;
                if ((band & Poll.POLLOUT) != 0) events |= WRITE;
                if ((band & (Poll.POLLERR | Poll.POLLHUP)) != 0) events |= ERROR | READ;
                reported += report(fd, events, handler);
            }
        }
    }

    private int report(int fd, int events, Ready handler) {
        long[] r = registered.get(fd);
        if (r == null) return 0;
        int e = events & ((int) r[1] | ERROR);
        if (e == 0) return 0;
        handler.ready(r[0], e);
        return 1;
    }

    /** Interrupts the loop's wait: the same signal, sent to the loop thread. */
    boolean signalLoop() {
        return SignalCalls.tgkill(new CallState().errno, pid, tid, SIGNAL) == 0;
    }

    @Override
    public boolean edgeTriggered() {
        return true;
    }

    @Override
    public int maxFd() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void close() {
        wait.close();
        PollingDriver.closeQuietly(signalFd);
        arena.close();
    }
}
