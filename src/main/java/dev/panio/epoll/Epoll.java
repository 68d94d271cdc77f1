package dev.panio.epoll;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.epoll_event;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.internal.io.MultiplexerLife;
import dev.panio.io.ClosedException;
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
 * with its events. Event words are raw {@code EPOLL*} bits; test them with the
 * {@code EPOLL*} constants here.
 *
 * <p>Threads: registration ({@code add}, {@code modify}, {@code delete}) and {@link #close()}
 * may be called from any thread. {@link #epollWait} and the event accessors belong to one thread
 * at a time and allocate nothing.
 *
 * <p>Lifecycle: {@code close()} is idempotent. Closing while another thread waits wakes it
 * (through an internal eventfd in the interest list), and its {@code wait} throws
 * {@link ClosedException}; the epoll fd and the event array are freed when the last call in
 * flight returns, never under it. Every call after close throws {@code ClosedException}.
 */
public final class Epoll implements AutoCloseable {
    /** Readable (or a connection to accept, or end of stream). */
    public static final int EPOLLIN = LibC.EPOLLIN();
    /** Writable. */
    public static final int EPOLLOUT = LibC.EPOLLOUT();
    /** The stream peer closed its side or shut down writing. */
    public static final int EPOLLRDHUP = LibC.EPOLLRDHUP();
    /** Exceptional data, such as TCP urgent data. */
    public static final int EPOLLPRI = LibC.EPOLLPRI();
    /** An error is pending (read it with {@code SO_ERROR}); always reported. */
    public static final int EPOLLERR = LibC.EPOLLERR();
    /** Hang-up: a socket shut down both ways, or a pipe whose write end is closed; always reported. */
    public static final int EPOLLHUP = LibC.EPOLLHUP();
    /** Registration flag: edge-triggered, report changes only. */
    public static final int EPOLLET = LibC.EPOLLET();
    /** Registration flag: disable after one report until re-armed with {@code modify}. */
    public static final int EPOLLONESHOT = LibC.EPOLLONESHOT();
    /** Registration flag: wake only one of several epolls watching the fd ({@code add} only). */
    public static final int EPOLLEXCLUSIVE = LibC.EPOLLEXCLUSIVE();
    /** The most events one wait may return: 2<sup>20</sup>. */
    public static final int MAX_EVENTS = 1 << 20;

    private static final long EVENT_SIZE = epoll_event.sizeof();

    private final FileDescriptor epfd;
    private final Arena arena = Arena.ofShared();
    private final MultiplexerLife life;
    private final MemorySegment events;
    private final int maxEvents;
    private int ready;

    private Epoll(FileDescriptor epfd, int maxEvents) throws ErrnoException {
        this.epfd = epfd;
        this.maxEvents = maxEvents;
        this.life = new MultiplexerLife(arena, epfd); // closes epfd and the arena if it fails
        try {
            this.events = arena.allocate(EVENT_SIZE * maxEvents, 8);
        } catch (RuntimeException e) {
            life.close();
            throw e;
        }
    }

    /**
     * A new epoll instance returning at most {@code maxEvents} events per wait.
     *
     * @param maxEvents the size of the event array, allocated now
     * @return the instance, owned by the caller
     * @throws IllegalArgumentException if {@code maxEvents} is not in 1..{@value #MAX_EVENTS}
     * @throws ErrnoException if {@code epoll_create1}, the eventfd that lets {@link #close()}
     *         wake a waiter, or its registration fails ({@code EMFILE}, {@code ENFILE})
     */
    public static Epoll open(int maxEvents) throws ErrnoException {
        if (maxEvents <= 0 || maxEvents > MAX_EVENTS) {
            throw new IllegalArgumentException("epoll: maxEvents must be 1.." + MAX_EVENTS + ", was " + maxEvents);
        }
        CallState cs = CallState.current();
        FileDescriptor epfd = FileDescriptor.adopt(Results.check(MultiplexCalls.epollCreate1(cs, LibC.EPOLL_CLOEXEC()), "epoll_create1", -1));
        Epoll ep = new Epoll(epfd, maxEvents);
        try {
            ep.ctl(LibC.EPOLL_CTL_ADD(), "ADD", ep.life.wakeFd(), LibC.EPOLLIN(), 0);
            return ep;
        } catch (ErrnoException | RuntimeException e) {
            ep.close(); // closes epfd, the eventfd and the event array
            throw e;
        }
    }

    /**
     * The epoll descriptor itself (it can be watched by another multiplexer).
     *
     * @return the descriptor; it belongs to this object, which closes it
     */
    public FileDescriptor fd() {
        return epfd;
    }

    /**
     * {@code EPOLL_CTL_ADD}. The registration belongs to the open file: closing {@code fd}
     * ends it only when no duplicate of the descriptor remains.
     *
     * @param fd       the descriptor to watch; it stays the caller's
     * @param interest the events and flags
     * @param userData the value its events come back with ({@link #data})
     * @throws ClosedException if this epoll or {@code fd} is closed
     * @throws ErrnoException if {@code epoll_ctl} fails ({@code EEXIST} if already added,
     *         {@code EPERM} for a regular file, {@code ENOSPC} past {@code max_user_watches})
     */
    public void add(FileDescriptor fd, Interest interest, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_ADD(), "ADD", fd, interest.bits(), userData);
    }

    /**
     * {@code EPOLL_CTL_MOD}; also re-arms an {@code EPOLLONESHOT} registration.
     *
     * @param fd       a watched descriptor
     * @param interest the new events and flags ({@link Interest#EXCLUSIVE} is refused with {@code EINVAL})
     * @param userData the new user value
     * @throws ClosedException if this epoll or {@code fd} is closed
     * @throws ErrnoException if {@code epoll_ctl} fails ({@code ENOENT} if not added)
     */
    public void modify(FileDescriptor fd, Interest interest, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_MOD(), "MOD", fd, interest.bits(), userData);
    }

    /**
     * {@code EPOLL_CTL_DEL}.
     *
     * @param fd a watched descriptor
     * @throws ClosedException if this epoll or {@code fd} is closed
     * @throws ErrnoException if {@code epoll_ctl} fails ({@code ENOENT} if not added)
     */
    public void delete(FileDescriptor fd) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_DEL(), "DEL", fd, 0, 0);
    }

    /**
     * {@code EPOLL_CTL_ADD} with raw {@code EPOLL*} bits, for callers that keep them.
     *
     * @param fd       the descriptor to watch; it stays the caller's
     * @param events   the {@code events} word
     * @param userData the value its events come back with
     * @throws ClosedException if this epoll or {@code fd} is closed
     * @throws ErrnoException as {@link #add(FileDescriptor, Interest, long)}
     */
    public void add(FileDescriptor fd, int events, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_ADD(), "ADD", fd, events, userData);
    }

    /**
     * {@code EPOLL_CTL_MOD} with raw {@code EPOLL*} bits.
     *
     * @param fd       a watched descriptor
     * @param events   the new {@code events} word
     * @param userData the new user value
     * @throws ClosedException if this epoll or {@code fd} is closed
     * @throws ErrnoException as {@link #modify(FileDescriptor, Interest, long)}
     */
    public void modify(FileDescriptor fd, int events, long userData) throws ErrnoException {
        ctl(LibC.EPOLL_CTL_MOD(), "MOD", fd, events, userData);
    }

    private void ctl(int op, String opName, FileDescriptor fd, int bits, long userData) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment ev = cs.scratch.asSlice(0, EVENT_SIZE);
        epoll_event.events(ev, bits);
        // epoll_event is packed on x86_64: the 64-bit data sits at offset 4, unaligned.
        ev.set(ValueLayout.JAVA_LONG_UNALIGNED, epoll_event.data$offset(), userData);
        life.acquire(this, "epoll_ctl");
        try {
            int raw = fd.acquire("epoll_ctl");
            try {
                int ep = epfd.acquire("epoll_ctl");
                try {
                    Results.check(MultiplexCalls.epollCtl(cs, ep, op, raw, ev), "epoll_ctl", opName, raw);
                } finally {
                    epfd.release();
                }
            } finally {
                fd.release();
            }
        } finally {
            life.release();
        }
    }

    /**
     * Waits for events ({@code epoll_wait}); {@code EINTR} is retried with the time that
     * remains. (Not named {@code wait}: {@code epoll.wait(100L)} would compile to
     * {@link Object#wait(long)} and throw {@code IllegalMonitorStateException}.)
     *
     * @param timeoutMillis negative waits indefinitely, 0 only collects what is ready
     * @return the number of events, readable with {@link #events(int)} and {@link #data(int)}
     * @throws ClosedException if closed before or during the wait
     * @throws ErrnoException if {@code epoll_wait} fails
     */
    public int epollWait(int timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        life.acquire(this, "epoll_wait");
        try {
            int ep = epfd.acquire("epoll_wait");
            try {
                long deadline = Timeouts.deadline(timeoutMillis);
                int timeout = timeoutMillis < 0 ? -1 : timeoutMillis;
                for (;;) {
                    int r = MultiplexCalls.epollWait(cs, ep, events, maxEvents, timeout);
                    if (life.isClosed()) {
                        ready = 0;
                        throw new ClosedException("epoll_wait", toString());
                    }
                    if (r >= 0) return ready = r;
                    if (!Results.interrupted(r)) throw Results.failure("epoll_wait", null, ep, r);
                    timeout = Timeouts.remainingMillis(deadline);
                }
            } finally {
                epfd.release();
            }
        } finally {
            life.release();
        }
    }

    /**
     * The {@code EPOLL*} bits of event {@code i} of the last wait.
     *
     * @param i an event, 0 to the last wait's count - 1
     * @return the ready bits
     * @throws IndexOutOfBoundsException if there is no such event
     * @throws ClosedException if this epoll is closed
     */
    public int events(int i) {
        check(i);
        try {
            return events.get(epoll_event.events$layout(), i * EVENT_SIZE + epoll_event.events$offset());
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "epoll event");
        }
    }

    /**
     * The user value of event {@code i} of the last wait.
     *
     * @param i an event, 0 to the last wait's count - 1
     * @return the {@code userData} of the registration that reported it
     * @throws IndexOutOfBoundsException if there is no such event
     * @throws ClosedException if this epoll is closed
     */
    public long data(int i) {
        check(i);
        try {
            return events.get(ValueLayout.JAVA_LONG_UNALIGNED, i * EVENT_SIZE + epoll_event.data$offset());
        } catch (IllegalStateException raced) {
            throw life.closedIfClosed(raced, this, "epoll event");
        }
    }

    private void check(int i) {
        life.ensureOpen(this, "epoll event");
        if (i < 0 || i >= ready) throw new IndexOutOfBoundsException("event " + i + " of " + ready);
    }

    /**
     * Closes the epoll fd and frees the event array; watched descriptors stay open.
     * Idempotent, from any thread; a thread in {@link #epollWait} is woken and throws
     * {@link ClosedException}, and the memory is freed when it leaves.
     */
    @Override
    public void close() {
        life.close();
    }

    @Override
    public String toString() {
        return "Epoll[fd=" + epfd.intValue() + "]";
    }
}
