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
import dev.panio.internal.gen.iovec;
import dev.panio.internal.io.CloseWake;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.io.UseCount;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MiscCalls;
import dev.panio.internal.sys.UringCalls;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
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
 * <p><b>Threads.</b> One thread at a time prepares, submits and reaps ({@link #sqe},
 * {@link #submit}, {@link #submitAndWait}, {@link #forEachCompletion}, {@link #cqReady},
 * {@link #sqSpace}); with {@code SINGLE_ISSUER} granted it must be the thread that opened
 * the ring, and any other thread gets a {@link WrongThreadException} before the kernel would
 * answer {@code EEXIST}. Registration ({@link #registerFiles}, {@link #registerBuffers},
 * {@link BufferRing}) and {@link #supportedOps} may be called from any thread on a ring
 * without {@code SINGLE_ISSUER}; {@link #close()} from any thread on every ring.
 *
 * <p><b>Memory lifetime.</b> The kernel keeps the address of every buffer an operation is
 * given until that operation's completion, long after {@code submit} returns: memory given
 * to an {@link Sqe} must be off-heap and stay valid until the completion is reaped (or the
 * ring is closed). panio refuses heap memory, closed arenas and read-only read targets
 * when the SQE is prepared, but cannot see an arena closed later. Memory the caller cannot
 * free under the kernel comes from the ring itself: {@link #allocate} and
 * {@link #registerBuffers}, freed only when the ring is closed, after its operations are
 * cancelled and their completions reaped.
 *
 * <p><b>Lifecycle.</b> {@code close()} is idempotent. Closing while another thread waits in
 * {@link #submitAndWait} wakes it (the ring always has a poll armed on an eventfd that only a
 * close signals) and that call throws {@link ClosedException}; the ring is torn down when the
 * last call in flight returns, never under it. Teardown, on a thread that may submit, cancels
 * every operation still in flight ({@code IORING_ASYNC_CANCEL_ANY}, 5.19) and reaps the
 * completions (discarding them: reap first where they carry fds, such as accepted
 * connections) before unmapping anything. Where that cannot be done (another thread closes a
 * {@code SINGLE_ISSUER} ring, a kernel before 5.19, {@code CQE_SKIP_SUCCESS} in use), the
 * ring-owned memory is not returned to the system but left mapped {@code PROT_NONE}, so a late
 * write by the kernel fails instead of landing in memory reused by someone else. Every call
 * after close throws {@code ClosedException}. User data at or above
 * {@link #RESERVED_USER_DATA} (as unsigned) belongs to these internal operations and is refused.
 *
 * <p>If the kernel cannot give a ring, {@link #open} throws
 * {@link IoUringUnavailableException} with the reason; {@link #availability()} asks once
 * without throwing and reports each {@link Capability}.
 */
public final class IoUring implements AutoCloseable {
    /** More completions will follow for this submission (multishot). */
    public static final int CQE_F_MORE = LibC.IORING_CQE_F_MORE();
    /** The completion carries a provided buffer id; see {@link #bufferId(int)}. */
    public static final int CQE_F_BUFFER = LibC.IORING_CQE_F_BUFFER();
    /**
     * The lowest user data value (compared unsigned) reserved for panio's own operations: the
     * close wake-up, the timeout of a timed wait without {@code EXT_ARG}, and the cancel at close.
     */
    public static final long RESERVED_USER_DATA = 0xFFFF_FFFF_FFFF_FF00L;
    static final long UD_CLOSE_WAKE = -1L;
    static final long UD_TIMEOUT = -2L;
    static final long UD_CANCEL = -3L;
    /** A slot taken with sqe() whose preparation threw: it goes out as a NOP that is never delivered. */
    static final long UD_ABANDONED = -4L;

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
    private static final long PAGE = 4096;
    /** How long teardown waits for cancelled operations to complete. */
    private static final long DRAIN_NANOS = 1_000_000_000L;

    private final FileDescriptor ringFd;
    private final int fd;
    private final UseCount life = new UseCount();
    private final Thread owner;
    private final boolean singleIssuer;
    private final CallState cs = new CallState(); // for the one thread that submits and reaps
    private final Arena arena = Arena.ofShared();  // the mappings and side memory: never handed to a downcall
    // Ring-owned memory (allocate, registerBuffers, BufferRing) has an arena of its own: the
    // caller may pass it to a blocking call elsewhere, which holds the arena while it runs.
    private final Arena owned = Arena.ofShared();
    /** Arenas of ring-owned memory a teardown could not close (a call elsewhere still held them); retried. */
    private static final java.util.concurrent.ConcurrentLinkedQueue<Arena> PENDING = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private final int setupFlags;
    private final int featureBits;
    private final Set<Capability> masked;
    private final boolean sqpoll;
    private final EventFd closeWake;
    /** Ring-owned memory is left mapped PROT_NONE instead of unmapped (teardown could not drain). */
    private volatile boolean quarantine;

    private final MemorySegment sqRing;
    private final MemorySegment cqRing; // the same mapping as sqRing with SINGLE_MMAP
    private final MemorySegment sqes;
    private final long sqHeadOff, sqTailOff, sqFlagsOff, sqDroppedOff;
    private final long cqHeadOff, cqTailOff, cqOverflowOff, cqesOff;
    private final int sqMask, sqEntries, cqMask, cqEntries;

    private final MemorySegment waitArg;
    private final MemorySegment waitTs;
    private final Sqe sqe;

    private int sqeTail;       // next slot to fill; published to the kernel by submit
    private int sqTailPublished;
    private int sqHeadCached;  // last kernel SQ head seen
    private final int sqHeadStart;
    private int cqHead;        // our consumer position; published after each drained batch
    private int finalCqes;     // completions without CQE_F_MORE reaped: requests finished
    private boolean uncountable; // CQE_SKIP_SUCCESS was used: in-flight requests cannot be counted
    private boolean reaping;
    private boolean wakeReaped;
    /**
     * The last thread that took an SQE or submitted. A teardown may use the SQ (to cancel)
     * only on that thread, or once it has ended: otherwise it could race an SQE being filled.
     */
    private volatile Thread lastIssuer;
    private RegisteredBuffers registered;

    private IoUring(int fd, MemorySegment params, int setupFlags, Set<Capability> masked) throws ErrnoException {
        this.ringFd = FileDescriptor.adopt(fd);
        this.fd = fd;
        this.owner = Thread.currentThread();
        this.lastIssuer = owner;
        this.setupFlags = setupFlags;
        this.singleIssuer = (setupFlags & IoUringOptions.SETUP_SINGLE_ISSUER) != 0;
        int features = io_uring_params.features(params);
        if (masked.contains(Capability.EXT_ARG)) features &= ~LibC.IORING_FEAT_EXT_ARG();
        this.featureBits = features;
        this.masked = masked;
        this.sqpoll = (setupFlags & LibC.IORING_SETUP_SQPOLL()) != 0;
        MemorySegment so = io_uring_params.sq_off(params);
        MemorySegment co = io_uring_params.cq_off(params);
        sqEntries = io_uring_params.sq_entries(params);
        cqEntries = io_uring_params.cq_entries(params);
        long sqRingBytes = io_sqring_offsets.array(so) + 4L * sqEntries;
        long cqRingBytes = io_cqring_offsets.cqes(co) + CQE_SIZE * cqEntries;
        boolean single = (featureBits & LibC.IORING_FEAT_SINGLE_MMAP()) != 0;
        EventFd wake = null;
        try {
            // Each mapping is bound to the arena and unmapped when it closes: an access after
            // close is then an IllegalStateException, never a touch of unmapped memory.
            if (single) {
                sqRing = cqRing = map(Math.max(sqRingBytes, cqRingBytes), LibC.IORING_OFF_SQ_RING());
            } else {
                sqRing = map(sqRingBytes, LibC.IORING_OFF_SQ_RING());
                cqRing = map(cqRingBytes, LibC.IORING_OFF_CQ_RING());
            }
            sqes = map(SQE_SIZE * sqEntries, LibC.IORING_OFF_SQES());
            wake = EventFd.open();
        } catch (ErrnoException | RuntimeException e) {
            if (wake != null) wake.close();
            ringFd.close();
            arena.close();
            owned.close();
            throw e;
        }
        closeWake = wake;
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
        sqeTail = sqTailPublished = sqHeadCached = sqHeadStart = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
        cqHead = (int) RING_INT.getAcquire(cqRing, cqHeadOff);

        MemorySegment side = arena.allocate(SIDE_BYTES * sqEntries, 16);
        waitArg = arena.allocate(io_uring_getevents_arg.layout());
        waitTs = arena.allocate(__kernel_timespec.layout());
        sqe = new Sqe(this, sqes, side);
        // The close wake-up: one poll, armed for the ring's whole life, completes only when
        // close() signals the eventfd, which ends any io_uring_enter waiting for completions.
        sqe.position(nextSlot());
        sqe.pollAdd(closeWake.fd().intValue(), LibC.POLLIN(), false).internalUserData(UD_CLOSE_WAKE);
        try {
            submitInternal();
        } catch (ErrnoException | RuntimeException e) {
            life.close();
            teardown();
            throw e;
        }
    }

    /**
     * A ring with {@code entries} submission slots and default settings.
     *
     * @param entries submission slots, 1..{@value IoUringOptions#MAX_ENTRIES} (the kernel rounds up to a power of two)
     * @return the ring, owned by the caller
     * @throws IllegalArgumentException if {@code entries} is out of range
     * @throws IoUringUnavailableException if the kernel cannot give one (see its reason)
     * @throws ErrnoException if mapping the rings or arming the close wake-up fails
     */
    public static IoUring open(int entries) throws ErrnoException {
        return open(IoUringOptions.entries(entries));
    }

    /**
     * Sets up a ring ({@code io_uring_setup}) and maps it. Preferred flags the kernel refuses
     * are dropped one by one (see {@link IoUringOptions}); required ones are not.
     *
     * @param options the queue sizes and flags
     * @return the ring, owned by the caller; with {@code SINGLE_ISSUER} granted, bound to this thread
     * @throws IoUringUnavailableException if the kernel cannot give one (see its reason), or a
     *         required flag is masked by {@value Capability#MASK_PROPERTY}
     * @throws IllegalStateException if {@code SINGLE_ISSUER} is required on a virtual thread
     * @throws ErrnoException if mapping the rings or arming the close wake-up fails
     */
    public static IoUring open(IoUringOptions options) throws ErrnoException {
        return open(options, Capability.masked());
    }

    /** For the probe of {@link Availability}: what the kernel has, whatever the mask says. */
    static IoUring openUnmasked(IoUringOptions options) throws ErrnoException {
        return open(options, EnumSet.noneOf(Capability.class));
    }

    private static IoUring open(IoUringOptions options, Set<Capability> masked) throws ErrnoException {
        retryPending();
        int required = options.flags();
        int preferred = options.preferredFlags() & ~required;
        for (Capability c : masked) {
            int flag = c.setupFlag();
            if ((required & flag) != 0) {
                throw new IoUringUnavailableException(Errno.EINVAL, "the required setup flag " + c
                        + " is masked by -D" + Capability.MASK_PROPERTY);
            }
            preferred &= ~flag;
        }
        if ((preferred & IoUringOptions.SETUP_SINGLE_ISSUER) == 0) preferred &= ~IoUringOptions.SETUP_DEFER_TASKRUN;
        if ((preferred & (IoUringOptions.SETUP_COOP_TASKRUN | IoUringOptions.SETUP_DEFER_TASKRUN)) == 0
                && (required & (IoUringOptions.SETUP_COOP_TASKRUN | IoUringOptions.SETUP_DEFER_TASKRUN)) == 0) {
            preferred &= ~IoUringOptions.SETUP_TASKRUN_FLAG;
        }
        if (Thread.currentThread().isVirtual()) {
            // The kernel binds a SINGLE_ISSUER ring to the OS thread that creates it; a virtual
            // thread runs on whichever carrier is free, and would then get EEXIST.
            if ((required & IoUringOptions.SETUP_SINGLE_ISSUER) != 0) {
                throw new IllegalStateException("io_uring_setup: SINGLE_ISSUER needs a platform thread; "
                        + Thread.currentThread() + " is virtual");
            }
            preferred &= ~(IoUringOptions.SETUP_SINGLE_ISSUER | IoUringOptions.SETUP_DEFER_TASKRUN);
        }
        CallState cs = CallState.current();
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment params = tmp.allocate(io_uring_params.layout());
            for (;;) {
                int flags = required | preferred;
                params.fill((byte) 0);
                io_uring_params.flags(params, flags);
                io_uring_params.cq_entries(params, options.cqEntries());
                io_uring_params.sq_thread_idle(params, options.sqThreadIdleMillis());
                int r = UringCalls.setup(cs, options.entries(), params.address());
                if (r >= 0) return new IoUring(r, params, flags, masked);
                Errno errno = Errno.of(-r);
                int drop = errno == Errno.EINVAL ? nextToDrop(preferred) : 0;
                if (drop == 0) {
                    throw new IoUringUnavailableException(errno, IoUringUnavailableException.explain(errno, flags));
                }
                preferred &= ~drop;
                if (drop == IoUringOptions.SETUP_SINGLE_ISSUER) preferred &= ~IoUringOptions.SETUP_DEFER_TASKRUN;
            }
        }
    }

    private static int nextToDrop(int preferred) {
        for (int flag : IoUringOptions.DROP_ORDER) {
            if ((preferred & flag) != 0) return flag;
        }
        return Integer.lowestOneBit(preferred);
    }

    /**
     * What this kernel's io_uring offers; the kernel is asked once per process, the
     * {@value Capability#MASK_PROPERTY} mask applied at each call. Never throws.
     *
     * @return the report; unavailable, with the reason, if the kernel gives no ring or the
     *         mask property names an unknown capability
     */
    public static Availability availability() {
        return Availability.current();
    }

    /**
     * Whether this ring may use {@code c}: the kernel has it and it is not masked. Setup
     * flags are those granted to this ring; the rest come from {@link #availability()}.
     *
     * @param c a capability
     * @return true if this ring may use it
     */
    public boolean has(Capability c) {
        int flag = c.setupFlag();
        if (flag != 0) return (setupFlags & flag) != 0;
        if (c == Capability.EXT_ARG) return (featureBits & LibC.IORING_FEAT_EXT_ARG()) != 0;
        return !masked.contains(c) && Availability.RAW.has(c);
    }

    private MemorySegment map(long bytes, long offset) throws ErrnoException {
        long addr = MiscCalls.mmap(cs, 0, bytes, LibC.PROT_READ() | LibC.PROT_WRITE(),
                LibC.MAP_SHARED() | LibC.MAP_POPULATE(), fd, offset);
        if (addr < 0) throw Results.failure("mmap", "io_uring offset 0x" + Long.toHexString(offset), fd, (int) addr);
        return MemorySegment.ofAddress(addr).reinterpret(bytes, arena, IoUring::unmap);
    }

    private static void unmap(MemorySegment s) {
        MiscCalls.munmap(CallState.current(), s, s.byteSize());
    }

    // ---- threads and state ------------------------------------------------------------------

    private void checkThread(String call) {
        if (singleIssuer && Thread.currentThread() != owner) {
            throw new WrongThreadException(call + " on " + this + ": a SINGLE_ISSUER ring may only be used by "
                    + owner + ", which opened it (the kernel would answer EEXIST)");
        }
    }

    /**
     * Whether teardown may submit and reap on the calling thread: the owner of a SINGLE_ISSUER
     * ring; on another ring, the thread that used the submission side last, or any thread
     * once that one has ended (no SQE can be half-filled then).
     */
    private boolean mayIssue() {
        Thread self = Thread.currentThread();
        if (singleIssuer) return self == owner;
        Thread last = lastIssuer;
        return last == null || last == self || !last.isAlive();
    }

    private void enterCall(String call) {
        life.acquire(this, call);
        if (singleIssuer && Thread.currentThread() != owner) {
            leaveCall();
            checkThread(call);
        }
    }

    private void leaveCall() {
        if (life.release()) teardown();
    }

    /** Requests submitted and not yet finished, the close wake-up poll included. */
    private int inFlight() {
        // Pairs with the kernel's store-release of sq.head: SQEs before it were consumed.
        sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
        return (sqHeadCached - sqHeadStart) - finalCqes;
    }

    // ---- submission ---------------------------------------------------------------------

    /**
     * The next free submission slot, zeroed, as a reusable {@link Sqe} view valid until the
     * next call; null if all {@link #sqEntries()} slots await submission (submit first).
     *
     * @return the slot's view, or null
     * @throws ClosedException after close
     * @throws WrongThreadException on a SINGLE_ISSUER ring, from a thread other than its owner
     */
    public Sqe sqe() {
        life.ensureOpen(this, "sqe");
        checkThread("sqe");
        noteIssuer();
        try {
            int slot = nextSlot();
            if (slot < 0) return null;
            sqe.position(slot);
            return sqe;
        } catch (IllegalStateException raced) {
            throw closedIfClosed(raced, "sqe");
        }
    }

    /**
     * A memory access that raced a close on another thread ends in the arena's
     * {@code IllegalStateException}; report it as what it is.
     */
    private RuntimeException closedIfClosed(IllegalStateException e, String call) {
        return life.closedIfClosed(e, this, call);
    }

    private int nextSlot() {
        if (sqeTail - sqHeadCached >= sqEntries) {
            // Pairs with the kernel's store-release of sq.head once it has consumed SQEs:
            // slots before head may be reused.
            sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
            if (sqeTail - sqHeadCached >= sqEntries) return -1;
        }
        return sqeTail++ & sqMask;
    }

    /**
     * A slot for an internal SQE. What the caller prepared is submitted first, in its own
     * {@code io_uring_enter}: a chain ends with the call that submits it, so an SQE of panio's
     * can never become the next link of a caller's {@code IO_LINK}.
     */
    private void internalSlot() throws ErrnoException {
        // Published is not submitted: what the kernel has not consumed yet would enter with ours.
        // Load-acquire of sq.head pairs with the kernel's store-release after consuming SQEs.
        // Without SUBMIT_ALL an SQE that fails at submission stops the batch there: enter
        // again until the kernel has taken everything (each enter takes the failing SQE).
        for (int tries = 0; sqeTail != (int) RING_INT.getAcquire(sqRing, sqHeadOff) && tries <= sqEntries; tries++) {
            if (sqpoll) {
                flushSq();
                awaitSqConsumed();
            } else if (submitInternal() == 0) {
                break; // EBUSY/EAGAIN: the kernel takes nothing now
            }
        }
        int slot = nextSlot();
        while (slot < 0) {
            submitInternal();
            slot = nextSlot();
            if (slot < 0) Thread.onSpinWait();
        }
        sqe.position(slot);
    }

    /** With SQPOLL the kernel thread submits: wait (up to a second) until it has taken everything published. */
    private void awaitSqConsumed() throws ErrnoException {
        long deadline = Timeouts.deadlineNanos(1_000_000_000L);
        // Load-acquire of sq.head pairs with the SQPOLL thread's store-release after it consumed SQEs.
        while ((int) RING_INT.getAcquire(sqRing, sqHeadOff) != sqTailPublished && Timeouts.pending(deadline)) {
            if (sqpollNeedsWakeup()) enter(0, 0, LibC.IORING_ENTER_SQ_WAKEUP(), 0, 0);
            Thread.onSpinWait();
        }
    }

    /**
     * Slots that can be taken with {@link #sqe()} before a submit.
     *
     * @return free submission slots
     * @throws ClosedException after close
     */
    public int sqSpace() {
        life.ensureOpen(this, "sqSpace");
        try {
            // Pairs with the kernel's store-release of sq.head after it consumed SQEs.
            sqHeadCached = (int) RING_INT.getAcquire(sqRing, sqHeadOff);
            return sqEntries - (sqeTail - sqHeadCached);
        } catch (IllegalStateException raced) {
            throw closedIfClosed(raced, "sqSpace");
        }
    }

    /** Publishes the filled SQEs and returns how many the kernel has not consumed yet. */
    private int flushSq() {
        // Store-release of the tail pairs with the kernel's load-acquire of sq.tail: the
        // SQE contents written before it are visible to the kernel once it sees the tail.
        RING_INT.setRelease(sqRing, sqTailOff, sqeTail);
        sqTailPublished = sqeTail;
        // Pairs with the kernel's store-release of sq.head: how much of the batch it took already.
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
     *         {@code EAGAIN} (completion backlog or no memory: reap completions, then submit again).
     *         With {@code SQPOLL}, how many the kernel thread has not taken yet.
     * @throws ClosedException after close
     * @throws WrongThreadException on a SINGLE_ISSUER ring, from a thread other than its owner
     * @throws ErrnoException if {@code io_uring_enter} fails
     */
    public int submit() throws ErrnoException {
        enterCall("submit");
        noteIssuer();
        try {
            return submitInternal();
        } finally {
            leaveCall();
        }
    }

    private int submitInternal() throws ErrnoException {
        int pending = flushSq();
        if (sqpoll) {
            if (sqpollNeedsWakeup()) enter(0, 0, LibC.IORING_ENTER_SQ_WAKEUP(), 0, 0);
            return pending;
        }
        if (pending == 0) return 0;
        int r;
        do {
            r = UringCalls.enter(cs, fd, pending, 0, 0, 0, 0);
        } while (Results.interrupted(r));
        if (Results.wouldBlock(r) || Results.is(r, Errno.EBUSY)) return 0;
        return Results.check(r, "io_uring_enter", "submit", fd);
    }

    /**
     * Submits every prepared SQE and waits until at least {@code waitNr} completions are
     * ready or the timeout passes; a signal does not restart the full timeout. The timeout is
     * given to the kernel with {@code IORING_ENTER_EXT_ARG} (5.11), or on older kernels as a
     * TIMEOUT operation of panio's own, whose completion is never delivered.
     *
     * @param waitNr       completions to wait for, 0..{@link #cqEntries()}
     * @param timeoutNanos negative waits without limit; any length is accepted (one past what
     *                     a deadline can hold, about 146 years, also waits without limit)
     * @return completions ready now, at most (reap them with {@link #forEachCompletion})
     * @throws IllegalArgumentException if {@code waitNr} is out of range
     * @throws ClosedException if closed before or during the wait
     * @throws WrongThreadException on a SINGLE_ISSUER ring, from a thread other than its owner
     * @throws ErrnoException if {@code io_uring_enter} fails
     */
    public int submitAndWait(int waitNr, long timeoutNanos) throws ErrnoException {
        if (waitNr < 0 || waitNr > cqEntries) {
            throw new IllegalArgumentException("io_uring_enter: waitNr must be 0.." + cqEntries + ", was " + waitNr);
        }
        enterCall("submitAndWait");
        noteIssuer();
        try {
            int ready = waitInternal(waitNr, Timeouts.deadlineNanos(timeoutNanos), true);
            if (life.isClosed()) throw new ClosedException("submitAndWait", toString());
            return ready;
        } finally {
            leaveCall();
        }
    }

    /** @param user a caller's wait, which a close ends; false for teardown's own waits */
    private int waitInternal(int waitNr, long deadline, boolean user) throws ErrnoException {
        int pending = flushSq();
        // With DEFER_TASKRUN completions are only posted inside io_uring_enter(GETEVENTS):
        // never skip the call there, even when enough are already visible.
        if (pending == 0 && ready() >= waitNr && (setupFlags & LibC.IORING_SETUP_DEFER_TASKRUN()) == 0) return ready();
        boolean extArg = (featureBits & LibC.IORING_FEAT_EXT_ARG()) != 0;
        long left = Timeouts.remainingNanos(deadline);
        if (!extArg && left > 0 && waitNr > 0) {
            // Before 5.11: one TIMEOUT operation of panio's own, for the whole wait, wakes it
            // at the deadline (its completion is never delivered). If the wait ends sooner, it
            // fires later and is dropped then.
            internalSlot();
            sqe.timeout(left, 0).internalUserData(UD_TIMEOUT);
            flushSq();
        }
        for (;;) {
            long argAddr = 0, argSize = 0;
            int flags = LibC.IORING_ENTER_GETEVENTS();
            // SQPOLL: the kernel thread submits what is published; wake it if it sleeps.
            int toSubmit = sqpoll ? 0 : sqeTail - (int) RING_INT.getAcquire(sqRing, sqHeadOff);
            if (sqpoll && sqpollNeedsWakeup()) flags |= LibC.IORING_ENTER_SQ_WAKEUP();
            left = Timeouts.remainingNanos(deadline);
            if (extArg && left > 0 && waitNr > 0) {
                __kernel_timespec.tv_sec(waitTs, left / 1_000_000_000L);
                __kernel_timespec.tv_nsec(waitTs, left % 1_000_000_000L);
                waitArg.fill((byte) 0);
                io_uring_getevents_arg.ts(waitArg, waitTs.address());
                argAddr = waitArg.address();
                argSize = io_uring_getevents_arg.sizeof();
                flags |= LibC.IORING_ENTER_EXT_ARG();
            }
            // min_complete counts what is in the CQ, so wait for one more than is there now
            // rather than for waitNr: a close posts only one completion (its wake-up), which
            // must end the wait whatever waitNr is. The loop goes on until waitNr are ready.
            int min = left == 0 || waitNr == 0 ? 0 : Math.min(waitNr, ready() + 1);
            // A close whose wake-up was already counted in `min` must not be waited for again.
            // (close() sets the state before it signals, so either this sees it, or the
            // wake-up completion arrives after `min` was taken and ends the enter.)
            if (user && life.isClosed()) return userReady(extArg);
            int r = UringCalls.enter(cs, fd, toSubmit, min, flags, argAddr, argSize);
            // Teardown waits for panio's own completions too (the wake-up, the cancel).
            int ready = user ? userReady(extArg) : ready();
            if ((user && life.isClosed()) || ready >= waitNr) return ready;
            if (r >= 0 || Results.is(r, Errno.ETIME) || Results.interrupted(r)) {
                if (!Timeouts.pending(deadline)) return ready;
                continue;
            }
            if (Results.wouldBlock(r) || Results.is(r, Errno.EBUSY)) return ready;
            throw Results.failure("io_uring_enter", "wait", fd, r);
        }
    }

    /**
     * Completions ready for the caller: without EXT_ARG the CQ may also hold the TIMEOUT
     * completions of earlier waits, which are never delivered and so are not counted.
     */
    private int userReady(boolean extArg) {
        int tail = (int) RING_INT.getAcquire(cqRing, cqTailOff);
        if (extArg) return tail - cqHead;
        int n = 0;
        for (int head = cqHead; head != tail; head++) {
            long userData = cqRing.get(LONG, cqesOff + (head & cqMask) * CQE_SIZE + CQE_USER_DATA);
            if (Long.compareUnsigned(userData, RESERVED_USER_DATA) < 0) n++;
        }
        return n;
    }

    private void enter(int toSubmit, int minComplete, int flags, long arg, long argSize) throws ErrnoException {
        int r;
        do {
            r = UringCalls.enter(cs, fd, toSubmit, minComplete, flags, arg, argSize);
        } while (Results.interrupted(r));
        if (r < 0 && !Results.wouldBlock(r) && !Results.is(r, Errno.EBUSY)) throw Results.failure("io_uring_enter", null, fd, r);
    }

    // ---- completion ---------------------------------------------------------------------

    /**
     * Completions ready to be reaped (panio's own, which are never delivered, included).
     *
     * @return CQEs in the completion ring now
     * @throws ClosedException after close
     */
    public int cqReady() {
        life.ensureOpen(this, "cqReady");
        try {
            return ready();
        } catch (IllegalStateException raced) {
            throw closedIfClosed(raced, "cqReady");
        }
    }

    private int ready() {
        // Load-acquire of cq.tail pairs with the kernel's store-release after it writes CQEs.
        return (int) RING_INT.getAcquire(cqRing, cqTailOff) - cqHead;
    }

    /**
     * Hands every ready completion to {@code handler}, oldest first, then frees their slots.
     * Completions the kernel had to hold back on overflow are flushed into the ring and
     * delivered in the same call. The handler may prepare and submit new SQEs, but must not
     * call this method again (that throws {@code IllegalStateException}). If the handler
     * throws, the completions delivered so far, that one included, are consumed and the rest
     * stay for the next call.
     *
     * @param handler called once per completion, on this thread; null to discard them
     * @return completions delivered
     * @throws IllegalStateException if called from within a handler
     * @throws ClosedException after close
     * @throws WrongThreadException on a SINGLE_ISSUER ring, from a thread other than its owner
     * @throws ErrnoException if flushing overflowed completions ({@code io_uring_enter}) fails
     */
    public int forEachCompletion(CompletionHandler handler) throws ErrnoException {
        if (reaping) throw new IllegalStateException("forEachCompletion on " + this + " called from its own handler");
        enterCall("forEachCompletion");
        reaping = true;
        try {
            return reap(handler);
        } finally {
            reaping = false;
            leaveCall();
        }
    }

    private int reap(CompletionHandler handler) throws ErrnoException {
        int delivered = 0;
        for (;;) {
            int tail = (int) RING_INT.getAcquire(cqRing, cqTailOff);
            int head = cqHead;
            try {
                while (head != tail) {
                    long off = cqesOff + (head & cqMask) * CQE_SIZE;
                    long userData = cqRing.get(LONG, off + CQE_USER_DATA);
                    int res = cqRing.get(INT, off + CQE_RES);
                    int flags = cqRing.get(INT, off + CQE_FLAGS);
                    head++;
                    cqHead = head;
                    if ((flags & CQE_F_MORE) == 0) finalCqes++;
                    if (Long.compareUnsigned(userData, RESERVED_USER_DATA) >= 0) { // panio's own
                        if (userData == UD_CLOSE_WAKE) wakeReaped = true;
                        continue;
                    }
                    delivered++;
                    if (handler != null) handler.complete(userData, res, flags);
                }
            } finally {
                // Store-release of cq.head: the kernel may overwrite these CQEs only after our
                // loads of them above are done.
                RING_INT.setRelease(cqRing, cqHeadOff, head);
            }
            if (!cqOverflowPending()) return delivered;
            // The kernel holds completions that did not fit; GETEVENTS moves them into the
            // ring now that there is room.
            enter(0, 0, LibC.IORING_ENTER_GETEVENTS(), 0, 0);
        }
    }

    /** An access of a prepared SQE that raced a close: report it as a {@link ClosedException}. */
    RuntimeException racedClose(IllegalStateException e, String op) {
        return life.closedIfClosed(e, this, op);
    }

    /** Records the thread using the submission side; a volatile store only when it changes (not per SQE). */
    private void noteIssuer() {
        Thread self = Thread.currentThread();
        if (lastIssuer != self) lastIssuer = self;
    }

    private boolean cqOverflowPending() {
        // Pairs with the kernel's atomic set of IORING_SQ_CQ_OVERFLOW when a CQE did not fit.
        return ((int) RING_INT.getAcquire(sqRing, sqFlagsOff) & LibC.IORING_SQ_CQ_OVERFLOW()) != 0;
    }

    /**
     * Completions the kernel dropped (only on kernels without {@link Feature#NODROP}).
     *
     * @return the CQ ring's {@code overflow} counter
     * @throws ClosedException after close
     */
    public int droppedCompletions() {
        life.ensureOpen(this, "droppedCompletions");
        return (int) RING_INT.getAcquire(cqRing, cqOverflowOff);
    }

    /**
     * Submissions the kernel dropped as invalid (bad SQ index).
     *
     * @return the SQ ring's {@code dropped} counter
     * @throws ClosedException after close
     */
    public int droppedSubmissions() {
        life.ensureOpen(this, "droppedSubmissions");
        return (int) RING_INT.getAcquire(sqRing, sqDroppedOff);
    }

    /**
     * The buffer id of a completion with {@link #CQE_F_BUFFER}.
     *
     * @param cqeFlags the completion's flags
     * @return the id, for {@link BufferRing#buffer} and {@link BufferRing#recycle}; meaningless without {@link #CQE_F_BUFFER}
     */
    public static int bufferId(int cqeFlags) {
        return cqeFlags >>> LibC.IORING_CQE_BUFFER_SHIFT();
    }

    // ---- registration and probing ---------------------------------------------------------

    /**
     * The operations this kernel supports ({@code IORING_REGISTER_PROBE}, 5.6).
     *
     * @return the supported ones of the {@link Opcode}s panio knows, an unmodifiable set
     * @throws ClosedException after close
     * @throws ErrnoException if {@code io_uring_register} fails ({@code EINVAL} before 5.6)
     */
    public Set<Opcode> supportedOps() throws ErrnoException {
        int maxOps = 256;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment probe = tmp.allocate(io_uring_probe.sizeof() + io_uring_probe_op.sizeof() * maxOps, 8);
            register(LibC.IORING_REGISTER_PROBE(), probe.address(), maxOps, "PROBE");
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

    /**
     * Features the kernel reported at setup (less those masked for tests).
     *
     * @return the features panio knows of, an unmodifiable set
     * @throws ClosedException after close
     */
    public Set<Feature> features() {
        life.ensureOpen(this, "features");
        return Collections.unmodifiableSet(Feature.of(featureBits));
    }

    /**
     * The {@code IORING_SETUP_*} flags this ring was created with: the required ones and the preferred ones granted.
     *
     * @return the flags given to the successful {@code io_uring_setup}
     */
    public int setupFlags() {
        return setupFlags;
    }

    /** An SQE asked for {@code CQE_SKIP_SUCCESS}: from now on a close cannot count what is in flight. */
    void markUncountable() {
        uncountable = true;
    }

    /** Whether {@code c} is masked for this ring by {@value Capability#MASK_PROPERTY}. */
    boolean isMasked(Capability c) {
        return masked.contains(c);
    }

    /**
     * Registers {@code fds} as fixed files ({@code IORING_REGISTER_FILES}): SQEs then name
     * them by index with {@link Sqe#fixedFile()}, saving the kernel a file lookup per op.
     * The kernel holds its own references; closing the fds later does not unregister them.
     *
     * @param fds the descriptors, in index order
     * @throws IllegalArgumentException for an empty array or a negative fd
     * @throws ClosedException after close
     * @throws ErrnoException if {@code io_uring_register} fails ({@code EBUSY} if files are
     *         registered already, {@code EBADF}, {@code EMFILE} past {@code RLIMIT_NOFILE})
     */
    public void registerFiles(int... fds) throws ErrnoException {
        if (fds.length == 0) throw new IllegalArgumentException("io_uring_register(FILES): no fds");
        for (int f : fds) {
            if (f < 0) throw new IllegalArgumentException("io_uring_register(FILES): negative fd " + f);
        }
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment arr = tmp.allocateFrom(ValueLayout.JAVA_INT, fds);
            register(LibC.IORING_REGISTER_FILES(), arr.address(), fds.length, "FILES");
        }
    }

    /**
     * Drops every fixed file ({@code IORING_UNREGISTER_FILES}).
     *
     * @throws ClosedException after close
     * @throws ErrnoException if {@code io_uring_register} fails ({@code ENXIO} if none are registered)
     */
    public void unregisterFiles() throws ErrnoException {
        register(LibC.IORING_UNREGISTER_FILES(), 0, 0, "UNREGISTER_FILES");
    }

    /**
     * {@code io_uring_register} on this ring with the calling thread's call state; holds the
     * ring's use count for the call.
     */
    int register(int opcode, long arg, int nr, String what) throws ErrnoException {
        enterCall("io_uring_register(" + what + ")");
        try {
            CallState mine = CallState.current();
            return Results.check(UringCalls.register(mine, fd, opcode, arg, nr), "io_uring_register", what, fd);
        } finally {
            leaveCall();
        }
    }

    // ---- ring-owned memory ------------------------------------------------------------------

    /**
     * Off-heap memory owned by this ring, page aligned and zeroed: valid until the ring is
     * closed, and freed only after the ring's operations are cancelled and reaped, so it is
     * safe to give to any operation. Use it for buffers whose lifetime should be the ring's.
     *
     * @param bytes the size; whole pages are mapped
     * @return the memory, {@code bytes} long
     * @throws IllegalArgumentException if {@code bytes} is not positive
     * @throws ClosedException after close
     * @throws ErrnoException {@code ENOMEM} from {@code mmap}
     */
    public MemorySegment allocate(long bytes) throws ErrnoException {
        if (bytes <= 0) throw new IllegalArgumentException("io_uring allocate: bytes must be positive: " + bytes);
        retryPending();
        enterCall("allocate");
        try {
            long size = (bytes + PAGE - 1) & -PAGE;
            long addr = MiscCalls.mmap(CallState.current(), 0, size, LibC.PROT_READ() | LibC.PROT_WRITE(),
                    LibC.MAP_PRIVATE() | LibC.MAP_ANONYMOUS(), -1, 0);
            if (addr < 0) throw Results.failure("mmap", "io_uring allocate " + size + " bytes", -1, (int) addr);
            return MemorySegment.ofAddress(addr).reinterpret(size, owned, this::releaseOwned).asSlice(0, bytes);
        } finally {
            leaveCall();
        }
    }

    /** Unmaps ring-owned memory, or in quarantine replaces it with an inaccessible reservation. */
    private void releaseOwned(MemorySegment s) {
        CallState mine = CallState.current();
        if (quarantine) {
            // MAP_FIXED replaces the pages (they are freed) but keeps the address range reserved,
            // so a late kernel write faults instead of hitting a later mapping.
            MiscCalls.mmap(mine, s.address(), s.byteSize(), LibC.PROT_NONE(),
                    LibC.MAP_PRIVATE() | LibC.MAP_ANONYMOUS() | LibC.MAP_FIXED() | LibC.MAP_NORESERVE(), -1, 0);
        } else {
            MiscCalls.munmap(mine, s, s.byteSize());
        }
    }

    /**
     * Registers {@code count} buffers of {@code size} bytes, owned by the ring
     * ({@code IORING_REGISTER_BUFFERS}, 5.1): the kernel pins them once, and
     * {@link Sqe#readFixed}/{@link Sqe#writeFixed} use them by index without mapping them per
     * operation. One set per ring; freed when the ring closes. Pinned memory counts against
     * {@code RLIMIT_MEMLOCK}.
     *
     * @param count the number of buffers
     * @param size  the bytes of each; each starts on a page boundary
     * @return the buffers
     * @throws IllegalArgumentException unless 1 &le; count &le; 16384 and 1 &le; size &le; 1 GiB
     * @throws IllegalStateException if this ring already has registered buffers
     * @throws ClosedException after close
     * @throws ErrnoException if {@code mmap} or {@code io_uring_register} fails ({@code ENOMEM}
     *         past {@code RLIMIT_MEMLOCK}); memory already mapped stays with the ring until it closes
     */
    public RegisteredBuffers registerBuffers(int count, int size) throws ErrnoException {
        if (count < 1 || count > 16384) throw new IllegalArgumentException("io_uring_register(BUFFERS): count must be 1..16384, was " + count);
        if (size < 1 || size > (1 << 30)) throw new IllegalArgumentException("io_uring_register(BUFFERS): size must be 1..1 GiB, was " + size);
        if (registered != null) throw new IllegalStateException("io_uring_register(BUFFERS): " + this + " already has registered buffers");
        long stride = (size + PAGE - 1) & -PAGE;
        MemorySegment memory = allocate(stride * count);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment iovs = iovec.allocateArray(count, tmp);
            for (int i = 0; i < count; i++) {
                MemorySegment e = iovec.asSlice(iovs, i);
                iovec.iov_base(e, memory.asSlice(i * stride, size));
                iovec.iov_len(e, size);
            }
            register(LibC.IORING_REGISTER_BUFFERS(), iovs.address(), count, "BUFFERS");
        }
        RegisteredBuffers r = new RegisteredBuffers(this, memory, count, size, stride);
        registered = r;
        return r;
    }

    /** The registered buffers, or null. */
    RegisteredBuffers registered() {
        return registered;
    }

    RegisteredBuffers registeredOrThrow(String op) {
        if (registered == null) throw new IllegalStateException("io_uring " + op + ": " + this + " has no registered buffers (registerBuffers first)");
        return registered;
    }

    /**
     * Submission slots.
     *
     * @return the SQ size the kernel granted, a power of two
     */
    public int sqEntries() {
        return sqEntries;
    }

    /**
     * Completion slots.
     *
     * @return the CQ size the kernel granted
     */
    public int cqEntries() {
        return cqEntries;
    }

    /**
     * The {@code io_uring_enter} calls this ring has made ({@link #submit}, {@link #submitAndWait}
     * and the retries they make): the system calls that submitting and reaping cost, to divide by
     * the operations they carried. Counted by the submitting thread with plain stores; read from
     * another thread it may be a few calls late.
     *
     * @return the count since the ring was opened
     */
    public long enterCalls() {
        return cs.calls(dev.panio.internal.sys.Syscall.IO_URING_ENTER);
    }

    /**
     * The ring's own descriptor.
     *
     * @return the descriptor; it belongs to this ring, which closes it
     */
    public FileDescriptor fd() {
        return ringFd;
    }

    /**
     * Whether {@link #close()} has been called.
     *
     * @return false once {@code close()} has been called, even while teardown waits for calls in flight
     */
    public boolean isOpen() {
        return !life.isClosed();
    }

    /** Throws {@link ClosedException} naming {@code call} if closed. */
    void ensureOpen(String call) {
        life.ensureOpen(this, call);
    }

    /**
     * Closes the ring: idempotent, from any thread. A thread waiting in
     * {@link #submitAndWait} is woken and throws {@link ClosedException}; teardown (cancel,
     * reap, unmap, close) runs when the last call in flight returns. See the class comment
     * for what teardown guarantees about memory.
     */
    @Override
    public void close() {
        int inFlight = life.close();
        if (inFlight < 0) return;
        if (inFlight == 0) teardown();
        else CloseWake.signal(closeWake);
    }

    /** Runs once, when closed and no call is in flight. */
    private void teardown() {
        boolean drained = false;
        try {
            drained = mayIssue() && cancelAndDrain();
        } catch (ErrnoException | RuntimeException e) {
            // not drained: quarantine below
        }
        quarantine = !drained;
        try {
            closeWake.close();
        } catch (ErrnoException ignored) {
            // released anyway
        }
        try {
            ringFd.close();
        } catch (ErrnoException ignored) {
            // released anyway
        }
        arena.close(); // unmaps the rings: nothing outside this class ever holds this arena
        closeOwned(owned);
        retryPending();
    }

    /** Frees ring-owned memory that earlier teardowns had to leave (a call elsewhere held it). */
    private static void retryPending() {
        for (int n = PENDING.size(); n > 0; n--) {
            Arena a = PENDING.poll();
            if (a != null) closeOwned(a);
        }
    }

    /**
     * Frees ring-owned memory (unmapped, or quarantined); if a blocking call elsewhere still
     * holds it (the caller passed it to a read on another fd, say), the memory stays valid and
     * a later teardown of any ring tries again.
     */
    private static void closeOwned(Arena a) {
        try {
            a.close();
        } catch (IllegalStateException held) {
            PENDING.add(a);
        }
    }

    /**
     * Cancels every request still in flight and reaps until none is left, or a second has
     * passed. Unsubmitted SQEs are dropped rather than started.
     *
     * @return whether nothing is in flight now
     */
    private boolean cancelAndDrain() throws ErrnoException {
        if (uncountable) return false;
        sqeTail = sqTailPublished; // prepared but never submitted: forget them
        long deadline = Timeouts.deadlineNanos(DRAIN_NANOS);
        // The close wake-up poll is always in flight: complete it the way it was made for.
        // Without other requests that is the whole drain, on every kernel.
        closeWake.signal(1);
        reap(null);
        while (!wakeReaped && Timeouts.pending(deadline)) {
            settle(deadline);
            reap(null);
        }
        if (inFlight() == 0) return true;
        internalSlot();
        sqe.cancelAny().internalUserData(UD_CANCEL);
        while (inFlight() > 0 && Timeouts.pending(deadline)) {
            settle(deadline);
            reap(null);
        }
        return inFlight() == 0;
    }

    /**
     * Teardown's wait for completions: up to 10 ms with {@code EXT_ARG}; without it, a
     * non-blocking enter (which submits and runs deferred completion work) and a short sleep:
     * a TIMEOUT operation here would be one more request in flight, and the drain would
     * never see the ring empty.
     */
    private void settle(long deadline) throws ErrnoException {
        if ((featureBits & LibC.IORING_FEAT_EXT_ARG()) != 0) {
            waitInternal(1, Timeouts.deadlineNanos(Math.min(10_000_000L, Timeouts.remainingNanos(deadline))), false);
            return;
        }
        int toSubmit = sqpoll ? 0 : sqeTail - flushSqHead();
        enter(toSubmit, 0, LibC.IORING_ENTER_GETEVENTS(), 0, 0);
        if (ready() == 0) java.util.concurrent.locks.LockSupport.parkNanos(200_000L);
    }

    /** Publishes the prepared SQEs and returns the kernel's SQ head. */
    private int flushSqHead() {
        flushSq();
        return sqHeadCached;
    }

    @Override
    public String toString() {
        return "IoUring[fd=" + fd + ", sq=" + sqEntries + ", cq=" + cqEntries + ", flags=0x" + Integer.toHexString(setupFlags) + "]";
    }
}
