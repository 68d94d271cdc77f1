package dev.panio.uring;

import dev.panio.internal.gen.LibC;

/**
 * The io_uring operations panio prepares, with the kernel's {@code IORING_OP_*} numbers.
 * {@link IoUring#supportedOps()} says which of them the running kernel offers.
 */
public enum Opcode {
    NOP(LibC.IORING_OP_NOP(), "5.1"),
    READV(LibC.IORING_OP_READV(), "5.1"),
    WRITEV(LibC.IORING_OP_WRITEV(), "5.1"),
    READ_FIXED(LibC.IORING_OP_READ_FIXED(), "5.1"),
    WRITE_FIXED(LibC.IORING_OP_WRITE_FIXED(), "5.1"),
    POLL_ADD(LibC.IORING_OP_POLL_ADD(), "5.1; multishot 5.13"),
    POLL_REMOVE(LibC.IORING_OP_POLL_REMOVE(), "5.1"),
    TIMEOUT(LibC.IORING_OP_TIMEOUT(), "5.4"),
    ACCEPT(LibC.IORING_OP_ACCEPT(), "5.5; multishot 5.19"),
    ASYNC_CANCEL(LibC.IORING_OP_ASYNC_CANCEL(), "5.5"),
    LINK_TIMEOUT(LibC.IORING_OP_LINK_TIMEOUT(), "5.5"),
    CONNECT(LibC.IORING_OP_CONNECT(), "5.5"),
    CLOSE(LibC.IORING_OP_CLOSE(), "5.6"),
    READ(LibC.IORING_OP_READ(), "5.6"),
    WRITE(LibC.IORING_OP_WRITE(), "5.6"),
    SEND(LibC.IORING_OP_SEND(), "5.6"),
    SPLICE(LibC.IORING_OP_SPLICE(), "5.7"),
    RECV(LibC.IORING_OP_RECV(), "5.6; multishot with a buffer ring 6.0"),
    SHUTDOWN(LibC.IORING_OP_SHUTDOWN(), "5.11"),
    SEND_ZC(LibC.IORING_OP_SEND_ZC(), "6.0"),
    RECVMSG(LibC.IORING_OP_RECVMSG(), "5.3; multishot with a buffer ring 6.0");

    private final int code;
    private final String since;

    Opcode(int code, String since) {
        this.code = code;
        this.since = since;
    }

    /** The {@code IORING_OP_*} number. */
    public int code() {
        return code;
    }

    /** The first Linux version that has the operation (and its variants). */
    public String since() {
        return since;
    }
}
