package dev.panio.uring;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.__kernel_timespec;
import dev.panio.internal.gen.io_cqring_offsets;
import dev.panio.internal.gen.io_sqring_offsets;
import dev.panio.internal.gen.io_uring_cqe;
import dev.panio.internal.gen.io_uring_getevents_arg;
import dev.panio.internal.gen.io_uring_params;
import dev.panio.internal.gen.io_uring_probe;
import dev.panio.internal.gen.io_uring_probe_op;
import dev.panio.internal.gen.io_uring_sqe;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MiscCalls;
import dev.panio.internal.sys.UringCalls;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;

/**
 * An io_uring instance: the submission and completion rings mapped into this process,
 * filled and drained in place, the way liburing does it.
 *
 * <p>Use: take a slot with {@link #sqe()}, prepare one operation on it, repeat, then
 * {@link #submit()} (or {@link #submitAndWait}) publishes the batch with one tail store
 * and at most one {@code io_uring_enter}. {@link #forEachCompletion} hands each CQE's
 * user data, result and flags to a handler and frees the batch with one head store.
 * Neither path allocates. Completions are never lost: with {@code IORING_FEAT_NODROP} the
 * kernel keeps overflowed CQEs, and this class flushes them back when it sees
 * {@code IORING_SQ_CQ_OVERFLOW}.
 *
 * <p>Not thread-safe: one thread submits and reaps (with {@code SINGLE_ISSUER}, the
 * creating thread). Memory given to an operation must stay valid until its completion.
 *
 * <p>If the kernel cannot give a ring, {@link #open} throws
 * {@link IoUringUnavailableException} with the reason; {@link #availability()} asks once
 * without throwing.
 */
public final class IoUring implements AutoCloseable {
    /** More completions will follow for this submission (multishot). */
    public static final int CQE_F_MORE = LibC.IORING_CQE_F_MORE();
    /** The completion carries a provided buffer id; see {@link #bufferId(int)}. */
    public static final int CQE_F_BUFFER = LibC.IORING_CQE_F_BUFFER();

    private static final ValueLayout.OfInt INT = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong LONG = ValueLayout.JAVA_LONG;
    // Acquire/release access to the ring words shared with the kernel.
    private static final VarHandle RING_INT = ValueLayout.JAVA_INT.varHandle();

    private static final long CQE_SIZE = io_uring_cqe.sizeof();
    private static final long SQE_SIZE = io_uring_sqe.sizeof();
    private static final long CQE_USER_DATA = io_uring_cqe.user_data$offset();
    private static final long CQE_RES = io_uring_cqe.res$offset();
    private static final long CQE_FLAGS = io_uring_cqe.flags$offset();
    /** Per-slot memory for what an SQE points at until it is submitted (timespec, sockaddr). */
    static final long SIDE_BYTES = 128;

    private final FileDescriptor ringFd;
    private final int fd;
    private final CallState cs = new CallState();
    private final Arena arena = Arena.ofShared();
    private final int setupFlags;
    private final int featureBits;
    private final boolean sqpoll;

    private final MemorySegment sqRing;
    private final MemorySegment cqRing; // the same mapping as sqRing with SINGLE_MMAP
    private final MemorySegment sqes;
    private final long sqRingBytes;
    private final long cqRingBytes;
    private final long sqHeadOff, sqTailOff, sqFlagsOff, sqDroppedOff;
    private final long cqHeadOff, cqTailOff, cqOverflowOff, cqesOff;
    private final int sqMask, sqEntries, cqMask, cqEntries;

    private final MemorySegment side;
    private final MemorySegment waitArg;
    private final MemorySegment waitTs;
    private final Sqe sqe;

    private int sqeTail;       // next slot to fill; published to the kernel by submit
    private int sqHeadCached;  // last kernel SQ head seen
    private int cqHead;        // our consumer position; published after each drained batch
    private boolean closed;

    private IoUring(int fd, MemorySegment params, int setupFlags) throws ErrnoException {
        this.ringFd = FileDescriptor.adopt(fd);
        this.fd = fd;
        this.setupFlags = setupFlags;
        this.featureBits = io_uring_params.features(params);
        this.sqpoll = (setupFlags & LibC.IORING_SETUP_SQPOLL()) != 0;
        MemorySegment so = io_uring_params.sq_off(params);
        MemorySegment co = io_uring_params.cq_off(params);
        sqEntries = io_uring_params.sq_entries(params);
        cqEntries = io_uring_params.cq_entries(params);
        sqRingBytes = io_sqring_offsets.array(so) + 4L * sqEntries;
        cqRingBytes = io_cqring_offsets.cqes(co) + CQE_SIZE * cqEntries;
        boolean single = (featureBits & LibC.IORING_FEAT_SINGLE_MMAP()) != 0;
        MemorySegment sq = null, cq = null, sqeArray = null;
        try {
            if (single) {
                sq = cq = map(Math.max(sqRingBytes, cqRingBytes), LibC.IORING_OFF_SQ_RING());
            } else {
                sq = map(sqRingBytes, LibC.IORING_OFF_SQ_RING());
                cq = map(cqRingBytes, LibC.IORING_OFF_CQ_RING());
            }
            sqeArray = map(SQE_SIZE * sqEntries, LibC.IORING_OFF_SQES());
        } catch (ErrnoException e) {
            unmap(sq, single ? Math.max(sqRingBytes, cqRingBytes) : sqRingBytes);
            if (!single) unmap(cq, cqRingBytes);
            ringFd.close();
            throw e;
        }
        sqRing = sq;
        cqRing = cq;
        sqes = sqeArray;
        sqHeadOff = io_sqring_offsets.head(so);
        sqTailOff = io_sqring_offsets.tail(so);
        sqFlagsOff = io_sqring_offsets.flags(so);
        sqDroppedOff = io_sqring_offsets.dropped(so);
        sqMask = sqRing.get(INT, io_sqring_offsets.ring_mask(so));
        cqHeadOff = io_cqring_offsets.head(co);
        cqTailOff = io_cqring_offsets.tail(co);
        cqOverflowOff = io_cqring_offsets.overflow(co);
        cqesOff = io_cqring_offsets.cqes(co);
        cqMask = cqRing.get(INT, io_cqring_offsets.ring_mask(co));
        // The SQ index array maps ring positions to SQE slots; identity, set once.
        long array = io_sqring_offsets.array(so);
        for (int i = 0; i < sqEntries; i++) sqRing.set(INT, array + 4L * i, i);
        sqeTail = sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
        cqHead = (int) RING_INT.getAcquire(cqRing, cqHeadOff);

        side = arena.allocate(SIDE_BYTES * sqEntries, 16);
        waitArg = arena.allocate(io_uring_getevents_arg.layout());
        waitTs = arena.allocate(__kernel_timespec.layout());
        sqe = new Sqe(this, sqes, side);
    }

    /** A ring with {@code entries} submission slots and default settings. */
    public static IoUring open(int entries) throws ErrnoException {
        return open(IoUringOptions.entries(entries));
    }

    /**
     * Sets up a ring ({@code io_uring_setup}) and maps it.
     *
     * @throws IoUringUnavailableException if the kernel cannot give one (see its reason)
     */
    public static IoUring open(IoUringOptions options) throws ErrnoException {
        CallState cs = CallState.current();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment params = tmp.allocate(io_uring_params.layout());
            io_uring_params.flags(params, options.flags());
            io_uring_params.cq_entries(params, options.cqEntries());
            io_uring_params.sq_thread_idle(params, options.sqThreadIdleMillis());
            int r = UringCalls.setup(cs.errno, options.entries(), params.address());
            if (r < 0) {
                Errno errno = Errno.of(-r);
                throw new IoUringUnavailableException(errno, IoUringUnavailableException.explain(errno, options.flags()));
            }
            return new IoUring(r, params, options.flags());
        }
    }

    /** Whether io_uring can be set up here, and if not why; asked once per process. */
    public static Availability availability() {
        return Availability.CACHED;
    }

    /** The answer of {@link #availability()}. */
    public record Availability(boolean available, String reason, Errno errno) {
        static final Availability CACHED = probe();

        private static Availability probe() {
            try (IoUring ring = open(2)) {
                return new Availability(true, "io_uring is available", null);
            } catch (IoUringUnavailableException e) {
                return new Availability(false, e.reason(), e.errno());
            } catch (ErrnoException e) {
                return new Availability(false, e.getMessage(), e.errno());
            }
        }
    }

    private MemorySegment map(long bytes, long offset) throws ErrnoException {
        long addr = MiscCalls.mmap(cs.errno, 0, bytes, LibC.PROT_READ() | LibC.PROT_WRITE(),
                LibC.MAP_SHARED() | LibC.MAP_POPULATE(), fd, offset);
        if (addr < 0) throw Results.failure("mmap", "io_uring offset 0x" + Long.toHexString(offset), fd, (int) addr);
        return MemorySegment.ofAddress(addr).reinterpret(bytes);
    }

    private void unmap(MemorySegment seg, long bytes) {
        if (seg != null) MiscCalls.munmap(cs.errno, seg, bytes);
    }

    // ---- submission ---------------------------------------------------------------------

    /**
     * The next free submission slot, zeroed, as a reusable {@link Sqe} view valid until the
     * next call; null if all {@link #sqEntries()} slots await submission (submit first).
     */
    public Sqe sqe() {
        if (sqeTail - sqHeadCached >= sqEntries) {
            // Pairs with the kernel's store-release of sq.head once it has consumed SQEs:
            // slots before head may be reused.
            sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
            if (sqeTail - sqHeadCached >= sqEntries) return null;
        }
        int slot = sqeTail++ & sqMask;
        sqe.position(slot);
        return sqe;
    }

    /** Slots that can be taken with {@link #sqe()} before a submit. */
    public int sqSpace() {
        sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
        return sqEntries - (sqeTail - sqHeadCached);
    }

    /** Publishes the filled SQEs and returns how many the kernel has not consumed yet. */
    private int flushSq() {
        // Store-release of the tail pairs with the kernel's load-acquire of sq.tail: the
        // SQE contents written before it are visible to the kernel once it sees the tail.
        RING_INT.setRelease(sqRing, sqTailOff, sqeTail);
        sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
        return sqeTail - sqHeadCached;
    }

    private boolean sqpollNeedsWakeup() {
        // Full fence between our tail store and the flags load, as liburing's
        // io_uring_smp_mb(): otherwise the SQPOLL thread could go idle after we read
        // "awake" and miss the new tail.
        VarHandle.fullFence();
        return ((int) RING_INT.getAcquire(sqRing, sqFlagsOff) & LibC.IORING_SQ_NEED_WAKEUP()) != 0;
    }

    /**
     * Submits every prepared SQE.
     *
     * @return how many were handed over; 0 also when the kernel answered {@code EBUSY} or
     *         {@code EAGAIN} (completion backlog or no memory: reap completions, then submit again)
     */
    public int submit() throws ErrnoException {
        int pending = flushSq();
        if (sqpoll) {
            if (sqpollNeedsWakeup()) enter(0, 0, LibC.IORING_ENTER_SQ_WAKEUP(), 0, 0);
            return pending;
        }
        if (pending == 0) return 0;
        int r;
        do {
            r = UringCalls.enter(cs.errno, fd, pending, 0, 0, 0, 0);
        } while (r == -Results.EINTR);
        if (r == -Results.EAGAIN || r == -LibC.EBUSY()) return 0;
        return Results.check(r, "io_uring_enter", "submit", fd);
    }

    /**
     * Submits every prepared SQE and waits until at least {@code waitNr} completions are
     * ready or the timeout passes ({@code IORING_ENTER_EXT_ARG}); a signal does not restart
     * the full timeout.
     *
     * @param timeoutNanos -1 waits without limit
     * @return completions ready now (reap them with {@link #forEachCompletion})
     */
    public int submitAndWait(int waitNr, long timeoutNanos) throws ErrnoException {
        int pending = flushSq();
        int flags = LibC.IORING_ENTER_GETEVENTS();
        int toSubmit = pending;
        if (sqpoll) {
            toSubmit = 0;
            if (sqpollNeedsWakeup()) flags |= LibC.IORING_ENTER_SQ_WAKEUP();
        }
        // With DEFER_TASKRUN completions are only posted inside io_uring_enter(GETEVENTS):
        // never skip the call there, even when enough are already visible.
        if (pending == 0 && cqReady() >= waitNr && (setupFlags & LibC.IORING_SETUP_DEFER_TASKRUN()) == 0) return cqReady();
        long deadline = timeoutNanos < 0 ? Long.MAX_VALUE : System.nanoTime() + timeoutNanos;
        for (;;) {
            long argAddr = 0, argSize = 0;
            int f = flags;
            if (timeoutNanos >= 0) {
                if ((featureBits & LibC.IORING_FEAT_EXT_ARG()) == 0) {
                    throw new UnsupportedOperationException("timed waits need IORING_FEAT_EXT_ARG (Linux 5.11)");
                }
                long left = Math.max(0, deadline - System.nanoTime());
                __kernel_timespec.tv_sec(waitTs, left / 1_000_000_000L);
                __kernel_timespec.tv_nsec(waitTs, left % 1_000_000_000L);
                waitArg.fill((byte) 0);
                io_uring_getevents_arg.ts(waitArg, waitTs.address());
                argAddr = waitArg.address();
                argSize = io_uring_getevents_arg.sizeof();
                f |= LibC.IORING_ENTER_EXT_ARG();
            }
            int r = UringCalls.enter(cs.errno, fd, toSubmit, waitNr, f, argAddr, argSize);
            if (r >= 0 || r == -LibC.ETIME()) return cqReady();
            if (r == -Results.EINTR) {
                toSubmit = sqpoll ? 0 : flushSq();
                if (timeoutNanos >= 0 && deadline - System.nanoTime() <= 0) return cqReady();
                continue;
            }
            if (r == -Results.EAGAIN || r == -LibC.EBUSY()) return cqReady();
            throw Results.failure("io_uring_enter", "wait", fd, r);
        }
    }

    private void enter(int toSubmit, int minComplete, int flags, long arg, long argSize) throws ErrnoException {
        int r;
        do {
            r = UringCalls.enter(cs.errno, fd, toSubmit, minComplete, flags, arg, argSize);
        } while (r == -Results.EINTR);
        if (r < 0 && r != -Results.EAGAIN && r != -LibC.EBUSY()) throw Results.failure("io_uring_enter", null, fd, r);
    }

    // ---- completion ---------------------------------------------------------------------

    /** Completions ready to be reaped. */
    public int cqReady() {
        // Load-acquire of cq.tail pairs with the kernel's store-release after it writes CQEs.
        return (int) RING_INT.getAcquire(cqRing, cqTailOff) - cqHead;
    }

    /**
     * Hands every ready completion to {@code handler}, oldest first, then frees their slots.
     * Completions the kernel had to hold back on overflow are flushed into the ring and
     * delivered in the same call. The handler may prepare and submit new SQEs, but must not
     * call this method again.
     *
     * @return completions delivered
     */
    public int forEachCompletion(CompletionHandler handler) throws ErrnoException {
        int delivered = 0;
        for (;;) {
            int tail = (int) RING_INT.getAcquire(cqRing, cqTailOff);
            int head = cqHead;
            while (head != tail) {
                long off = cqesOff + (head & cqMask) * CQE_SIZE;
                long userData = cqRing.get(LONG, off + CQE_USER_DATA);
                int res = cqRing.get(INT, off + CQE_RES);
                int flags = cqRing.get(INT, off + CQE_FLAGS);
                head++;
                cqHead = head;
                delivered++;
                handler.complete(userData, res, flags);
            }
            // Store-release of cq.head: the kernel may overwrite these CQEs only after our
            // loads of them above are done.
            RING_INT.setRelease(cqRing, cqHeadOff, head);
            if (!cqOverflowPending()) return delivered;
            // The kernel holds completions that did not fit; GETEVENTS moves them into the
            // ring now that there is room.
            enter(0, 0, LibC.IORING_ENTER_GETEVENTS(), 0, 0);
        }
    }

    private boolean cqOverflowPending() {
        return ((int) RING_INT.getAcquire(sqRing, sqFlagsOff) & LibC.IORING_SQ_CQ_OVERFLOW()) != 0;
    }

    /** Completions the kernel dropped (only on kernels without {@link Feature#NODROP}). */
    public int droppedCompletions() {
        return (int) RING_INT.getAcquire(cqRing, cqOverflowOff);
    }

    /** Submissions the kernel dropped as invalid (bad SQ index). */
    public int droppedSubmissions() {
        return (int) RING_INT.getAcquire(sqRing, sqDroppedOff);
    }

    /** The buffer id of a completion with {@link #CQE_F_BUFFER}. */
    public static int bufferId(int cqeFlags) {
        return cqeFlags >>> LibC.IORING_CQE_BUFFER_SHIFT();
    }

    // ---- registration and probing ---------------------------------------------------------

    /** The operations this kernel supports ({@code IORING_REGISTER_PROBE}). */
    public Set<Opcode> supportedOps() throws ErrnoException {
        int maxOps = 256;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment probe = tmp.allocate(io_uring_probe.sizeof() + io_uring_probe_op.sizeof() * maxOps, 8);
            Results.check(UringCalls.register(cs.errno, fd, LibC.IORING_REGISTER_PROBE(), probe.address(), maxOps),
                    "io_uring_register", "PROBE", fd);
            int opsLen = Byte.toUnsignedInt(io_uring_probe.ops_len(probe));
            EnumSet<Opcode> ops = EnumSet.noneOf(Opcode.class);
            for (Opcode op : Opcode.values()) {
                if (op.code() >= opsLen) continue;
                MemorySegment entry = probe.asSlice(io_uring_probe.sizeof() + op.code() * io_uring_probe_op.sizeof(),
                        io_uring_probe_op.sizeof());
                if ((io_uring_probe_op.flags(entry) & LibC.IO_URING_OP_SUPPORTED()) != 0) ops.add(op);
            }
            return Collections.unmodifiableSet(ops);
        }
    }

    /** Features the kernel reported at setup. */
    public Set<Feature> features() {
        return Collections.unmodifiableSet(Feature.of(featureBits));
    }

    /** The {@code IORING_SETUP_*} flags this ring was created with. */
    public int setupFlags() {
        return setupFlags;
    }

    /**
     * Registers {@code fds} as fixed files ({@code IORING_REGISTER_FILES}): SQEs then name
     * them by index with {@link Sqe#fixedFile()}, saving the kernel a file lookup per op.
     * The kernel holds its own references; closing the fds later does not unregister them.
     */
    public void registerFiles(int... fds) throws ErrnoException {
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment arr = tmp.allocateFrom(ValueLayout.JAVA_INT, fds);
            Results.check(UringCalls.register(cs.errno, fd, LibC.IORING_REGISTER_FILES(), arr.address(), fds.length),
                    "io_uring_register", "FILES", fd);
        }
    }

    /** Drops every fixed file ({@code IORING_UNREGISTER_FILES}). */
    public void unregisterFiles() throws ErrnoException {
        Results.check(UringCalls.register(cs.errno, fd, LibC.IORING_UNREGISTER_FILES(), 0, 0),
                "io_uring_register", "UNREGISTER_FILES", fd);
    }

    int register(int opcode, long arg, int nr, String what) throws ErrnoException {
        return Results.check(UringCalls.register(cs.errno, fd, opcode, arg, nr), "io_uring_register", what, fd);
    }

    /** Submission slots. */
    public int sqEntries() {
        return sqEntries;
    }

    /** Completion slots. */
    public int cqEntries() {
        return cqEntries;
    }

    /** The ring's own descriptor. */
    public FileDescriptor fd() {
        return ringFd;
    }

    /**
     * Unmaps the rings and closes the ring fd; the kernel cancels what is still in flight.
     * Completions not yet reaped are discarded with the ring: reap first where they carry
     * resources, such as the fds of accepted connections.
     */
    @Override
    public void close() throws ErrnoException {
        if (closed) return;
        closed = true;
        boolean single = sqRing == cqRing;
        unmap(sqes, SQE_SIZE * sqEntries);
        unmap(sqRing, single ? Math.max(sqRingBytes, cqRingBytes) : sqRingBytes);
        if (!single) unmap(cqRing, cqRingBytes);
        try {
            ringFd.close();
        } finally {
            arena.close();
        }
    }

    @Override
    public String toString() {
        return "IoUring[fd=" + fd + ", sq=" + sqEntries + ", cq=" + cqEntries + ", flags=0x" + Integer.toHexString(setupFlags) + "]";
    }
}
