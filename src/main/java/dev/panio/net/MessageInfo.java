package dev.panio.net;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.cmsghdr;
import dev.panio.internal.gen.in6_pktinfo;
import dev.panio.internal.gen.in_pktinfo;
import dev.panio.internal.gen.iovec;
import dev.panio.internal.gen.msghdr;
import dev.panio.internal.gen.sockaddr_storage;
import dev.panio.internal.gen.ucred;
import dev.panio.internal.io.SockAddrs;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link Socket#receiveFrom} learnt about one message besides its bytes: its real
 * length and whether it was truncated ({@code MSG_TRUNC}), its sender, and its control
 * messages: passed descriptors ({@code SCM_RIGHTS}), the sender's credentials
 * ({@code SCM_CREDENTIALS}), the local address it arrived on ({@code IP_PKTINFO},
 * {@code IPV6_PKTINFO}) and the segment size of coalesced datagrams ({@code UDP_GRO}).
 *
 * <p>One instance is reused for call after call: it holds the off-heap room the kernel writes
 * the sender and the control messages into, so a receive allocates nothing unless it returns
 * descriptors or the caller asks for the sender as an object.
 *
 * <p>Descriptors: the kernel installs received descriptors in this process (close-on-exec)
 * as it delivers the message; they arrive here as owned {@link FileDescriptor}s that the
 * caller takes with {@link #takeFileDescriptors()}. Any not taken are closed at the start of
 * the next receive into this instance, so none leaks. When the control room was too small
 * for what was sent ({@code MSG_CTRUNC}), the kernel has dropped the descriptors that did
 * not fit; those that did are closed here at once, so the message brings none, and
 * {@link #controlTruncated()} and {@link #droppedFileDescriptors()} say so.
 *
 * <p>Threads: one thread at a time; the results are valid until the next receive into it.
 * Its memory is freed when it is garbage collected.
 */
public final class MessageInfo {
    /** Descriptors {@link #MessageInfo()} has room for in one message. */
    public static final int DEFAULT_MAX_FDS = 16;
    /** Descriptors one message can carry at most (the kernel's {@code SCM_MAX_FD}). */
    public static final int MAX_FDS = 253;

    // Room for every control message other than descriptors that one receive can bring.
    private static final long OTHER_CONTROL = Cmsg.space(ucred.sizeof()) + Cmsg.space(in6_pktinfo.sizeof())
            + Cmsg.space(Integer.BYTES) + Cmsg.space(in_pktinfo.sizeof());

    private final Arena arena = Arena.ofAuto();
    final MemorySegment name = arena.allocate(sockaddr_storage.layout());
    final MemorySegment msg = arena.allocate(msghdr.layout());
    final MemorySegment iov = arena.allocate(iovec.layout());
    final MemorySegment control;
    /** Segments a receive keeps alive: [0] the data, [1] this instance's memory. */
    final MemorySegment[] keep = {MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL,
            MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL};
    private final int maxFds;

    private long length;
    private long messageLength;
    private int flags;
    private int nameLength;
    private SocketAddress sender;
    private final List<FileDescriptor> fds = new ArrayList<>();
    private int dropped;
    private boolean hasCredentials;
    private int pid, uid, gid;
    private int localFamily; // 0: none
    private final byte[] local = new byte[16];
    private int localInterface;
    private int segmentSize;
    private boolean unixDatagram; // an unbound sender has no name at all: report it unnamed

    /** Room for {@value #DEFAULT_MAX_FDS} descriptors and every other control message. */
    public MessageInfo() {
        this(DEFAULT_MAX_FDS);
    }

    /**
     * Room for at least {@code maxFds} descriptors per message besides every other control
     * message (descriptors may also use the room the others leave free: as many arrive as
     * fit in the control buffer).
     *
     * @param maxFds descriptors per message to make room for, 0 to {@value #MAX_FDS}
     * @throws IllegalArgumentException if {@code maxFds} is negative or above {@value #MAX_FDS}
     */
    public MessageInfo(int maxFds) {
        if (maxFds < 0 || maxFds > MAX_FDS) {
            throw new IllegalArgumentException("room for " + maxFds + " descriptors; must be 0 to " + MAX_FDS);
        }
        this.maxFds = maxFds;
        this.control = arena.allocate(Math.max(8, (maxFds > 0 ? Cmsg.space(4L * maxFds) : 0) + OTHER_CONTROL), 8);
        keep[1] = msg;
    }

    /**
     * Descriptors one message can surely bring into this instance.
     *
     * @return the {@code maxFds} it was made with
     */
    public int maxFileDescriptors() {
        return maxFds;
    }

    /**
     * Sets up the msghdr for a receive of {@code len} bytes into {@code data} on a socket that
     * is {@code unixDatagram} or not; closes untaken descriptors.
     */
    void prepare(MemorySegment data, long len, boolean unixDatagram) throws ErrnoException {
        closeUntaken();
        this.unixDatagram = unixDatagram;
        sender = null;
        hasCredentials = false;
        localFamily = 0;
        segmentSize = 0;
        dropped = 0;
        iovec.iov_base(iov, data);
        iovec.iov_len(iov, len);
        msghdr.msg_name(msg, name);
        msghdr.msg_namelen(msg, (int) name.byteSize());
        msghdr.msg_iov(msg, iov);
        msghdr.msg_iovlen(msg, 1);
        msghdr.msg_control(msg, control);
        msghdr.msg_controllen(msg, control.byteSize());
        msghdr.msg_flags(msg, 0);
        keep[0] = data;
    }

    /**
     * Records a completed receive of {@code r} bytes (the real length when the call asked
     * for {@code MSG_TRUNC}) into a buffer of {@code capacity}.
     */
    void complete(long r, long capacity) throws ErrnoException {
        keep[0] = MemorySegment.NULL;
        messageLength = r;
        length = Math.min(r, capacity);
        flags = msghdr.msg_flags(msg);
        nameLength = msghdr.msg_namelen(msg);
        if ((flags & LibC.MSG_TRUNC()) != 0 && messageLength <= capacity) messageLength = capacity + 1; // longer, size unknown
        readControl(msghdr.msg_controllen(msg));
    }

    /** Forgets the data segment after a failed call. */
    void abandon() {
        keep[0] = MemorySegment.NULL;
        length = messageLength = 0;
        flags = 0;
        nameLength = 0;
    }

    private void readControl(long controlLength) throws ErrnoException {
        boolean ctrunc = (flags & LibC.MSG_CTRUNC()) != 0;
        long at = 0;
        while (at + Cmsg.HEADER <= controlLength) {
            MemorySegment h = control.asSlice(at);
            long len = cmsghdr.cmsg_len(h);
            if (len < Cmsg.HEADER || at + len > controlLength) break;
            long dataLen = len - Cmsg.HEADER;
            long data = at + Cmsg.HEADER;
            int level = cmsghdr.cmsg_level(h), type = cmsghdr.cmsg_type(h);
            if (level == LibC.SOL_SOCKET() && type == LibC.SCM_RIGHTS()) {
                for (long i = 0; i + 4 <= dataLen; i += 4) {
                    fds.add(FileDescriptor.adopt(control.get(ValueLayout.JAVA_INT_UNALIGNED, data + i)));
                }
            } else if (level == LibC.SOL_SOCKET() && type == LibC.SCM_CREDENTIALS() && dataLen >= ucred.sizeof()) {
                MemorySegment c = control.asSlice(data, ucred.sizeof());
                hasCredentials = true;
                pid = ucred.pid(c);
                uid = ucred.uid(c);
                gid = ucred.gid(c);
            } else if (level == LibC.IPPROTO_IP() && type == LibC.IP_PKTINFO() && dataLen >= in_pktinfo.sizeof()) {
                MemorySegment p = control.asSlice(data, in_pktinfo.sizeof());
                MemorySegment.copy(in_pktinfo.ipi_addr(p), ValueLayout.JAVA_BYTE, 0, local, 0, 4);
                localFamily = 4;
                localInterface = in_pktinfo.ipi_ifindex(p);
            } else if (level == LibC.IPPROTO_IPV6() && type == LibC.IPV6_PKTINFO() && dataLen >= in6_pktinfo.sizeof()) {
                MemorySegment p = control.asSlice(data, in6_pktinfo.sizeof());
                MemorySegment.copy(in6_pktinfo.ipi6_addr(p), ValueLayout.JAVA_BYTE, 0, local, 0, 16);
                localFamily = 6;
                localInterface = in6_pktinfo.ipi6_ifindex(p);
            } else if (level == LibC.SOL_UDP() && type == LibC.UDP_GRO() && dataLen >= Integer.BYTES) {
                segmentSize = control.get(ValueLayout.JAVA_INT_UNALIGNED, data);
            }
            at += Cmsg.align(len);
        }
        if (ctrunc && !fds.isEmpty()) {
            dropped = fds.size();
            closeUntaken();
        }
    }

    private void closeUntaken() throws ErrnoException {
        ErrnoException first = null;
        for (FileDescriptor fd : fds) {
            try {
                fd.close();
            } catch (ErrnoException e) {
                if (first == null) first = e;
            }
        }
        fds.clear();
        if (first != null) throw first;
    }

    /**
     * Bytes stored into the buffer.
     *
     * @return bytes of the last message received into it, at most the buffer's size
     */
    public long length() {
        return length;
    }

    /**
     * The message's real length on datagram and seqpacket sockets: more than
     * {@link #length()} when it was truncated to fit the buffer (the rest is lost). On a
     * stream socket, the same as {@link #length()}.
     *
     * @return the length; the buffer's size plus one when the kernel did not report it
     */
    public long messageLength() {
        return messageLength;
    }

    /**
     * Whether the message was longer than the buffer ({@code MSG_TRUNC}); the rest is lost.
     *
     * @return true if the message was cut
     */
    public boolean truncated() {
        return (flags & LibC.MSG_TRUNC()) != 0;
    }

    /**
     * Whether control messages were lost for lack of room ({@code MSG_CTRUNC}); any
     * descriptors that came with the message have then been closed
     * ({@link #droppedFileDescriptors()} of them reached this process).
     *
     * @return true if {@code MSG_CTRUNC} was set
     */
    public boolean controlTruncated() {
        return (flags & LibC.MSG_CTRUNC()) != 0;
    }

    /**
     * Descriptors of a control-truncated message that arrived and were closed here.
     *
     * @return how many were closed; 0 unless {@link #controlTruncated()}
     */
    public int droppedFileDescriptors() {
        return dropped;
    }

    /**
     * The sender's address: an {@link java.net.InetSocketAddress} or a {@link UnixAddress}
     * ({@link UnixAddress#unnamed()} for an unbound sender); null on a connected stream
     * socket, which reports none. Made on the first call after each receive.
     *
     * @return the sender, or null
     */
    public SocketAddress sender() {
        if (sender == null && nameLength > 0) sender = SockAddrs.read(name, nameLength);
        if (sender == null && unixDatagram && length >= 0 && messageLength >= 0 && nameLength == 0) sender = UnixAddress.unnamed();
        return sender;
    }

    /**
     * The sender's port, without making an address object; -1 for a non-IP sender.
     *
     * @return the port, or -1
     */
    public int senderPort() {
        return SockAddrs.port(name, nameLength);
    }

    /**
     * The descriptors that came with the message, now the caller's to close; afterwards this
     * instance holds none. Empty if none came.
     *
     * @return the descriptors in the order they came, an unmodifiable list
     */
    public List<FileDescriptor> takeFileDescriptors() {
        if (fds.isEmpty()) return List.of();
        List<FileDescriptor> out = List.copyOf(fds);
        fds.clear();
        return out;
    }

    /**
     * The number of descriptors waiting to be taken.
     *
     * @return descriptors received and not yet taken or closed
     */
    public int fileDescriptorCount() {
        return fds.size();
    }

    /**
     * The sender's credentials ({@code SCM_CREDENTIALS}, when {@code SO_PASSCRED} is on); null if none came.
     *
     * @return the credentials, or null
     */
    public Credentials credentials() {
        return hasCredentials ? new Credentials(pid, uid, gid) : null;
    }

    /**
     * The address the datagram was sent to, which is this host's address it arrived on
     * ({@code IP_PKTINFO}/{@code IPV6_PKTINFO} when enabled); null if not reported.
     *
     * @return the header's destination address ({@code ipi_addr}, {@code ipi6_addr}), or null
     */
    public InetAddress localAddress() {
        try {
            if (localFamily == 4) return InetAddress.getByAddress(java.util.Arrays.copyOf(local, 4));
            if (localFamily == 6) return InetAddress.getByAddress(local.clone());
            return null;
        } catch (UnknownHostException e) {
            throw new AssertionError("4 and 16 bytes are always an address", e);
        }
    }

    /**
     * The index of the interface the datagram arrived on (with pktinfo), or 0.
     *
     * @return the interface index, or 0 if no pktinfo came
     */
    public int localInterface() {
        return localFamily != 0 ? localInterface : 0;
    }

    /**
     * The size of the datagrams coalesced into this one ({@code UDP_GRO}); 0 if it is a
     * single datagram. Split the bytes at multiples of it to get the datagrams back.
     *
     * @return the segment size ({@code gso_size}), or 0
     */
    public int segmentSize() {
        return segmentSize;
    }
}
