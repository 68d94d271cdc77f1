package dev.panio.net;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.iovec;
import dev.panio.internal.gen.mmsghdr;
import dev.panio.internal.gen.msghdr;
import dev.panio.internal.gen.sockaddr_storage;
import dev.panio.internal.io.SockAddrs;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;

/**
 * A preallocated array of datagrams for {@link Socket#receiveBatch} ({@code recvmmsg}) and
 * {@link Socket#sendBatch} ({@code sendmmsg}): one system call moves up to
 * {@link #capacity()} datagrams, and neither call allocates.
 *
 * <p>Each slot has a buffer of {@link #bufferSize()} bytes, room for an address and for a
 * {@code UDP_GRO} control message. A receive fills slots from 0 and records each one's
 * length, truncation and sender; a send takes each slot's {@linkplain #setLength length}
 * and its target: the address set with {@link #setTarget}, or, unless changed, the sender
 * the last receive put there, so a receive followed by a send of the same slots answers
 * every sender without copying an address.
 *
 * <p>Lifetime: the memory belongs to this object and is freed by {@link #close()}; a close
 * while a call is using it fails with an {@link IllegalStateException} rather than freeing
 * memory the kernel is writing. Slots returned by {@link #buffer} are invalid after close.
 *
 * <p>Threads: one thread at a time, except {@link #close()} (any thread).
 */
public final class DatagramBatch implements AutoCloseable {
    private static final long NAME = sockaddr_storage.sizeof();
    private static final long CONTROL = Cmsg.space(Integer.BYTES) * 2; // UDP_GRO, and room to spare

    private final Arena arena = Arena.ofShared();
    private final int capacity;
    private final int bufferSize;
    final MemorySegment vector; // mmsghdr[capacity]
    private final MemorySegment[] slots; // each mmsghdr
    private final MemorySegment[] buffers;
    private final MemorySegment[] names;
    private final MemorySegment[] controls;
    private final MemorySegment[] iovs;

    /**
     * {@code capacity} slots of {@code bufferSize} bytes each, in a shared arena of its own.
     *
     * @param capacity   the slots, the most datagrams one call moves
     * @param bufferSize the bytes of each slot's buffer; a longer datagram is truncated
     * @throws IllegalArgumentException if {@code capacity} is not 1 to 1024 ({@code UIO_MAXIOV})
     *         or {@code bufferSize} is not 1 to 65535
     */
    public DatagramBatch(int capacity, int bufferSize) {
        if (capacity < 1 || capacity > 1024) {
            throw new IllegalArgumentException("a batch has 1 to 1024 slots (the kernel's UIO_MAXIOV), not " + capacity);
        }
        if (bufferSize < 1 || bufferSize > 65535) {
            throw new IllegalArgumentException("a datagram buffer has 1 to 65535 bytes, not " + bufferSize);
        }
        this.capacity = capacity;
        this.bufferSize = bufferSize;
        vector = arena.allocate(mmsghdr.layout(), capacity);
        slots = new MemorySegment[capacity];
        buffers = new MemorySegment[capacity];
        names = new MemorySegment[capacity];
        controls = new MemorySegment[capacity];
        iovs = new MemorySegment[capacity];
        MemorySegment data = arena.allocate((long) capacity * bufferSize, 64);
        MemorySegment nameArea = arena.allocate(NAME * capacity, 8);
        MemorySegment controlArea = arena.allocate(CONTROL * capacity, 8);
        MemorySegment iovArea = arena.allocate(iovec.layout(), capacity);
        for (int i = 0; i < capacity; i++) {
            slots[i] = vector.asSlice(i * mmsghdr.sizeof(), mmsghdr.layout());
            buffers[i] = data.asSlice((long) i * bufferSize, bufferSize);
            names[i] = nameArea.asSlice(i * NAME, NAME);
            controls[i] = controlArea.asSlice(i * CONTROL, CONTROL);
            iovs[i] = iovArea.asSlice(i * iovec.sizeof(), iovec.layout());
            iovec.iov_base(iovs[i], buffers[i]);
            iovec.iov_len(iovs[i], 0);
            msghdr.msg_iov(slots[i], iovs[i]); // the msghdr is the first member of mmsghdr
            msghdr.msg_iovlen(slots[i], 1);
            msghdr.msg_name(slots[i], MemorySegment.NULL);
        }
    }

    /**
     * Slots in the batch.
     *
     * @return the capacity it was made with
     */
    public int capacity() {
        return capacity;
    }

    /**
     * Bytes each slot holds.
     *
     * @return the buffer size it was made with
     */
    public int bufferSize() {
        return bufferSize;
    }

    /**
     * Slot {@code i}'s buffer, all {@link #bufferSize()} bytes of it: read a received
     * datagram's {@link #length(int)} bytes from it, or write one to send there.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the buffer, valid until {@link #close()}
     */
    public MemorySegment buffer(int i) {
        return buffers[i];
    }

    /** Prepares slots {@code 0..count-1} for a receive. */
    void prepareReceive(int count) {
        for (int i = 0; i < count; i++) {
            MemorySegment s = slots[i];
            iovec.iov_len(iovs[i], bufferSize);
            msghdr.msg_name(s, names[i]);
            msghdr.msg_namelen(s, (int) NAME);
            msghdr.msg_control(s, controls[i]);
            msghdr.msg_controllen(s, CONTROL);
            msghdr.msg_flags(s, 0);
            mmsghdr.msg_len(s, 0);
        }
    }

    /** Prepares slots {@code from..from+count-1} for a send: no control messages. */
    void prepareSend(int from, int count) {
        for (int i = from; i < from + count; i++) {
            MemorySegment s = slots[i];
            msghdr.msg_control(s, MemorySegment.NULL);
            msghdr.msg_controllen(s, 0);
            msghdr.msg_flags(s, 0);
        }
    }

    /** The slot segment at {@code i}, for a call starting there. */
    MemorySegment slot(int i) {
        return slots[i];
    }

    /**
     * Bytes stored in slot {@code i} by the last receive (at most {@link #bufferSize()});
     * after a send, the bytes sent from it.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the bytes; 0 after {@link #setLength} until a send
     */
    public int length(int i) {
        return (int) Math.min(Integer.toUnsignedLong(mmsghdr.msg_len(slots[i])), iovec.iov_len(iovs[i]));
    }

    /**
     * The real length of the datagram received into slot {@code i}: more than
     * {@link #length(int)} when it was truncated (the receive asks for {@code MSG_TRUNC}).
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the datagram's length ({@code msg_len})
     */
    public int datagramLength(int i) {
        return mmsghdr.msg_len(slots[i]);
    }

    /**
     * Whether the datagram in slot {@code i} was longer than the buffer ({@code MSG_TRUNC}).
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return true if the rest of the datagram was lost
     */
    public boolean truncated(int i) {
        return (msghdr.msg_flags(slots[i]) & LibC.MSG_TRUNC()) != 0;
    }

    /**
     * The sender of the datagram in slot {@code i} (allocates the address object).
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return an {@link java.net.InetSocketAddress} or a {@link UnixAddress}; null if the
     *         kernel reported no name, or the slot's target was set to null
     */
    public SocketAddress sender(int i) {
        int len = msghdr.msg_namelen(slots[i]);
        if (len <= 0 || msghdr.msg_name(slots[i]).address() == 0) return null;
        return SockAddrs.read(names[i], len);
    }

    /**
     * The sender of slot {@code i} as the kernel wrote it (a {@code sockaddr}), for
     * {@link Socket#sendTo(MemorySegment, MemorySegment, int)}: {@link #senderLength} bytes
     * of it are the address. Valid until the next receive into the batch.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the slot's whole address room; {@link #setTarget} writes into it too
     */
    public MemorySegment senderName(int i) {
        return names[i];
    }

    /**
     * The length of slot {@code i}'s {@link #senderName}; 0 if the sender has no name.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the address's length in bytes, or 0
     */
    public int senderLength(int i) {
        return msghdr.msg_name(slots[i]).address() == 0 ? 0 : msghdr.msg_namelen(slots[i]);
    }

    /**
     * The sender's port of the datagram in slot {@code i}, without allocating; -1 if not IP.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the port, or -1
     */
    public int senderPort(int i) {
        return SockAddrs.port(names[i], msghdr.msg_namelen(slots[i]));
    }

    /**
     * The {@code UDP_GRO} segment size of slot {@code i}'s datagram: the size of the
     * datagrams coalesced into it, or 0 for a single datagram.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @return the segment size, or 0
     */
    public int segmentSize(int i) {
        MemorySegment c = controls[i];
        long at = Cmsg.find(c, msghdr.msg_controllen(slots[i]), 0, LibC.SOL_UDP(), LibC.UDP_GRO());
        return at >= 0 && Cmsg.dataLength(c, at) >= Integer.BYTES ? c.get(ValueLayout.JAVA_INT, at + Cmsg.HEADER) : 0;
    }

    /**
     * Closes any descriptors a peer passed with the datagrams in slots {@code 0..count-1}
     * ({@code SCM_RIGHTS} on a Unix socket): a batch does not hand descriptors out, and the
     * kernel installed them in this process as it delivered the datagrams.
     */
    void closePassedFds(int count) {
        for (int i = 0; i < count; i++) {
            long len = msghdr.msg_controllen(slots[i]);
            MemorySegment c = controls[i];
            for (long at = Cmsg.find(c, len, 0, LibC.SOL_SOCKET(), LibC.SCM_RIGHTS()); at >= 0;
                    at = Cmsg.find(c, len, Cmsg.next(c, at), LibC.SOL_SOCKET(), LibC.SCM_RIGHTS())) {
                long end = at + Cmsg.HEADER + Cmsg.dataLength(c, at);
                for (long d = at + Cmsg.HEADER; d + 4 <= end; d += 4) {
                    try {
                        dev.panio.io.FileDescriptor.adopt(c.get(ValueLayout.JAVA_INT, d)).close();
                    } catch (dev.panio.io.ErrnoException | IllegalArgumentException ignored) {
                        // closed as far as it can be
                    }
                }
            }
        }
    }

    /**
     * Sets how many bytes of slot {@code i}'s buffer the next send takes.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @param length the bytes, from the buffer's start
     * @throws IndexOutOfBoundsException if {@code length} is negative or above {@link #bufferSize()}
     */
    public void setLength(int i, int length) {
        java.util.Objects.checkIndex(length, bufferSize + 1);
        iovec.iov_len(iovs[i], length);
        mmsghdr.msg_len(slots[i], 0);
    }

    /**
     * Sets where slot {@code i} is sent; null sends to the socket's connected peer. The
     * address is stored in its own family (an IPv4 address as {@code sockaddr_in}, which an
     * IPv6 socket that is not {@code IPV6_V6ONLY} also sends to); the kernel refuses a
     * family the socket cannot send to when the batch is sent.
     *
     * @param i the slot, 0 to {@link #capacity()} - 1
     * @param target the receiver, an {@link java.net.InetSocketAddress} or a {@link UnixAddress}, or null
     * @throws IllegalArgumentException for an unresolved or unsupported address
     */
    public void setTarget(int i, SocketAddress target) {
        MemorySegment s = slots[i];
        if (target == null) {
            msghdr.msg_name(s, MemorySegment.NULL);
            msghdr.msg_namelen(s, 0);
            return;
        }
        int af = target instanceof java.net.InetSocketAddress inet
                ? (inet.getAddress() instanceof java.net.Inet4Address ? LibC.AF_INET() : LibC.AF_INET6())
                : LibC.AF_UNIX();
        int len = SockAddrs.write(target, af, names[i], "sendmmsg", -1);
        msghdr.msg_name(s, names[i]);
        msghdr.msg_namelen(s, len);
    }

    /** Whether the memory is still allocated. */
    boolean isOpen() {
        return arena.scope().isAlive();
    }

    /** Frees the memory; idempotent. Fails while a call is using the batch. */
    @Override
    public synchronized void close() {
        if (arena.scope().isAlive()) arena.close();
    }
}
