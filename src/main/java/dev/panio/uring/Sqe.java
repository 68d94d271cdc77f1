package dev.panio.uring;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.__kernel_timespec;
import dev.panio.internal.gen.io_uring_sqe;
import dev.panio.internal.io.Memory;
import dev.panio.internal.io.SockAddrs;
import dev.panio.io.IoVec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.SocketAddress;

/**
 * One submission queue entry, written in place in the mapped SQE array. Obtained from
 * {@link IoUring#sqe()}, already zeroed; valid until the next {@code sqe()} call. Prepare
 * exactly one operation, then set {@link #userData(long)} and any flags:
 *
 * <pre>{@code ring.sqe().read(fd, buf, -1).userData(42);}</pre>
 *
 * <p>File descriptors are raw numbers (or fixed-file indexes with {@link #fixedFile()});
 * the caller keeps them open until the completion arrives.
 *
 * <p><b>Memory lifetime:</b> the kernel keeps the address of every buffer given here and
 * uses it until the operation's completion, long after {@code submit} returns. A buffer must
 * be off-heap (a heap array can move: refused), alive when the SQE is prepared (a closed
 * arena is refused), writable if the kernel writes into it (a read-only read target is
 * refused), and must stay valid until the completion is reaped or the ring is closed. panio
 * cannot see an arena closed after the SQE was prepared: memory from
 * {@link IoUring#allocate} or {@link IoUring#registerBuffers} cannot be freed under the
 * kernel, since the ring frees it only after its operations are cancelled and reaped.
 * Timeouts and socket addresses are copied into per-slot memory the kernel reads when the
 * SQE is submitted.
 *
 * <p>Bad arguments (negative lengths, out-of-range indexes and groups, reserved user data,
 * unknown flags) throw, and the slot then goes out as a NOP whose completion is never
 * delivered: a refused SQE never runs, and never completes as user data 0.
 *
 * <p>Threads: the thread that took the slot from {@link IoUring#sqe()}, before its next
 * {@code sqe()} or submit.
 */
public final class Sqe {
    /** {@code IOSQE_IO_LINK}: the next SQE starts only after this one succeeds. */
    public static final int IO_LINK = LibC.IOSQE_IO_LINK();
    /** {@code IOSQE_IO_HARDLINK}: like IO_LINK, but the chain continues even on failure. */
    public static final int IO_HARDLINK = LibC.IOSQE_IO_HARDLINK();
    /** {@code IOSQE_FIXED_FILE}: the fd is an index into the registered files. */
    public static final int FIXED_FILE = LibC.IOSQE_FIXED_FILE();
    /** {@code IOSQE_ASYNC}: go straight to a worker instead of trying non-blocking first. */
    public static final int ASYNC = LibC.IOSQE_ASYNC();
    /**
     * {@code IOSQE_IO_DRAIN}: start only after everything submitted before has completed. Refused
     * by {@link #flags}: a panio ring always has its close wake-up in flight.
     */
    public static final int IO_DRAIN = LibC.IOSQE_IO_DRAIN();
    /** {@code IOSQE_CQE_SKIP_SUCCESS}: post no completion if it succeeds. */
    public static final int CQE_SKIP_SUCCESS = LibC.IOSQE_CQE_SKIP_SUCCESS();
    static final int BUFFER_SELECT = LibC.IOSQE_BUFFER_SELECT();

    private static final long OPCODE = io_uring_sqe.opcode$offset();
    private static final long FLAGS = io_uring_sqe.flags$offset();
    private static final long IOPRIO = io_uring_sqe.ioprio$offset();
    private static final long FD = io_uring_sqe.fd$offset();
    private static final long OFF = io_uring_sqe.off$offset();
    private static final long ADDR = io_uring_sqe.addr$offset();
    private static final long LEN = io_uring_sqe.len$offset();
    private static final long OP_FLAGS = io_uring_sqe.rw_flags$offset(); // the union of per-op flags
    private static final long USER_DATA = io_uring_sqe.user_data$offset();
    private static final long BUF_GROUP = io_uring_sqe.buf_group$offset();
    private static final long FILE_INDEX = io_uring_sqe.file_index$offset();
    private static final long SPLICE_OFF_IN = io_uring_sqe.splice_off_in$offset();
    private static final long SPLICE_FD_IN = io_uring_sqe.splice_fd_in$offset();
    private static final long BUF_INDEX = io_uring_sqe.buf_index$offset();
    private static final long SIZE = io_uring_sqe.sizeof();

    private static final ValueLayout.OfByte U8 = ValueLayout.JAVA_BYTE;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT;
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT;
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG;

    private final IoUring ring;
    private final MemorySegment sqes;
    private final MemorySegment sideMemory;
    private long base;
    private long sideBase;

    Sqe(IoUring ring, MemorySegment sqes, MemorySegment side) {
        this.ring = ring;
        this.sqes = sqes;
        this.sideMemory = side;
    }

    void position(int slot) {
        base = slot * SIZE;
        sideBase = slot * IoUring.SIDE_BYTES;
        for (long o = 0; o < SIZE; o += 8) sqes.set(U64, base + o, 0L);
        // Zeroed, the slot is a NOP; until userData() is set it carries panio's "abandoned"
        // value, so a slot whose preparation threw completes unseen instead of as user data 0.
        sqes.set(U64, base + USER_DATA, IoUring.UD_ABANDONED);
    }

    /** The {@code IOSQE_*} bits an SQE may carry (through {@code IOSQE_CQE_SKIP_SUCCESS}). */
    private static final int KNOWN_FLAGS = IO_LINK | IO_HARDLINK | FIXED_FILE | ASYNC | IO_DRAIN | CQE_SKIP_SUCCESS | BUFFER_SELECT;

    private Sqe prep(Opcode op, int fd, long addr, int len, long off) {
        try {
            return write(op, fd, addr, len, off);
        } catch (IllegalStateException raced) {
            throw ring.racedClose(raced, "io_uring " + op);
        }
    }

    private Sqe write(Opcode op, int fd, long addr, int len, long off) {
        sqes.set(U64, base + USER_DATA, 0L); // prepared: the caller's user data from here on (0 unless set)
        sqes.set(U8, base + OPCODE, (byte) op.code());
        sqes.set(U32, base + FD, fd);
        sqes.set(U64, base + ADDR, addr);
        sqes.set(U32, base + LEN, len);
        sqes.set(U64, base + OFF, off);
        return this;
    }

    /** The address of {@code buf} after the checks the kernel cannot make (see the class comment). */
    private long addressOf(MemorySegment buf, String op, int fd, boolean target) {
        ring.ensureOpen("io_uring " + op);
        Memory.checkKept(buf, "io_uring " + op, fd, target);
        return buf.address();
    }

    private static int length(MemorySegment buf, String op) {
        if (buf.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("io_uring " + op + ": buffer over 2 GiB: " + buf.byteSize());
        }
        return (int) buf.byteSize();
    }

    // ---- per-entry settings --------------------------------------------------------------

    /** Turns the slot back into a NOP that completes unseen: a preparation step was refused. */
    private IllegalArgumentException abandon(IllegalArgumentException refused) {
        for (long o = 0; o < SIZE; o += 8) sqes.set(U64, base + o, 0L);
        sqes.set(U64, base + USER_DATA, IoUring.UD_ABANDONED);
        return refused;
    }

    /**
     * The 64-bit value the completion carries back.
     *
     * @param userData any value below {@link IoUring#RESERVED_USER_DATA} (unsigned); 0 if never set
     * @return this SQE
     * @throws IllegalArgumentException for a value at or above {@link IoUring#RESERVED_USER_DATA} (unsigned)
     */
    public Sqe userData(long userData) {
        if (Long.compareUnsigned(userData, IoUring.RESERVED_USER_DATA) >= 0) {
            throw abandon(new IllegalArgumentException("io_uring user data 0x" + Long.toHexString(userData)
                    + " is reserved for panio's own operations (0x" + Long.toHexString(IoUring.RESERVED_USER_DATA) + " and up)"));
        }
        return internalUserData(userData);
    }

    Sqe internalUserData(long userData) {
        sqes.set(U64, base + USER_DATA, userData);
        return this;
    }

    /**
     * Adds {@code IOSQE_*} flags ({@link #IO_LINK}, {@link #ASYNC}, ...). With
     * {@link #CQE_SKIP_SUCCESS} the ring can no longer count what is in flight, so its
     * close cannot wait for the kernel to finish (see {@link IoUring}).
     *
     * @param iosqeFlags the flags to add to those already set
     * @return this SQE
     * @throws IllegalArgumentException for bits that are not {@code IOSQE_*} flags, or {@link #IO_DRAIN}
     */
    public Sqe flags(int iosqeFlags) {
        if ((iosqeFlags & ~(KNOWN_FLAGS & ~BUFFER_SELECT)) != 0) {
            throw abandon(new IllegalArgumentException("io_uring: unknown or internal IOSQE flags 0x" + Integer.toHexString(iosqeFlags)));
        }
        if ((iosqeFlags & IO_DRAIN) != 0) {
            // The ring keeps its close wake-up poll in flight for its whole life, so a drain
            // (wait for everything submitted before) would wait until the ring is closed.
            throw abandon(new IllegalArgumentException("io_uring: IOSQE_IO_DRAIN is not available on a panio ring (its close "
                    + "wake-up is always in flight, so the drain would never start); order with IO_LINK instead"));
        }
        return addFlags(iosqeFlags);
    }

    private Sqe addFlags(int iosqeFlags) {
        if ((iosqeFlags & CQE_SKIP_SUCCESS) != 0) ring.markUncountable();
        sqes.set(U8, base + FLAGS, (byte) (sqes.get(U8, base + FLAGS) | iosqeFlags));
        return this;
    }

    /**
     * Links the next SQE to this one ({@code IOSQE_IO_LINK}).
     *
     * @return this SQE
     */
    public Sqe link() {
        return flags(IO_LINK);
    }

    /**
     * The fd given to this operation is a registered-file index ({@code IOSQE_FIXED_FILE}).
     *
     * @return this SQE
     */
    public Sqe fixedFile() {
        return flags(FIXED_FILE);
    }

    // ---- operations -------------------------------------------------------------------------

    /**
     * {@code IORING_OP_NOP}: completes with 0; measures the ring itself.
     *
     * @return this SQE
     */
    public Sqe nop() {
        return prep(Opcode.NOP, -1, 0, 0, 0);
    }

    /**
     * {@code IORING_OP_READ} into {@code buf} at {@code offset} (-1: the file position, as for pipes and sockets). {@code buf} must be off-heap, alive and writable, and stay valid until the completion (see the class comment).
     * Completes with the bytes read, 0 at end of file, or {@code -errno}.
     *
     * @param fd     the descriptor (or fixed-file index)
     * @param buf    where the bytes go, all of it
     * @param offset the file offset, or -1
     * @return this SQE
     * @throws IllegalArgumentException if {@code buf} is heap memory, read-only, or over 2 GiB
     * @throws IllegalStateException if {@code buf}'s arena is closed
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe read(int fd, MemorySegment buf, long offset) {
        return prep(Opcode.READ, fd, addressOf(buf, "READ", fd, true), length(buf, "READ"), offset);
    }

    /**
     * {@code IORING_OP_WRITE} from {@code buf} at {@code offset} (-1: the file position). {@code buf} must be off-heap and alive, and stay valid until the completion (see the class comment).
     * Completes with the bytes written (possibly fewer) or {@code -errno}.
     *
     * @param fd     the descriptor (or fixed-file index)
     * @param buf    the bytes, all of it
     * @param offset the file offset, or -1
     * @return this SQE
     * @throws IllegalArgumentException if {@code buf} is heap memory or over 2 GiB
     * @throws IllegalStateException if {@code buf}'s arena is closed
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe write(int fd, MemorySegment buf, long offset) {
        return prep(Opcode.WRITE, fd, addressOf(buf, "WRITE", fd, false), length(buf, "WRITE"), offset);
    }

    /**
     * {@code IORING_OP_READ_FIXED}: reads {@code length} bytes into registered buffer
     * {@code index} at {@code bufferOffset}, from file offset {@code offset} (-1: the position).
     *
     * @param fd           the descriptor (or fixed-file index)
     * @param index        the registered buffer
     * @param bufferOffset where in the buffer the bytes go
     * @param length       how many bytes to read at most
     * @param offset       the file offset, or -1
     * @return this SQE
     * @throws IllegalStateException if the ring has no registered buffers
     * @throws IndexOutOfBoundsException for an index or a range outside the buffers
     */
    public Sqe readFixed(int fd, int index, long bufferOffset, int length, long offset) {
        long addr = ring.registeredOrThrow("READ_FIXED").address(index, bufferOffset, length, "READ_FIXED");
        prep(Opcode.READ_FIXED, fd, addr, length, offset);
        sqes.set(U16, base + BUF_INDEX, (short) index);
        return this;
    }

    /**
     * {@code IORING_OP_WRITE_FIXED}: writes {@code length} bytes of registered buffer
     * {@code index} from {@code bufferOffset}, at file offset {@code offset} (-1: the position).
     *
     * @param fd           the descriptor (or fixed-file index)
     * @param index        the registered buffer
     * @param bufferOffset where in the buffer the bytes start
     * @param length       how many bytes to write
     * @param offset       the file offset, or -1
     * @return this SQE
     * @throws IllegalStateException if the ring has no registered buffers
     * @throws IndexOutOfBoundsException for an index or a range outside the buffers
     */
    public Sqe writeFixed(int fd, int index, long bufferOffset, int length, long offset) {
        long addr = ring.registeredOrThrow("WRITE_FIXED").address(index, bufferOffset, length, "WRITE_FIXED");
        prep(Opcode.WRITE_FIXED, fd, addr, length, offset);
        sqes.set(U16, base + BUF_INDEX, (short) index);
        return this;
    }

    /**
     * {@code IORING_OP_READV} into the entries of {@code iov}. The array and its entries must stay valid (entries writable) until the completion.
     * The kernel reads the array when the SQE is submitted; reuse the {@link IoVec} only after the completion.
     *
     * @param fd     the descriptor (or fixed-file index)
     * @param iov    the buffers, filled in order
     * @param offset the file offset, or -1
     * @return this SQE
     * @throws IllegalArgumentException if an entry is read-only
     * @throws IllegalStateException if the array's or an entry's arena is closed
     * @throws WrongThreadException if an entry is confined to another thread
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe readv(int fd, IoVec iov, long offset) {
        ring.ensureOpen("io_uring READV");
        iov.check("io_uring READV", fd, true);
        return prep(Opcode.READV, fd, iov.segment().address(), iov.count(), offset);
    }

    /**
     * {@code IORING_OP_WRITEV} from the entries of {@code iov}. The array and its entries must stay valid until the completion.
     *
     * @param fd     the descriptor (or fixed-file index)
     * @param iov    the buffers, written in order
     * @param offset the file offset, or -1
     * @return this SQE
     * @throws IllegalStateException if the array's or an entry's arena is closed
     * @throws WrongThreadException if an entry is confined to another thread
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe writev(int fd, IoVec iov, long offset) {
        ring.ensureOpen("io_uring WRITEV");
        iov.check("io_uring WRITEV", fd, false);
        return prep(Opcode.WRITEV, fd, iov.segment().address(), iov.count(), offset);
    }

    /**
     * {@code IORING_OP_SEND}; always adds {@code MSG_NOSIGNAL}. {@code buf} must be off-heap and alive, and stay valid until the completion (see the class comment).
     * Completes with the bytes sent (possibly fewer) or {@code -errno}.
     *
     * @param fd       the socket (or fixed-file index)
     * @param buf      the bytes, all of it
     * @param msgFlags {@code MSG_*} flags, as for {@code send(2)}
     * @return this SQE
     * @throws IllegalArgumentException if {@code buf} is heap memory or over 2 GiB
     * @throws IllegalStateException if {@code buf}'s arena is closed
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe send(int fd, MemorySegment buf, int msgFlags) {
        prep(Opcode.SEND, fd, addressOf(buf, "SEND", fd, false), length(buf, "SEND"), 0);
        sqes.set(U32, base + OP_FLAGS, msgFlags | LibC.MSG_NOSIGNAL());
        return this;
    }

    /**
     * {@code IORING_OP_SPLICE}: moves up to {@code len} bytes from {@code fdIn} to
     * {@code fdOut} inside the kernel, one of which must be a pipe (file to pipe, pipe to
     * socket: zero-copy file sending). An offset of -1 means the fd's own position, and
     * must be -1 for a pipe or socket. Completes with the bytes moved (0 at end of input).
     * The kernel runs it in a worker thread, since a splice cannot promise not to block.
     *
     * @param fdIn   the source
     * @param offIn  the source offset, or -1
     * @param fdOut  the destination
     * @param offOut the destination offset, or -1
     * @param len    the most bytes to move
     * @return this SQE
     * @throws IllegalArgumentException if {@code len} is negative
     */
    public Sqe splice(int fdIn, long offIn, int fdOut, long offOut, int len) {
        if (len < 0) throw new IllegalArgumentException("negative length " + len);
        prep(Opcode.SPLICE, fdOut, 0, len, offOut);
        sqes.set(U64, base + SPLICE_OFF_IN, offIn);
        sqes.set(U32, base + SPLICE_FD_IN, fdIn);
        return this;
    }

    /**
     * {@code IORING_OP_SEND} of {@code length} bytes of {@code buf} from {@code offset}; always adds {@code MSG_NOSIGNAL}. {@code buf} must be off-heap and alive, and stay valid until the completion (see the class comment).
     *
     * @param fd       the socket (or fixed-file index)
     * @param buf      the buffer
     * @param offset   where in {@code buf} the bytes start
     * @param length   how many bytes to send
     * @param msgFlags {@code MSG_*} flags, as for {@code send(2)}
     * @return this SQE
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not fit {@code buf}
     * @throws IllegalArgumentException if {@code buf} is heap memory
     * @throws IllegalStateException if {@code buf}'s arena is closed
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe send(int fd, MemorySegment buf, long offset, int length, int msgFlags) {
        java.util.Objects.checkFromIndexSize(offset, length, buf.byteSize());
        prep(Opcode.SEND, fd, addressOf(buf, "SEND", fd, false) + offset, length, 0);
        sqes.set(U32, base + OP_FLAGS, msgFlags | LibC.MSG_NOSIGNAL());
        return this;
    }

    /**
     * {@code IORING_OP_RECV} into {@code buf}. {@code buf} must be off-heap, alive and writable, and stay valid until the completion (see the class comment).
     * Completes with the bytes received, 0 at end of stream, or {@code -errno}.
     *
     * @param fd       the socket (or fixed-file index)
     * @param buf      where the bytes go, all of it
     * @param msgFlags {@code MSG_*} flags, as for {@code recv(2)}
     * @return this SQE
     * @throws IllegalArgumentException if {@code buf} is heap memory, read-only, or over 2 GiB
     * @throws IllegalStateException if {@code buf}'s arena is closed
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe recv(int fd, MemorySegment buf, int msgFlags) {
        prep(Opcode.RECV, fd, addressOf(buf, "RECV", fd, true), length(buf, "RECV"), 0);
        sqes.set(U32, base + OP_FLAGS, msgFlags);
        return this;
    }

    /**
     * {@code IORING_OP_RECV} into a buffer the kernel picks from provided-buffer group
     * {@code group} when data arrives; with {@code multishot} ({@code IORING_RECV_MULTISHOT})
     * one submission keeps producing completions (flag {@link IoUring#CQE_F_MORE}) until an
     * error, end of stream or {@code ENOBUFS}. The buffer id is in the completion flags.
     *
     * @param fd        the socket (or fixed-file index)
     * @param group     a {@link BufferRing}'s group id
     * @param multishot true for {@code IORING_RECV_MULTISHOT} (6.0)
     * @return this SQE
     * @throws IllegalArgumentException if {@code group} is outside 0..{@value BufferRing#MAX_GROUP}
     */
    public Sqe recvSelect(int fd, int group, boolean multishot) {
        BufferRing.checkGroup(group);
        prep(Opcode.RECV, fd, 0, 0, 0);
        addFlags(BUFFER_SELECT);
        sqes.set(U16, base + BUF_GROUP, (short) group);
        if (multishot) sqes.set(U16, base + IOPRIO, (short) LibC.IORING_RECV_MULTISHOT());
        return this;
    }

    /**
     * Multishot {@code IORING_OP_RECVMSG} (6.0): each message that arrives on {@code fd}
     * completes separately into a buffer the kernel picks from provided-buffer group
     * {@code group}, laid out as {@code template} describes (header, sender's name, control
     * messages, payload), until an error or {@code ENOBUFS} ends it (no
     * {@link IoUring#CQE_F_MORE}). With {@code MSG_TRUNC} in {@code msgFlags} the header holds
     * each datagram's real length even when the buffer held less.
     *
     * @param fd       the socket (or fixed-file index)
     * @param template the buffer layout; its {@code msghdr} is the ring's memory
     * @param group    a {@link BufferRing}'s group id
     * @param msgFlags {@code MSG_*} flags, as for {@code recvmsg(2)}
     * @return this SQE
     * @throws IllegalArgumentException if {@code group} is out of range, or for {@code MSG_WAITALL}
     * @throws dev.panio.io.ClosedException if the ring is closed
     */
    public Sqe recvmsgMultishot(int fd, RecvmsgTemplate template, int group, int msgFlags) {
        BufferRing.checkGroup(group);
        if ((msgFlags & LibC.MSG_WAITALL()) != 0) {
            throw abandon(new IllegalArgumentException("io_uring RECVMSG(fd=" + fd + "): MSG_WAITALL cannot be multishot"));
        }
        prep(Opcode.RECVMSG, fd, addressOf(template.msghdr(), "RECVMSG", fd, false), 1, 0);
        sqes.set(U32, base + OP_FLAGS, msgFlags);
        addFlags(BUFFER_SELECT);
        sqes.set(U16, base + BUF_GROUP, (short) group);
        sqes.set(U16, base + IOPRIO, (short) LibC.IORING_RECV_MULTISHOT());
        return this;
    }

    /**
     * {@code IORING_OP_ACCEPT}; new sockets are {@code SOCK_NONBLOCK | SOCK_CLOEXEC}. The
     * result is the new fd, which the caller then owns. With {@code multishot}
     * ({@code IORING_ACCEPT_MULTISHOT}) each incoming connection completes separately.
     *
     * @param fd        the listening socket (or fixed-file index)
     * @param multishot true for {@code IORING_ACCEPT_MULTISHOT} (5.19)
     * @return this SQE
     */
    public Sqe accept(int fd, boolean multishot) {
        prep(Opcode.ACCEPT, fd, 0, 0, 0);
        sqes.set(U32, base + OP_FLAGS, LibC.SOCK_NONBLOCK() | LibC.SOCK_CLOEXEC());
        if (multishot) sqes.set(U16, base + IOPRIO, (short) LibC.IORING_ACCEPT_MULTISHOT());
        return this;
    }

    /**
     * {@code IORING_OP_CONNECT} of socket {@code fd} to {@code address}: an
     * {@link InetSocketAddress} for an IPv4 socket, or an IPv6 one ({@code ipv6Socket}), or
     * a Unix address ({@code ipv6Socket} ignored). The address is copied into memory of the
     * slot, which the kernel reads at submission. Completes with 0 or {@code -errno}.
     *
     * @param fd         the socket (or fixed-file index)
     * @param address    the peer
     * @param ipv6Socket whether {@code fd} is an IPv6 socket (an IPv4 address is then sent v4-mapped)
     * @return this SQE
     * @throws IllegalArgumentException for an unresolved or unsupported address
     */
    public Sqe connect(int fd, SocketAddress address, boolean ipv6Socket) {
        MemorySegment sa = sideMemory.asSlice(sideBase, IoUring.SIDE_BYTES);
        int af = address instanceof InetSocketAddress ? (ipv6Socket ? LibC.AF_INET6() : LibC.AF_INET()) : LibC.AF_UNIX();
        int len = SockAddrs.write(address, af, sa, "connect", fd);
        return prep(Opcode.CONNECT, fd, sa.address(), 0, len);
    }

    /**
     * {@code IORING_OP_CLOSE} of a raw fd the caller owns (not one held by a
     * {@code FileDescriptor}, which would close it again).
     *
     * @param fd the descriptor, the caller's to give up (see {@link dev.panio.io.FileDescriptor#detach()})
     * @return this SQE
     */
    public Sqe close(int fd) {
        return prep(Opcode.CLOSE, fd, 0, 0, 0);
    }

    /**
     * {@code IORING_OP_SHUTDOWN} with {@code SHUT_RD}, {@code SHUT_WR} or {@code SHUT_RDWR}.
     *
     * @param fd  the socket (or fixed-file index)
     * @param how {@code SHUT_RD} (0), {@code SHUT_WR} (1) or {@code SHUT_RDWR} (2)
     * @return this SQE
     */
    public Sqe shutdown(int fd, int how) {
        return prep(Opcode.SHUTDOWN, fd, 0, how, 0);
    }

    /**
     * {@code IORING_OP_POLL_ADD} for {@code POLL*} {@code events}; completes with the ready
     * events. With {@code multishot} ({@code IORING_POLL_ADD_MULTI}) it stays armed.
     *
     * @param fd        the descriptor (or fixed-file index)
     * @param events    {@code POLL*} bits, as for {@code poll(2)}
     * @param multishot true to stay armed, with {@link IoUring#CQE_F_MORE} on each completion (5.13)
     * @return this SQE
     */
    public Sqe pollAdd(int fd, int events, boolean multishot) {
        prep(Opcode.POLL_ADD, fd, 0, multishot ? LibC.IORING_POLL_ADD_MULTI() : 0, 0);
        sqes.set(U32, base + OP_FLAGS, events);
        return this;
    }

    /**
     * {@code IORING_OP_POLL_REMOVE} of the poll submitted with {@code targetUserData}.
     * Completes with 0 or {@code -ENOENT}; the removed poll completes with {@code -ECANCELED}.
     *
     * @param targetUserData the user data of the poll
     * @return this SQE
     * @throws IllegalArgumentException for user data of panio's own operations
     */
    public Sqe pollRemove(long targetUserData) {
        checkTarget(targetUserData, "POLL_REMOVE");
        return prep(Opcode.POLL_REMOVE, -1, targetUserData, 0, 0);
    }

    /**
     * {@code IORING_OP_TIMEOUT}: completes with {@code -ETIME} after {@code nanos}, or with 0
     * once {@code count} other completions have arrived (0: time only).
     *
     * @param nanos the time, relative to submission
     * @param count completions to wait for, 0 for none
     * @return this SQE
     * @throws IllegalArgumentException if {@code nanos} or {@code count} is negative
     */
    public Sqe timeout(long nanos, int count) {
        if (count < 0) throw new IllegalArgumentException("io_uring TIMEOUT: count must not be negative: " + count);
        return prep(Opcode.TIMEOUT, -1, timespec(nanos), 1, count);
    }

    /**
     * {@code IORING_OP_LINK_TIMEOUT}: must follow an SQE marked {@link #link()}; cancels that
     * operation (it completes with {@code -ECANCELED}) if it has not finished in {@code nanos}.
     *
     * @param nanos the time, relative to when the linked operation starts
     * @return this SQE
     * @throws IllegalArgumentException if {@code nanos} is negative
     */
    public Sqe linkTimeout(long nanos) {
        return prep(Opcode.LINK_TIMEOUT, -1, timespec(nanos), 1, 0);
    }

    /**
     * {@code IORING_OP_ASYNC_CANCEL} of the operation submitted with {@code targetUserData};
     * completes with 0, {@code -ENOENT} (not found) or {@code -EALREADY} (already running).
     *
     * @param targetUserData the user data of the operation
     * @return this SQE
     * @throws IllegalArgumentException for user data of panio's own operations
     */
    public Sqe cancel(long targetUserData) {
        checkTarget(targetUserData, "ASYNC_CANCEL");
        return prep(Opcode.ASYNC_CANCEL, -1, targetUserData, 0, 0);
    }

    /** panio's own operations (the close wake-up above all) cannot be cancelled or removed by a caller. */
    private static void checkTarget(long targetUserData, String op) {
        if (Long.compareUnsigned(targetUserData, IoUring.RESERVED_USER_DATA) >= 0) {
            throw new IllegalArgumentException("io_uring " + op + ": user data 0x" + Long.toHexString(targetUserData)
                    + " belongs to panio's own operations");
        }
    }

    /** {@code IORING_OP_ASYNC_CANCEL} of every request in flight ({@code IORING_ASYNC_CANCEL_ANY | ALL}, 5.19). */
    Sqe cancelAny() {
        prep(Opcode.ASYNC_CANCEL, -1, 0, 0, 0);
        sqes.set(U32, base + OP_FLAGS, LibC.IORING_ASYNC_CANCEL_ANY() | LibC.IORING_ASYNC_CANCEL_ALL());
        return this;
    }

    /**
     * Operates on fixed-file slot {@code index}: for ACCEPT, installs the new socket there
     * instead of returning an fd ({@code IORING_FILE_INDEX_ALLOC} picks a free slot).
     *
     * @param index the fixed-file slot, 0 or more
     * @return this SQE
     * @throws IllegalArgumentException if {@code index} is negative
     */
    public Sqe fileIndex(int index) {
        if (index < 0) {
            throw abandon(new IllegalArgumentException("io_uring fixed-file index must not be negative: " + index
                    + " (fileIndexAlloc() lets the kernel pick)"));
        }
        sqes.set(U32, base + FILE_INDEX, index + 1); // the kernel's encoding is index + 1
        return this;
    }

    /**
     * Installs an accepted socket in a free fixed-file slot the kernel picks ({@code IORING_FILE_INDEX_ALLOC}, 5.19).
     * The completion's result is then the slot's index.
     *
     * @return this SQE
     */
    public Sqe fileIndexAlloc() {
        sqes.set(U32, base + FILE_INDEX, LibC.IORING_FILE_INDEX_ALLOC());
        return this;
    }

    private long timespec(long nanos) {
        if (nanos < 0) throw new IllegalArgumentException("timeout must not be negative: " + nanos);
        MemorySegment ts = sideMemory.asSlice(sideBase, __kernel_timespec.sizeof());
        __kernel_timespec.tv_sec(ts, nanos / 1_000_000_000L);
        __kernel_timespec.tv_nsec(ts, nanos % 1_000_000_000L);
        return ts.address();
    }

    @Override
    public String toString() {
        return "Sqe[slot " + base / SIZE + " of " + ring + "]";
    }
}
