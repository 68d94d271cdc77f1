package dev.panio.internal.reactor.readiness;

import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Waker;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import dev.panio.signal.AsyncIo;
import dev.panio.signal.SignalFd;
import dev.panio.signal.SignalSet;
import dev.panio.signal.Signals;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Signal-driven I/O, the fourth of the five Linux I/O models, as a {@link Poller}. Each fd gets
 * {@link AsyncIo#enable} (a real-time signal directed at the loop's own thread), so the
 * kernel queues one signal, with the fd and the poll band, per readiness change. The signal
 * is blocked in that thread and read through a {@link SignalFd}: no Java signal handler is
 * involved. If the real-time queue overflows the kernel sends plain {@code SIGIO} instead,
 * and every fd is rescanned.
 *
 * <p>Signals mark changes, not states, so this poller is edge-triggered; a newly added fd
 * is reported once at once, in case it was ready before it was registered. Its
 * {@link #waker()} is the same signal sent to the loop thread.
 */
final class SignalPoller implements Poller {
    /** Above glibc's reserved real-time signals (32, 33) and clear of the JVM's. */
    static final int SIGNAL = 40;
    private static final SignalSet SIGNALS = SignalSet.of(SIGNAL, Signals.SIGIO);

    private final int tid;
    private final SignalFd signalFd;
    private final Map<Integer, long[]> registered = new HashMap<>(); // fd -> {token, interest}
    private final ArrayDeque<Integer> added = new ArrayDeque<>();
    private final Poll wait = new Poll(1);

    static {
        // A thread's signal mask is reset as it exits (HotSpot restores its default before
        // glibc blocks everything), so a wake-up still pending then would be delivered with
        // its default action: terminate the process. Ignored, it is discarded instead; while
        // blocked it is still queued for the signalfd. Same for SIGIO (queue overflow).
        try {
            Signals.ignore(SIGNAL);
            Signals.ignore(Signals.SIGIO);
        } catch (ErrnoException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** Made on the loop thread: the signals are blocked, and directed, there. */
    SignalPoller() throws ErrnoException {
        tid = Signals.currentThreadId();
        // Blocked in this (the loop's) thread only: the signals stay pending for the signalfd.
        Signals.block(SIGNALS);
        signalFd = SignalFd.open(SIGNALS, true, 64);
        wait.add(signalFd.fd(), Poll.POLLIN, 0);
    }

    @Override
    public void add(FileDescriptor fd, long token, int interest) throws ErrnoException {
        AsyncIo.enable(fd, SIGNAL, tid);
        registered.put(fd.intValue(), new long[] {token, interest});
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
    }

    @Override
    public int poll(long timeoutNanos, Ready handler) throws ErrnoException {
        int reported = 0;
        // Newly added fds may have been ready before any signal could be raised for them.
        Integer fresh;
        while ((fresh = added.pollFirst()) != null) reported += report(fresh, READ | WRITE, handler);
        if (wait.poll(reported > 0 ? 0 : Poller.millis(timeoutNanos)) == 0) return reported;
        int n;
        while ((n = signalFd.read()) > 0) {
            for (int i = 0; i < n; i++) {
                if (signalFd.signo(i) == Signals.SIGIO) {
                    // The real-time queue overflowed: events were lost, so look at everything.
                    for (Integer fd : registered.keySet().toArray(new Integer[0])) reported += report(fd, READ | WRITE, handler);
                    continue;
                }
                if (signalFd.code(i) <= 0) continue; // sent by a thread: a wake-up, nothing to dispatch
                int band = signalFd.band(i);
                int events = 0;
                if ((band & (Poll.POLLIN | Poll.POLLRDHUP | Poll.POLLPRI)) != 0) events |= READ;
                if ((band & Poll.POLLOUT) != 0) events |= WRITE;
                if ((band & (Poll.POLLERR | Poll.POLLHUP)) != 0) events |= ERROR | READ;
                reported += report(signalFd.fd(i), events, handler);
            }
        }
        return reported;
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
    @Override
    public Waker waker() {
        return () -> {
            try {
                Signals.sendToThread(tid, SIGNAL);
            } catch (ErrnoException | ClosedException e) {
                // the loop thread has ended: nothing to wake
            }
        };
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
        Fds.closeQuietly(signalFd.fd());
    }
}
