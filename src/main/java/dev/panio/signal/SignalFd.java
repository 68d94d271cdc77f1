package dev.panio.signal;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.signalfd_siginfo;
import dev.panio.internal.gen.sigset_t;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.internal.sys.SignalCalls;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A {@code signalfd(2)}: signals in its set that are pending for the reading thread (or the
 * process) are read as records instead of running a handler. The signals must be
 * {@linkplain Signals#block blocked} in every thread that could otherwise take them.
 * Always {@code SFD_CLOEXEC}; readable (for select, poll, epoll) while a signal is pending.
 *
 * <p>Records are read into a buffer this object owns, {@link #capacity()} at a time, and
 * read back with {@link #signo}, {@link #fd}, {@link #code}, {@link #band}; the buffer is
 * freed by the garbage collector once the object is unreachable, so no call can write into
 * freed memory.
 *
 * <p>Threads: {@link #read()} and the record accessors are for one thread at a time (the
 * reader); {@link #close()} is idempotent and may come from any thread, after which every
 * call throws {@link ClosedException}.
 */
public final class SignalFd implements AutoCloseable {
    private static final long RECORD = signalfd_siginfo.sizeof();

    private final FileDescriptor fd;
    private final MemorySegment records;
    private final int capacity;
    private int count;

    private SignalFd(FileDescriptor fd, int capacity) {
        this.fd = fd;
        this.capacity = capacity;
        this.records = Arena.ofAuto().allocate(RECORD * capacity, 8);
    }

    /**
     * A signalfd for {@code set}, reading up to {@code capacity} records per {@link #read()}.
     *
     * @param set         the signals it reads; block them first
     * @param nonBlocking true for {@code SFD_NONBLOCK}
     * @param capacity    records per read, 1 to 4096; the buffer is allocated now
     * @return the signalfd, owned by the caller
     * @throws IllegalArgumentException if {@code set} is empty or {@code capacity} is not 1 to 4096
     * @throws ErrnoException if {@code signalfd} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static SignalFd open(SignalSet set, boolean nonBlocking, int capacity) throws ErrnoException {
        if (set.isEmpty()) throw new IllegalArgumentException("signalfd: the signal set is empty");
        if (capacity < 1 || capacity > 4096) throw new IllegalArgumentException("signalfd: capacity must be 1 to 4096: " + capacity);
        CallState cs = CallState.current();
        MemorySegment mask = cs.scratch.asSlice(0, sigset_t.sizeof());
        set.writeTo(cs, mask);
        int flags = LibC.SFD_CLOEXEC() | (nonBlocking ? LibC.SFD_NONBLOCK() : 0);
        int raw = Results.check(SignalCalls.signalfd(cs, -1, mask, flags), "signalfd", -1);
        return new SignalFd(FileDescriptor.adopt(raw), capacity);
    }

    /**
     * The descriptor, to register with a multiplexer.
     *
     * @return the descriptor this signalfd owns; closing it closes the signalfd
     */
    public FileDescriptor fd() {
        return fd;
    }

    /**
     * The most records one {@link #read()} takes.
     *
     * @return the capacity it was opened with
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Reads the pending signals, up to {@link #capacity()}; a blocking signalfd waits for one.
     *
     * @return how many records were read (then readable with the accessors), 0 if none was
     *         pending on a non-blocking signalfd
     * @throws ErrnoException if {@code read(2)} fails
     */
    public int read() throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("read");
        try {
            long r;
            do {
                r = FdCalls.read(cs, raw, records, records.byteSize());
            } while (Results.interrupted(r));
            if (Results.wouldBlock(r)) {
                count = 0;
            } else if (r < 0) {
                throw fd.failure("read", "signalfd", r);
            } else {
                count = (int) (r / RECORD);
            }
            return count;
        } finally {
            fd.release();
        }
    }

    /**
     * Record {@code i}'s signal number ({@code ssi_signo}).
     *
     * @param i a record of the last read, 0 to its count - 1
     * @return the signal number
     * @throws IndexOutOfBoundsException if there is no such record
     */
    public int signo(int i) {
        return field(i, signalfd_siginfo.ssi_signo$offset());
    }

    /**
     * Record {@code i}'s file descriptor, for a signal raised by {@code O_ASYNC} I/O ({@code ssi_fd}).
     *
     * @param i a record of the last read, 0 to its count - 1
     * @return the fd number; meaningless for a signal not raised by I/O
     * @throws IndexOutOfBoundsException if there is no such record
     */
    public int fd(int i) {
        return field(i, signalfd_siginfo.ssi_fd$offset());
    }

    /**
     * Record {@code i}'s code ({@code ssi_code}): positive when the kernel raised the signal
     * ({@code POLL_IN} and the like for I/O), 0 or negative when a process or thread sent it
     * ({@code SI_USER}, {@code SI_TKILL}).
     *
     * @param i a record of the last read, 0 to its count - 1
     * @return the code
     * @throws IndexOutOfBoundsException if there is no such record
     */
    public int code(int i) {
        return field(i, signalfd_siginfo.ssi_code$offset());
    }

    /**
     * Record {@code i}'s poll band ({@code ssi_band}: {@code POLLIN}, {@code POLLOUT}, ... of the fd).
     *
     * @param i a record of the last read, 0 to its count - 1
     * @return the band bits; 0 for a signal not raised by I/O
     * @throws IndexOutOfBoundsException if there is no such record
     */
    public int band(int i) {
        return field(i, signalfd_siginfo.ssi_band$offset());
    }

    private int field(int i, long offset) {
        if (!fd.isOpen()) throw new ClosedException("signalfd record", toString());
        java.util.Objects.checkIndex(i, count);
        return records.get(ValueLayout.JAVA_INT, i * RECORD + offset);
    }

    /** Closes the descriptor; idempotent, any thread. */
    @Override
    public void close() throws ErrnoException {
        fd.close();
    }

    @Override
    public String toString() {
        return "SignalFd[" + fd + "]";
    }
}
