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
 * @param cqEntries          completion queue entries, 0 for the kernel's default (twice entries), at most 65536
 * @param flags              required {@code IORING_SETUP_*} bits
 * @param preferredFlags     {@code IORING_SETUP_*} bits used where the kernel has them
 * @param sqThreadIdleMillis idle time before an SQPOLL thread sleeps, 0 or more
 */
public record IoUringOptions(int entries, int cqEntries, int flags, int preferredFlags, int sqThreadIdleMillis) {
    public static final int SETUP_SQPOLL = LibC.IORING_SETUP_SQPOLL();
    public static final int SETUP_CQSIZE = LibC.IORING_SETUP_CQSIZE();
    public static final int SETUP_CLAMP = LibC.IORING_SETUP_CLAMP();
    public static final int SETUP_SUBMIT_ALL = LibC.IORING_SETUP_SUBMIT_ALL();
    public static final int SETUP_COOP_TASKRUN = LibC.IORING_SETUP_COOP_TASKRUN();
    public static final int SETUP_TASKRUN_FLAG = LibC.IORING_SETUP_TASKRUN_FLAG();
    public static final int SETUP_SINGLE_ISSUER = LibC.IORING_SETUP_SINGLE_ISSUER();
    public static final int SETUP_DEFER_TASKRUN = LibC.IORING_SETUP_DEFER_TASKRUN();
    /** The most submission entries the kernel takes ({@code IORING_MAX_ENTRIES}). */
    public static final int MAX_ENTRIES = 32768;
    /** The most completion entries the kernel takes ({@code IORING_MAX_CQ_ENTRIES}). */
    public static final int MAX_CQ_ENTRIES = 2 * MAX_ENTRIES;

    /** The order in which preferred flags are given up: newest kernel feature first. */
    static final int[] DROP_ORDER = {SETUP_DEFER_TASKRUN, SETUP_SINGLE_ISSUER, SETUP_TASKRUN_FLAG,
            SETUP_COOP_TASKRUN, SETUP_SUBMIT_ALL};

    public IoUringOptions {
        if (entries < 1 || entries > MAX_ENTRIES) {
            throw new IllegalArgumentException("io_uring entries must be 1.." + MAX_ENTRIES + ", was " + entries);
        }
        if (cqEntries < 0 || cqEntries > MAX_CQ_ENTRIES) {
            throw new IllegalArgumentException("io_uring cqEntries must be 0.." + MAX_CQ_ENTRIES + ", was " + cqEntries);
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

    /** {@code entries} submission slots, default completion queue, {@code SUBMIT_ALL} where the kernel has it. */
    public static IoUringOptions entries(int entries) {
        return new IoUringOptions(entries, 0, 0, SETUP_SUBMIT_ALL, 0);
    }

    /** A completion queue of {@code cq} entries ({@code IORING_SETUP_CQSIZE}, Linux 5.5). */
    public IoUringOptions withCqEntries(int cq) {
        return new IoUringOptions(entries, cq, flags | SETUP_CQSIZE, preferredFlags, sqThreadIdleMillis);
    }

    /** A kernel thread polls the submission queue ({@code IORING_SETUP_SQPOLL}; unprivileged from 5.11). */
    public IoUringOptions withSqPoll(int idleMillis) {
        return new IoUringOptions(entries, cqEntries, flags | SETUP_SQPOLL, preferredFlags, idleMillis);
    }

    /** Adds required {@code IORING_SETUP_*} flags. */
    public IoUringOptions withFlags(int more) {
        return new IoUringOptions(entries, cqEntries, flags | more, preferredFlags, sqThreadIdleMillis);
    }

    /** Adds {@code IORING_SETUP_*} flags used where the kernel has them. */
    public IoUringOptions withPreferredFlags(int more) {
        return new IoUringOptions(entries, cqEntries, flags, preferredFlags | more, sqThreadIdleMillis);
    }

    /**
     * Prefers the flags a single-threaded event loop wants where the kernel has them:
     * {@code SINGLE_ISSUER} (6.0) and {@code DEFER_TASKRUN} (6.1). Where granted, the ring
     * may then only be used by the thread that opens it, which must be a platform thread
     * (the kernel ties the ring to an OS thread; a virtual thread moves between them).
     */
    public IoUringOptions forSingleThread() {
        return withPreferredFlags(SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
    }
}
