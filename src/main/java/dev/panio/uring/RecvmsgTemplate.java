package dev.panio.uring;

import dev.panio.internal.gen.io_uring_recvmsg_out;
import dev.panio.internal.gen.msghdr;
import dev.panio.io.ErrnoException;
import java.lang.foreign.MemorySegment;

/**
 * How a multishot {@code IORING_OP_RECVMSG} ({@link Sqe#recvmsgMultishot}) lays out each
 * provided buffer, and the reading of one. The kernel reads the template's {@code msghdr}
 * for two sizes only, the room for the sender's name and for control messages, and writes
 * each message into a buffer as:
 *
 * <pre>
 * [ io_uring_recvmsg_out (16 bytes) ][ name: nameBytes ][ control: controlBytes ][ payload ... ]
 * </pre>
 *
 * A buffer therefore holds {@link #overhead()} bytes less payload than its size.
 *
 * <p>Lifetime: the {@code msghdr} is memory of the ring ({@link IoUring#allocate}), valid for
 * as long as the ring is and freed only after its operations are reaped. Threads: the
 * reading methods are pure and may be called from any thread that owns the buffer.
 */
public final class RecvmsgTemplate {
    /**
     * {@code MSG_TRUNC}: in the SQE's flags it asks for each message's real length; in
     * {@link #flags} it says the payload was cut.
     */
    public static final int MSG_TRUNC = dev.panio.internal.gen.LibC.MSG_TRUNC();

    /** Bytes of the {@code io_uring_recvmsg_out} header at the start of each buffer. */
    public static final int HEADER = (int) io_uring_recvmsg_out.sizeof();

    private final MemorySegment header;
    private final int nameBytes;
    private final int controlBytes;

    /**
     * A template reserving {@code nameBytes} for the sender's name (128, a
     * {@code sockaddr_storage}, holds any) and {@code controlBytes} for control messages.
     *
     * @param ring         the ring that owns the {@code msghdr}
     * @param nameBytes    room for the sender's address
     * @param controlBytes room for control messages
     * @throws IllegalArgumentException if a size is negative or over 64 KiB
     * @throws dev.panio.io.ClosedException if {@code ring} is closed
     * @throws ErrnoException if the ring cannot allocate the {@code msghdr}
     */
    public RecvmsgTemplate(IoUring ring, int nameBytes, int controlBytes) throws ErrnoException {
        if (nameBytes < 0 || nameBytes > 65_536 || controlBytes < 0 || controlBytes > 65_536) {
            throw new IllegalArgumentException("RECVMSG template: name " + nameBytes + " and control " + controlBytes
                    + " bytes must each be 0..65536");
        }
        this.header = ring.allocate(msghdr.sizeof()).asSlice(0, msghdr.sizeof());
        this.nameBytes = nameBytes;
        this.controlBytes = controlBytes;
        msghdr.msg_namelen(header, nameBytes);
        msghdr.msg_controllen(header, controlBytes);
    }

    MemorySegment msghdr() {
        return header;
    }

    /**
     * Bytes of each buffer before the payload.
     *
     * @return {@link #HEADER} plus the name and control room
     */
    public int overhead() {
        return HEADER + nameBytes + controlBytes;
    }

    /**
     * The sender's name as the kernel wrote it ({@link #nameLength} bytes of it are valid).
     *
     * @param buffer a provided buffer a completion named
     * @return the name's room in {@code buffer}, a slice of it
     */
    public MemorySegment name(MemorySegment buffer) {
        return buffer.asSlice(HEADER, nameBytes);
    }

    /**
     * The length of the sender's name; more than the room reserved if it was cut.
     *
     * @param buffer a provided buffer a completion named
     * @return {@code namelen} of its header
     */
    public static int nameLength(MemorySegment buffer) {
        return io_uring_recvmsg_out.namelen(buffer);
    }

    /**
     * The message's real length (with {@code MSG_TRUNC} asked: even beyond what the buffer held).
     *
     * @param buffer a provided buffer a completion named
     * @return {@code payloadlen} of its header
     */
    public static int payloadLength(MemorySegment buffer) {
        return io_uring_recvmsg_out.payloadlen(buffer);
    }

    /**
     * The message's {@code msg_flags} ({@code MSG_TRUNC}, {@code MSG_CTRUNC}).
     *
     * @param buffer a provided buffer a completion named
     * @return {@code flags} of its header
     */
    public static int flags(MemorySegment buffer) {
        return io_uring_recvmsg_out.flags(buffer);
    }

    /**
     * The payload stored in {@code buffer}, given the completion's result {@code res} (the
     * bytes the kernel used in the buffer).
     *
     * @param buffer a provided buffer a completion named
     * @param res    the completion's result
     * @return the payload, a slice of {@code buffer}; empty if {@code res} covers no payload
     */
    public MemorySegment payload(MemorySegment buffer, int res) {
        return buffer.asSlice(overhead(), Math.max(0, res - overhead()));
    }
}
