package dev.panio.uring;

import dev.panio.internal.gen.LibC;
import java.util.EnumSet;
import java.util.Set;

/** The {@code IORING_FEAT_*} bits the kernel reports in {@code io_uring_params.features}. */
public enum Feature {
    /** SQ and CQ rings share one mapping. */
    SINGLE_MMAP(LibC.IORING_FEAT_SINGLE_MMAP()),
    /** Completions are never dropped: overflow is kept by the kernel and flushed later. */
    NODROP(LibC.IORING_FEAT_NODROP()),
    /** Data for a submission is consumed by the time io_uring_enter returns. */
    SUBMIT_STABLE(LibC.IORING_FEAT_SUBMIT_STABLE()),
    /** A read or write at offset -1 uses and moves the file's current position. */
    RW_CUR_POS(LibC.IORING_FEAT_RW_CUR_POS()),
    /** Requests run with the credentials of the thread that submits them, not the ring's creator. */
    CUR_PERSONALITY(LibC.IORING_FEAT_CUR_PERSONALITY()),
    /** Socket reads and writes use internal polling instead of worker threads. */
    FAST_POLL(LibC.IORING_FEAT_FAST_POLL()),
    /** Poll masks have 32 bits, so {@code EPOLLEXCLUSIVE} and the like fit. */
    POLL_32BITS(LibC.IORING_FEAT_POLL_32BITS()),
    /** An {@code SQPOLL} ring can use files that are not registered. */
    SQPOLL_NONFIXED(LibC.IORING_FEAT_SQPOLL_NONFIXED()),
    /** io_uring_enter takes a timeout argument ({@code IORING_ENTER_EXT_ARG}). */
    EXT_ARG(LibC.IORING_FEAT_EXT_ARG()),
    /** Async work runs on worker threads of the submitting process, not kernel threads. */
    NATIVE_WORKERS(LibC.IORING_FEAT_NATIVE_WORKERS()),
    /** Registered files and buffers can carry tags and be updated in place. */
    RSRC_TAGS(LibC.IORING_FEAT_RSRC_TAGS()),
    /** {@code IOSQE_CQE_SKIP_SUCCESS}: a request may complete without a CQE unless it fails. */
    CQE_SKIP(LibC.IORING_FEAT_CQE_SKIP()),
    /** A linked request's file is looked up when it runs, not when the chain is submitted. */
    LINKED_FILE(LibC.IORING_FEAT_LINKED_FILE());

    private final int bit;

    Feature(int bit) {
        this.bit = bit;
    }

    /**
     * The {@code IORING_FEAT_*} bit.
     *
     * @return the bit's value
     */
    public int bit() {
        return bit;
    }

    static Set<Feature> of(int bits) {
        EnumSet<Feature> set = EnumSet.noneOf(Feature.class);
        for (Feature f : values()) {
            if ((bits & f.bit) != 0) set.add(f);
        }
        return set;
    }
}
