package dev.panio.epoll;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.epoll_event;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * An epoll instance ({@code epoll_create1(EPOLL_CLOEXEC)}) and a reusable array for the
 * events {@code epoll_wait} returns.
 *
 * <p>The interest list lives in the kernel, so a wait costs in proportion to the ready
 * fds, not the watched ones. Each registration carries a 64-bit user value that comes back
 * with its events. Registration ({@code add}, {@code modify}, {@code delete}) is safe from
 * any thread; {@link #wait} and the event accessors belong to one thread at a time and
 * allocate nothing.
 *
 * <p>Event words are raw {@code EPOLL*} bits; test them with the {@code EPOLL*} constants here.
 */
public final class Epoll implements AutoCloseable {
    public static final int EPOLLIN = LibC.EPOLLIN();
    public static final int EPOLLOUT = LibC.EPOLLOUT();
    public static final int EPOLLRDHUP = LibC.EPOLLRDHUP();
    public static final int EPOLLPRI = LibC.EPOLLPRI();
    public static final int EPOLLERR = LibC.EPOLLERR();
    public static final int EPOLLHUP = LibC.EPOLLHUP();
    public static final int EPOLLET = LibC.EPOLLET();
    public static final int EPOLLONESHOT = LibC.EPOLLONESHOT();
    public static final int EPOLLEXCLUSIVE = LibC.EPOLLEXCLUSIVE();

    private static final long EVENT_SIZE = epoll_event.sizeof();

    private final FileDescriptor epfd;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment events;
    private final int maxEvents;
    private int ready;

    private Epoll(FileDescriptor epfd, int maxEvents) {
        this.epfd = epfd;
        this.maxEvents = maxEvents;
        this.events = arena.allocate(EVENT_SIZE * maxEvents, 8);
    }

    /** A new epoll instance returning at most {@code maxEvents} events per wait. */
    public static Epoll open(int maxEvents) throws ErrnoException {
        if (maxEvents <= 0) throw new IllegalArgumentException("maxEvents must be positive: " + maxEvents);
        CallState cs = CallState.current();
        int r = MultiplexCalls.epollCreate1(cs.errno, LibC.EPOLL_CLOEXEC());
        return new Epoll(FileDescriptor.adopt(Results.check(r, "epoll_create1", -1)), maxEvents);
    }

    /** The epoll descriptor itself (it can be watched by another multiplexer). */
    public FileDescriptor fd() {
        return epfd;
    }

    /** {@code EPOLL_CTL_ADD}. */
    public void add(FileDescriptor fd, Interest interest, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_ADD(), "ADD", fd, interest.bits(), userData);
    }

    /** {@code EPOLL_CTL_MOD}; also re-arms an {@code EPOLLONESHOT} registration. */
    public void modify(FileDescriptor fd, Interest interest, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_MOD(), "MOD", fd, interest.bits(), userData);
    }

    /** {@code EPOLL_CTL_DEL}. */
    public void delete(FileDescriptor fd) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_DEL(), "DEL", fd, 0, 0);
    }

    /** {@code EPOLL_CTL_ADD} with raw {@code EPOLL*} bits, for callers that keep them. */
    public void add(FileDescriptor fd, int events, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_ADD(), "ADD", fd, events, userData);
    }

    /** {@code EPOLL_CTL_MOD} with raw {@code EPOLL*} bits. */
    public void modify(FileDescriptor fd, int events, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_MOD(), "MOD", fd, events, userData);
    }

    private void ctl(int op, String opName, FileDescriptor fd, int bits, long userData) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment ev = cs.scratch.asSlice(0, EVENT_SIZE);
        epoll_event.events(ev, bits);
        // epoll_event is packed on x86_64: the 64-bit data sits at offset 4, unaligned.
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, epoll_event.data$offset(), userData);
        int raw = fd.acquire("epoll_ctl");
        try {
            int ep = epfd.acquire("epoll_ctl");
            try {
                Results.check(MultiplexCalls.epollCtl(cs.errno, ep, op, raw, ev), "epoll_ctl", opName, raw);
            } finally {
                epfd.release();
            }
        } finally {
            fd.release();
        }
    }

    /**
     * Waits for events; {@code EINTR} is retried with the time that remains.
     *
     * @param timeoutMillis -1 waits indefinitely, 0 only collects what is ready
     * @return the number of events, readable with {@link #events(int)} and {@link #data(int)}
     */
    public int wait(int timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        int ep = epfd.acquire("epoll_wait");
        try {
            long deadline = Timeouts.deadline(timeoutMillis);
            int timeout = timeoutMillis;
            for (;;) {
                int r = MultiplexCalls.epollWait(cs.errno, ep, events, maxEvents, timeout);
                if (r >= 0) return ready = r;
                if (r != -Results.EINTR) throw Results.failure("epoll_wait", null, ep, r);
                timeout = Timeouts.remainingMillis(deadline);
            }
        } finally {
            epfd.release();
        }
    }

    /** The {@code EPOLL*} bits of event {@code i} of the last wait. */
    public int events(int i) {
        check(i);
        return events.get(epoll_event.events$layout(), i * EVENT_SIZE + epoll_event.events$offset());
    }

    /** The user value of event {@code i} of the last wait. */
    public long data(int i) {
        check(i);
        return events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EVENT_SIZE + epoll_event.data$offset());
    }

    private void check(int i) {
        if (i < 0 || i >= ready) throw new IndexOutOfBoundsException("event " + i + " of " + ready);
    }

    /** Closes the epoll fd and frees the event array; watched descriptors stay open. */
    @Override
    public void close() throws ErrnoException {
        try {
            epfd.close();
        } finally {
            arena.close();
        }
    }
}
