package dev.panio.uring;

import dev.panio.internal.gen.LibC;

/**
 * How to set up a ring: queue sizes and {@code IORING_SETUP_*} flags. Immutable; each
 * {@code with*} method returns a new value.
 *
 * @param entries       submission queue entries (rounded up to a power of two by the kernel)
 * @param cqEntries     completion queue entries, or 0 for the kernel's default (twice entries)
 * @param flags         {@code IORING_SETUP_*} bits
 * @param sqThreadIdleMillis idle time before an SQPOLL thread sleeps
 */
public record IoUringOptions(int entries, int cqEntries, int flags, int sqThreadIdleMillis) {
    public static final int SETUP_SQPOLL = LibC.IORING_SETUP_SQPOLL();
    public static final int SETUP_CQSIZE = LibC.IORING_SETUP_CQSIZE();
    public static final int SETUP_CLAMP = LibC.IORING_SETUP_CLAMP();
    public static final int SETUP_SUBMIT_ALL = LibC.IORING_SETUP_SUBMIT_ALL();
    public static final int SETUP_COOP_TASKRUN = LibC.IORING_SETUP_COOP_TASKRUN();
    public static final int SETUP_TASKRUN_FLAG = LibC.IORING_SETUP_TASKRUN_FLAG();
    public static final int SETUP_SINGLE_ISSUER = LibC.IORING_SETUP_SINGLE_ISSUER();
    public static final int SETUP_DEFER_TASKRUN = LibC.IORING_SETUP_DEFER_TASKRUN();

    public IoUringOptions {
        if (entries < 1 || entries > 32768) throw new IllegalArgumentException("entries must be 1..32768: " + entries);
        if (cqEntries < 0) throw new IllegalArgumentException("cqEntries must not be negative: " + cqEntries);
    }

    /** {@code entries} submission slots, {@code SUBMIT_ALL}, default completion queue. */
    public static IoUringOptions entries(int entries) {
        return new IoUringOptions(entries, 0, SETUP_SUBMIT_ALL, 0);
    }

    /** A completion queue of {@code cq} entries ({@code IORING_SETUP_CQSIZE}). */
    public IoUringOptions withCqEntries(int cq) {
        return new IoUringOptions(entries, cq, flags | SETUP_CQSIZE, sqThreadIdleMillis);
    }

    /** A kernel thread polls the submission queue ({@code IORING_SETUP_SQPOLL}). */
    public IoUringOptions withSqPoll(int idleMillis) {
        return new IoUringOptions(entries, cqEntries, flags | SETUP_SQPOLL, idleMillis);
    }

    /** Adds raw {@code IORING_SETUP_*} flags. */
    public IoUringOptions withFlags(int more) {
        return new IoUringOptions(entries, cqEntries, flags | more, sqThreadIdleMillis);
    }

    /**
     * The flags a single-threaded event loop wants where the kernel has them:
     * {@code SINGLE_ISSUER} and {@code DEFER_TASKRUN} (6.1) — the ring may then only be
     * used by the thread that creates it.
     */
    public IoUringOptions forSingleThread() {
        return withFlags(SETUP_SINGLE_ISSUER | SETUP_DEFER_TASKRUN);
    }
}
