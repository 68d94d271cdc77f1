package dev.panio.uring;

import dev.panio.internal.gen.LibC;

/**
 * How to set up a ring: queue sizes and {@code IORING_SETUP_*} flags. Immutable; each
 * {@code with*} method returns a new value.
 *
 * <p>Flags come in two kinds. {@code flags} are required: a kernel without one of them
 * makes {@link IoUring#open} fail with {@link IoUringUnavailableException}.
 * {@code preferredFlags} are asked for where the kernel has them: when setup refuses them
 * ({@code EINVAL}), they are dropped one at a time, newest first ({@code DEFER_TASKRUN} 6.1,
 * {@code SINGLE_ISSUER} 6.0, {@code TASKRUN_FLAG} and {@code COOP_TASKRUN} 5.19,
 * {@code SUBMIT_ALL} 5.18, then any other), and {@link IoUring#setupFlags()} tells what
 * was granted. The defaults prefer {@code SUBMIT_ALL}, so a ring opens on every kernel
 * from 5.1.
 *
 * @param entries            submission queue entries, 1..32768 (rounded up to a power of two by the kernel)
 * @param cqEntries          completion queue entries, 0 for the kernel's default (twice entries), at most 65536;
 *                           the kernel takes it only with {@link #SETUP_CQSIZE} in {@code flags}, as
 *                           {@link #withCqEntries} sets it
 * @param flags              required {@code IORING_SETUP_*} bits
 * @param preferredFlags     {@code IORING_SETUP_*} bits used where the kernel has them
 * @param sqThreadIdleMillis idle time before an SQPOLL thread sleeps, 0 or more
 */
public record IoUringOptions(int entries, int cqEntries, int flags, int preferredFlags, int sqThreadIdleMillis) {
    /** {@code IORING_SETUP_SQPOLL}: a kernel thread takes submissions from the ring, no {@code io_uring_enter} needed. */
    public static final int SETUP_SQPOLL = LibC.IORING_SETUP_SQPOLL();
    /** {@code IORING_SETUP_CQSIZE}: the completion queue has {@code cqEntries} entries (5.5). */
    public static final int SETUP_CQSIZE = LibC.IORING_SETUP_CQSIZE();
    /** {@code IORING_SETUP_CLAMP}: queue sizes above the kernel's maximum are clamped, not refused (5.6). */
    public static final int SETUP_CLAMP = LibC.IORING_SETUP_CLAMP();
    /** {@code IORING_SETUP_SUBMIT_ALL}: a failing SQE does not stop the rest of the batch (5.18). */
    public static final int SETUP_SUBMIT_ALL = LibC.IORING_SETUP_SUBMIT_ALL();
    /** {@code IORING_SETUP_COOP_TASKRUN}: completion work is not forced in by an interrupt (5.19). */
    public static final int SETUP_COOP_TASKRUN = LibC.IORING_SETUP_COOP_TASKRUN();
    /** {@code IORING_SETUP_TASKRUN_FLAG}: the kernel flags the SQ ring when completion work waits (5.19). */
    public static final int SETUP_TASKRUN_FLAG = LibC.IORING_SETUP_TASKRUN_FLAG();
    /** {@code IORING_SETUP_SINGLE_ISSUER}: one thread submits, the kernel skips locking (6.0). */
    public static final int SETUP_SINGLE_ISSUER = LibC.IORING_SETUP_SINGLE_ISSUER();
    /** {@code IORING_SETUP_DEFER_TASKRUN}: completion work runs only when the thread waits (6.1; needs SINGLE_ISSUER). */
    public static final int SETUP_DEFER_TASKRUN = LibC.IORING_SETUP_DEFER_TASKRUN();
    /** The most submission entries the kernel takes ({@code IORING_MAX_ENTRIES}). */
    public static final int MAX_ENTRIES = 32768;
    /** The most completion entries the kernel takes ({@code IORING_MAX_CQ_ENTRIES}). */
    public static final int MAX_CQ_ENTRIES = 2 * MAX_ENTRIES;

    /** The order in which preferred flags are given up: newest kernel feature first. */
    static final int[] DROP_ORDER = {SETUP_DEFER_TASKRUN, SETUP_SINGLE_ISSUER, SETUP_TASKRUN_FLAG,
            SETUP_COOP_TASKRUN, SETUP_SUBMIT_ALL};

    /**
     * Checks the values.
     *
     * @param entries            submission queue entries, 1..{@value #MAX_ENTRIES}
     * @param cqEntries          completion queue entries, 0 or {@code entries}..{@value #MAX_CQ_ENTRIES}
     * @param flags              required {@code IORING_SETUP_*} bits
     * @param preferredFlags     {@code IORING_SETUP_*} bits used where the kernel has them
     * @param sqThreadIdleMillis idle time before an SQPOLL thread sleeps, 0 or more
     * @throws IllegalArgumentException for a value out of range, or {@code DEFER_TASKRUN}
     *         required without {@code SINGLE_ISSUER}
     */
    public IoUringOptions {
        if (entries < 1 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("io_uring entries must be 1.." + MAX_ENTRIES + ", was " + entries);
        }
        if (cqEntries < 0 || cqEntries > MAX_CQ_ENTRIES) {
            throw new IllegalArgumentException("io_uring cqEntries must be 0.." + MAX_CQ_ENTRIES + ", was " + cqEntries);
        }
        if ((flags & SETUP_CQSIZE) != 0 && cqEntries == 0) {
            // the kernel refuses CQSIZE with 0 entries (EINVAL at setup): say so here
            throw new IllegalArgumentException("io_uring cqEntries must be " + entries + ".." + MAX_CQ_ENTRIES + " with SETUP_CQSIZE, was 0");
        }
        if (cqEntries != 0 && cqEntries < entries) {
            throw new IllegalArgumentException("io_uring cqEntries (" + cqEntries + ") must not be below entries (" + entries + ")");
        }
        if (sqThreadIdleMillis < 0) {
            throw new IllegalArgumentException("io_uring sqThreadIdleMillis must not be negative: " + sqThreadIdleMillis);
        }
        if ((flags & SETUP_DEFER_TASKRUN) != 0 && (flags & SETUP_SINGLE_ISSUER) == 0) {
            throw new IllegalArgumentException("IORING_SETUP_DEFER_TASKRUN needs IORING_SETUP_SINGLE_ISSUER");
        }
    }

    /**
     * {@code entries} submission slots, default completion queue, {@code SUBMIT_ALL} where the kernel has it.
     *
     * @param entries submission queue entries, 1..{@value #MAX_ENTRIES}
     * @return the options
     * @throws IllegalArgumentException if {@code entries} is out of range
     */
    public static IoUringOptions entries(int entries) {
        return new IoUringOptions(entries, 0, 0, SETUP_SUBMIT_ALL, 0);
    }

    /**
     * A completion queue of {@code cq} entries ({@code IORING_SETUP_CQSIZE}, Linux 5.5).
     *
     * @param cq completion queue entries, {@code entries}..{@value #MAX_CQ_ENTRIES}
     * @return new options, {@code SETUP_CQSIZE} required
     * @throws IllegalArgumentException if {@code cq} is out of range
     */
    public IoUringOptions withCqEntries(int cq) {
        return new IoUringOptions(entries, cq, flags | SETUP_CQSIZE, preferredFlags, sqThreadIdleMillis);
    }

    /**
     * A kernel thread polls the submission queue ({@code IORING_SETUP_SQPOLL}; unprivileged from 5.11).
     *
     * @param idleMillis how long the thread polls an empty queue before it sleeps; 0 for the kernel's default
     * @return new options, {@code SETUP_SQPOLL} required
     * @throws IllegalArgumentException if {@code idleMillis} is negative
     */
    public IoUringOptions withSqPoll(int idleMillis) {
        return new IoUringOptions(entries, cqEntries, flags | SETUP_SQPOLL, preferredFlags, idleMillis);
    }

    /**
     * Adds required {@code IORING_SETUP_*} flags.
     *
     * @param more the flags to add
     * @return new options
     * @throws IllegalArgumentException if {@code DEFER_TASKRUN} is then required without {@code SINGLE_ISSUER}
     */
    public IoUringOptions withFlags(int more) {
        return new IoUringOptions(entries, cqEntries, flags | more, preferredFlags, sqThreadIdleMillis);
    }

    /**
     * Adds {@code IORING_SETUP_*} flags used where the kernel has them.
     *
     * @param more the flags to add
     * @return new options
     */
    public IoUringOptions withPreferredFlags(int more) {
        return new IoUringOptions(entries, cqEntries, flags, preferredFlags | more, sqThreadIdleMillis);
    }

    /**
     * Prefers the flags a single-threaded event loop wants where the kernel has them:
     * {@code SINGLE_ISSUER} (6.0) and {@code DEFER_TASKRUN} (6.1). Where granted, the ring
     * may then only be used by the thread that opens it, which must be a platform thread
     * (the kernel ties the ring to an OS thread; a virtual thread moves between them).
     *
     * @return new options
     */
    public IoUringOptions forSingleThread() {
        return withPreferredFlags(SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
    }
}
