package dev.panio.uring;

import dev.panio.internal.gen.LibC;

/**
 * The io_uring operations panio prepares, with the kernel's {@code IORING_OP_*} numbers.
 * {@link IoUring#supportedOps()} says which of them the running kernel offers.
 */
public enum Opcode {
    /** Does nothing; completes with 0. */
    NOP(LibC.IORING_OP_NOP(), "5.1"),
    /** {@code readv}/{@code preadv2}. */
    READV(LibC.IORING_OP_READV(), "5.1"),
    /** {@code writev}/{@code pwritev2}. */
    WRITEV(LibC.IORING_OP_WRITEV(), "5.1"),
    /** A read into a registered buffer. */
    READ_FIXED(LibC.IORING_OP_READ_FIXED(), "5.1"),
    /** A write from a registered buffer. */
    WRITE_FIXED(LibC.IORING_OP_WRITE_FIXED(), "5.1"),
    /** Waits for poll events on an fd, once or (multishot) until cancelled. */
    POLL_ADD(LibC.IORING_OP_POLL_ADD(), "5.1; multishot 5.13"),
    /** Removes a {@link #POLL_ADD} that is in flight. */
    POLL_REMOVE(LibC.IORING_OP_POLL_REMOVE(), "5.1"),
    /** A timer: completes after a time, or after some other completions. */
    TIMEOUT(LibC.IORING_OP_TIMEOUT(), "5.4"),
    /** {@code accept4}, once or (multishot) for every connection. */
    ACCEPT(LibC.IORING_OP_ACCEPT(), "5.5; multishot 5.19"),
    /** Cancels a request in flight by its user data. */
    ASYNC_CANCEL(LibC.IORING_OP_ASYNC_CANCEL(), "5.5"),
    /** A timeout for the request it is linked after. */
    LINK_TIMEOUT(LibC.IORING_OP_LINK_TIMEOUT(), "5.5"),
    /** {@code connect}. */
    CONNECT(LibC.IORING_OP_CONNECT(), "5.5"),
    /** {@code close}. */
    CLOSE(LibC.IORING_OP_CLOSE(), "5.6"),
    /** {@code read}/{@code pread}. */
    READ(LibC.IORING_OP_READ(), "5.6"),
    /** {@code write}/{@code pwrite}. */
    WRITE(LibC.IORING_OP_WRITE(), "5.6"),
    /** {@code send}. */
    SEND(LibC.IORING_OP_SEND(), "5.6"),
    /** {@code splice}. */
    SPLICE(LibC.IORING_OP_SPLICE(), "5.7"),
    /** {@code recv}, once or (multishot) into buffers of a provided buffer ring. */
    RECV(LibC.IORING_OP_RECV(), "5.6; multishot with a buffer ring 6.0"),
    /** {@code shutdown}. */
    SHUTDOWN(LibC.IORING_OP_SHUTDOWN(), "5.11"),
    /** {@code send} without copying: the kernel sends from the caller's memory and says when it is done with it. */
    SEND_ZC(LibC.IORING_OP_SEND_ZC(), "6.0"),
    /** {@code recvmsg}, once or (multishot) into buffers of a provided buffer ring. */
    RECVMSG(LibC.IORING_OP_RECVMSG(), "5.3; multishot with a buffer ring 6.0");

    private final int code;
    private final String since;

    Opcode(int code, String since) {
        this.code = code;
        this.since = since;
    }

    /**
     * The {@code IORING_OP_*} number.
     *
     * @return the number as in {@code io_uring.h}
     */
    public int code() {
        return code;
    }

    /**
     * The first Linux version that has the operation (and its variants).
     *
     * @return e.g. {@code "5.6"}, or {@code "5.5; multishot 5.19"}
     */
    public String since() {
        return since;
    }
}
