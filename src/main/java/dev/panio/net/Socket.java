package dev.panio.net;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.iovec;
import dev.panio.internal.gen.ip_mreqn;
import dev.panio.internal.gen.ipv6_mreq;
import dev.panio.internal.gen.linger;
import dev.panio.internal.gen.msghdr;
import dev.panio.internal.gen.tcp_info;
import dev.panio.internal.gen.ucred;
import dev.panio.internal.io.IoVecs;
import dev.panio.internal.io.Memory;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.SockAddrs;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.SocketCalls;
import dev.panio.internal.sys.VectorCalls;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.IoVec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.io.UncheckedIOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.SocketException;
import java.net.SocketOption;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A socket on an owned {@link FileDescriptor}: TCP and UDP over IPv4 and IPv6, and Unix
 * domain sockets of the stream, datagram and seqpacket types.
 *
 * <p>Addresses are {@link InetSocketAddress}es (resolved: panio does no name lookups) and
 * {@link UnixAddress}es (the JDK's {@link UnixDomainSocketAddress} is accepted too). An
 * address of the wrong family for the socket is refused before the call.
 *
 * <p>Datagrams: {@link #sendTo} and {@link #receiveFrom} move one, with the sender, flags
 * and control messages in a reusable {@link MessageInfo}; {@link #sendBatch} and
 * {@link #receiveBatch} move many per call through a preallocated {@link DatagramBatch}.
 * Truncation is never silent: {@link #read} on a datagram or seqpacket socket throws
 * {@code EMSGSIZE} when a message did not fit (its rest is lost by then), and
 * {@link #receiveFrom} reports it in the {@link MessageInfo}.
 *
 * <p>Unix sockets pass descriptors ({@link #sendWithFds}, received into a
 * {@link MessageInfo}) and report their peer's credentials ({@link #peerCredentials()}).
 * Options are typed ({@link #setOption}, {@link #getOption}): the JDK's
 * {@link java.net.StandardSocketOptions} and Linux's own in {@link LinuxSocketOptions}; an
 * option that does not apply to the socket's family and type is refused before the call.
 *
 * <p>Sockets are created {@code SOCK_CLOEXEC} and, unless asked otherwise,
 * {@code SOCK_NONBLOCK}; accepted sockets likewise ({@code accept4}). On a non-blocking
 * socket {@link #accept()} returns null, and reads and writes return
 * {@link FileDescriptor#WOULD_BLOCK}, where the call would block: {@code EAGAIN} is a
 * value, not an exception. Writes use {@code MSG_NOSIGNAL}, so writing to a reset peer
 * fails with {@code EPIPE} or {@code ECONNRESET} and never raises {@code SIGPIPE}.
 * Every other failure is an {@link ErrnoException} naming the call and the fd; a peer's
 * reset ({@code ECONNRESET}, {@code EPIPE}) comes without a stack trace, since it is routine.
 *
 * <p>Threads: every method may be called from any thread. After {@link #close()} (idempotent,
 * from any thread) every call throws {@link dev.panio.io.ClosedException}; a thread blocked
 * in {@link #accept} when another closes the socket throws it too, and one blocked in a
 * read returns {@link FileDescriptor#EOF}.
 */
public final class Socket implements AutoCloseable {
    /** Address family. */
    public enum Family {
        /** {@code AF_INET}. */
        INET,
        /** {@code AF_INET6}. */
        INET6,
        /** {@code AF_UNIX}. */
        UNIX;

        /**
         * The {@code AF_*} number.
         *
         * @return {@code AF_INET}, {@code AF_INET6} or {@code AF_UNIX}
         */
        public int af() {
            return switch (this) {
                case INET -> LibC.AF_INET();
                case INET6 -> LibC.AF_INET6();
                case UNIX -> LibC.AF_UNIX();
            };
        }

        /**
         * The family that can bind or connect to {@code address}.
         *
         * @param address an IP address, resolved or not
         * @return {@link #INET6} for an IPv6 address, else {@link #INET} (also for an unresolved one)
         */
        public static Family of(InetSocketAddress address) {
            return address.getAddress() instanceof java.net.Inet6Address ? INET6 : INET;
        }

        /**
         * The family that can bind or connect to {@code address}: an {@link InetSocketAddress},
         * a {@link UnixAddress} or a {@link UnixDomainSocketAddress}.
         *
         * @param address the address
         * @return its family
         * @throws IllegalArgumentException for null or any other kind of address
         */
        public static Family of(SocketAddress address) {
            if (address instanceof InetSocketAddress inet) return of(inet);
            if (address instanceof UnixAddress || address instanceof UnixDomainSocketAddress) return UNIX;
            throw new IllegalArgumentException("unsupported address type: "
                    + (address == null ? "null" : address.getClass().getName()));
        }
    }

    /** Socket type. */
    public enum Type {
        /** {@code SOCK_STREAM}: a byte stream (TCP, Unix stream). */
        STREAM,
        /** {@code SOCK_DGRAM}: datagrams (UDP, Unix datagram). */
        DATAGRAM,
        /** {@code SOCK_SEQPACKET}: a connection carrying messages with boundaries (Unix). */
        SEQPACKET;

        int sockType() {
            return switch (this) {
                case STREAM -> LibC.SOCK_STREAM();
                case DATAGRAM -> LibC.SOCK_DGRAM();
                case SEQPACKET -> LibC.SOCK_SEQPACKET();
            };
        }

        boolean messages() {
            return this != STREAM;
        }
    }

    /**
     * Two connected Unix sockets from {@code socketpair}; closing the pair closes both.
     *
     * @param first  one end
     * @param second the other end
     */
    public record Pair(Socket first, Socket second) implements AutoCloseable {
        @Override
        public void close() throws ErrnoException {
            try {
                first.close();
            } finally {
                second.close();
            }
        }
    }

    // Layout of the calling thread's scratch segment for socket calls.
    private static final long ADDR_OFF = 0;
    private static final long LEN_OFF = SockAddrs.MAX_BYTES;
    private static final long VAL_OFF = LEN_OFF + 8;
    private static final long MSG_OFF = VAL_OFF + 16;

    private final FileDescriptor fd;
    private final Family family;
    private final Type type;

    private Socket(FileDescriptor fd, Family family, Type type) {
        this.fd = fd;
        this.family = family;
        this.type = type;
    }

    /**
     * A non-blocking TCP socket.
     *
     * @param family {@link Family#INET} or {@link Family#INET6}
     * @return the socket, unbound
     * @throws IllegalArgumentException for {@link Family#UNIX}
     * @throws ErrnoException if {@code socket} fails ({@code EMFILE}, {@code ENFILE}, {@code EAFNOSUPPORT})
     */
    public static Socket tcp(Family family) throws ErrnoException {
        return tcp(family, true);
    }

    /**
     * A TCP socket, non-blocking if {@code nonBlocking}.
     *
     * @param family {@link Family#INET} or {@link Family#INET6}
     * @param nonBlocking true for {@code SOCK_NONBLOCK}
     * @return the socket, unbound
     * @throws IllegalArgumentException for {@link Family#UNIX}
     * @throws ErrnoException if {@code socket} fails ({@code EMFILE}, {@code ENFILE}, {@code EAFNOSUPPORT})
     */
    public static Socket tcp(Family family, boolean nonBlocking) throws ErrnoException {
        requireIp(family, "tcp");
        return open(family, Type.STREAM, nonBlocking);
    }

    /**
     * A non-blocking UDP socket.
     *
     * @param family {@link Family#INET} or {@link Family#INET6}
     * @return the socket, unbound
     * @throws IllegalArgumentException for {@link Family#UNIX}
     * @throws ErrnoException if {@code socket} fails ({@code EMFILE}, {@code ENFILE}, {@code EAFNOSUPPORT})
     */
    public static Socket udp(Family family) throws ErrnoException {
        return udp(family, true);
    }

    /**
     * A UDP socket, non-blocking if {@code nonBlocking}.
     *
     * @param family {@link Family#INET} or {@link Family#INET6}
     * @param nonBlocking true for {@code SOCK_NONBLOCK}
     * @return the socket, unbound
     * @throws IllegalArgumentException for {@link Family#UNIX}
     * @throws ErrnoException if {@code socket} fails ({@code EMFILE}, {@code ENFILE}, {@code EAFNOSUPPORT})
     */
    public static Socket udp(Family family, boolean nonBlocking) throws ErrnoException {
        requireIp(family, "udp");
        return open(family, Type.DATAGRAM, nonBlocking);
    }

    /**
     * A non-blocking Unix domain socket of {@code type}.
     *
     * @param type stream, datagram or seqpacket
     * @return the socket, unbound
     * @throws ErrnoException if {@code socket} fails ({@code EMFILE}, {@code ENFILE}, {@code EAFNOSUPPORT})
     */
    public static Socket unix(Type type) throws ErrnoException {
        return open(Family.UNIX, type, true);
    }

    /**
     * A socket of {@code family} and {@code type} ({@code SOCK_CLOEXEC}, and
     * {@code SOCK_NONBLOCK} if {@code nonBlocking}); {@code EPROTONOSUPPORT} or
     * {@code ESOCKTNOSUPPORT} for a combination Linux lacks (IP seqpacket).
     *
     * @param family      the address family
     * @param type        the socket type; the protocol is the family's default for it (TCP, UDP)
     * @param nonBlocking true for {@code SOCK_NONBLOCK}
     * @return the socket, unbound
     * @throws ErrnoException if {@code socket} fails
     */
    public static Socket open(Family family, Type type, boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        int flags = type.sockType() | LibC.SOCK_CLOEXEC() | (nonBlocking ? LibC.SOCK_NONBLOCK() : 0);
        int r = SocketCalls.socket(cs, family.af(), flags, 0);
        return new Socket(FileDescriptor.adopt(Results.check(r, "socket", family + " " + type, -1)), family, type);
    }

    /**
     * Two connected non-blocking Unix sockets of {@code type} ({@code socketpair}), for
     * talking to a child process or between threads.
     *
     * @param type stream, datagram or seqpacket
     * @return both ends, each owned by the pair
     * @throws ErrnoException if {@code socketpair} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static Pair pair(Type type) throws ErrnoException {
        return pair(type, true);
    }

    /**
     * {@link #pair(Type)}, non-blocking if {@code nonBlocking}.
     *
     * @param type        stream, datagram or seqpacket
     * @param nonBlocking true for {@code SOCK_NONBLOCK} on both ends
     * @return both ends, each owned by the pair
     * @throws ErrnoException if {@code socketpair} fails
     */
    public static Pair pair(Type type, boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment fds = cs.scratch.asSlice(VAL_OFF, 8);
        int flags = type.sockType() | LibC.SOCK_CLOEXEC() | (nonBlocking ? LibC.SOCK_NONBLOCK() : 0);
        Results.check(SocketCalls.socketpair(cs, LibC.AF_UNIX(), flags, 0, fds), "socketpair", "UNIX " + type, -1);
        return new Pair(new Socket(FileDescriptor.adopt(fds.get(ValueLayout.JAVA_INT, 0)), Family.UNIX, type),
                new Socket(FileDescriptor.adopt(fds.get(ValueLayout.JAVA_INT, 4)), Family.UNIX, type));
    }

    private static void requireIp(Family family, String what) {
        if (family == Family.UNIX) {
            throw new IllegalArgumentException(what + ": a Unix socket is made with Socket.unix(type)");
        }
    }

    /**
     * A non-blocking listening socket on {@code address}: the usual server setup in one call.
     * An IP listener gets {@code SO_REUSEADDR} and is TCP; port 0 picks a free port (see
     * {@link #localAddress()}). A Unix listener is of the stream type; its path must not
     * exist yet.
     *
     * @param address the address to bind: an {@link InetSocketAddress}, a {@link UnixAddress}
     *                or a {@link UnixDomainSocketAddress}
     * @param backlog the accept queue's length ({@code listen}); the kernel caps it at
     *                {@code net.core.somaxconn}
     * @return the listening socket; on failure nothing stays open
     * @throws IllegalArgumentException if the address is unresolved, of the wrong family, or of an unknown type
     * @throws ErrnoException if {@code socket}, {@code setsockopt}, {@code bind} ({@code EADDRINUSE})
     *         or {@code listen} fails
     */
    public static Socket listen(SocketAddress address, int backlog) throws ErrnoException {
        return listen(address, Type.STREAM, backlog);
    }

    /**
     * {@link #listen(SocketAddress, int)} for a stream or (Unix) seqpacket listener.
     *
     * @param address the address to bind
     * @param type    {@link Type#STREAM}, or {@link Type#SEQPACKET} for a Unix address
     * @param backlog the accept queue's length
     * @return the listening socket; on failure nothing stays open
     * @throws IllegalArgumentException for {@link Type#DATAGRAM}, or an address as
     *         {@link #listen(SocketAddress, int)} refuses
     * @throws ErrnoException if a call fails ({@code ESOCKTNOSUPPORT} for IP seqpacket)
     */
    public static Socket listen(SocketAddress address, Type type, int backlog) throws ErrnoException {
        if (type == Type.DATAGRAM) throw new IllegalArgumentException("listen: datagram sockets do not listen; bind one with udp(..).bind");
        Family family = Family.of(address);
        Socket s = open(family, type, true);
        try {
            if (family != Family.UNIX) s.setReuseAddress(true);
            s.bind(address);
            s.listen(backlog);
            return s;
        } catch (ErrnoException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /**
     * Wraps a connected or listening TCP socket fd that the caller owns.
     *
     * @param fd     the socket's descriptor; the new object owns it from now on
     * @param family its address family (not checked against the kernel's)
     * @return a stream socket on {@code fd}
     */
    public static Socket adopt(FileDescriptor fd, Family family) {
        return new Socket(fd, family, Type.STREAM);
    }

    /**
     * Wraps a socket fd of {@code family} and {@code type} that the caller owns.
     *
     * @param fd     the socket's descriptor; the new object owns it from now on
     * @param family its address family (not checked against the kernel's)
     * @param type   its type (not checked either)
     * @return a socket on {@code fd}
     */
    public static Socket adopt(FileDescriptor fd, Family family, Type type) {
        return new Socket(fd, family, type);
    }

    /**
     * The descriptor, for registration with a multiplexer.
     *
     * @return the descriptor this socket owns; closing it closes the socket
     */
    public FileDescriptor fd() {
        return fd;
    }

    /**
     * The address family.
     *
     * @return the family it was made or adopted with
     */
    public Family family() {
        return family;
    }

    /**
     * The socket type.
     *
     * @return the type it was made or adopted with
     */
    public Type type() {
        return type;
    }

    /**
     * Binds to {@code address}; {@link UnixAddress#unnamed()} on a Unix socket picks a free
     * abstract name (autobind).
     *
     * @param address an address of this socket's family
     * @throws IllegalArgumentException if the address is unresolved, of the wrong family, or of an unknown type
     * @throws ErrnoException if {@code bind} fails ({@code EADDRINUSE}, {@code EACCES} for a
     *         port below 1024, {@code EADDRNOTAVAIL})
     */
    public void bind(SocketAddress address) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        int len = SockAddrs.write(address, family.af(), sa, "bind", fd.intValue());
        int raw = fd.acquire("bind");
        try {
            Results.check(SocketCalls.bind(cs, raw, sa, len), "bind", address.toString(), raw);
        } finally {
            fd.release();
        }
    }

    /**
     * Marks a bound (or, for TCP, unbound: the kernel picks a port) stream or seqpacket
     * socket as listening ({@code listen}).
     *
     * @param backlog the accept queue's length; the kernel caps it at {@code net.core.somaxconn}
     * @throws ErrnoException if {@code listen} fails ({@code EOPNOTSUPP} on a datagram socket)
     */
    public void listen(int backlog) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("listen");
        try {
            Results.check(SocketCalls.listen(cs, raw, backlog), "listen", raw);
        } finally {
            fd.release();
        }
    }

    /**
     * Accepts a connection as a non-blocking socket; null if none is pending ({@code EAGAIN}).
     *
     * @return the connection, of this socket's family and type, or null
     * @throws ErrnoException as {@link #accept(boolean)}
     */
    public Socket accept() throws ErrnoException {
        return accept(true);
    }

    /**
     * Accepts a connection ({@code accept4} with {@code SOCK_CLOEXEC}, and
     * {@code SOCK_NONBLOCK} if {@code nonBlocking}); null if none is pending on a
     * non-blocking listener. {@code EMFILE}/{@code ENFILE} are thrown: the connection stays
     * queued, so a caller must stop polling for accept or free an fd, not retry at once.
     * {@code ECONNABORTED} (a connection reset while queued) is skipped.
     *
     * @param nonBlocking true for {@code SOCK_NONBLOCK} on the accepted socket
     * @return the connection, of this socket's family and type, or null
     * @throws ErrnoException if {@code accept4} fails ({@code EMFILE}, {@code ENFILE},
     *         {@code EINVAL} if not listening)
     */
    public Socket accept(boolean nonBlocking) throws ErrnoException {
        int r = acceptRaw(nonBlocking);
        return r == FileDescriptor.WOULD_BLOCK ? null : new Socket(FileDescriptor.adopt(r), family, type);
    }

    /**
     * {@link #accept(boolean)} returning the new fd, or {@link FileDescriptor#WOULD_BLOCK}.
     *
     * @param nonBlocking true for {@code SOCK_NONBLOCK} on the accepted socket
     * @return the new fd, which the caller owns and must close, or {@link FileDescriptor#WOULD_BLOCK}
     * @throws ErrnoException as {@link #accept(boolean)}
     */
    public int acceptRaw(boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        int flags = LibC.SOCK_CLOEXEC() | (nonBlocking ? LibC.SOCK_NONBLOCK() : 0);
        int raw = fd.acquire("accept4");
        try {
            int r;
            do {
                r = SocketCalls.accept4(cs, raw, MemorySegment.NULL, MemorySegment.NULL, flags);
            } while (Results.interrupted(r) || Results.is(r, Errno.ECONNABORTED)); // the aborted one is gone; take the next
            return (int) transfer(r, "accept4");
        } finally {
            fd.release();
        }
    }

    /**
     * Starts connecting to {@code address}. A datagram socket only records the peer (sends
     * without an address go there, and datagrams from elsewhere are dropped).
     *
     * @param address an address of this socket's family
     * @return true if connected at once, false if in progress ({@code EINPROGRESS}); then
     *         wait for the socket to be writable and call {@link #finishConnect()}. A Unix
     *         stream connect to a listener whose backlog is full fails with {@code EAGAIN}
     *         on a non-blocking socket: retry later.
     * @throws IllegalArgumentException if the address is unresolved, of the wrong family, or of an unknown type
     * @throws ErrnoException if {@code connect} fails at once ({@code ECONNREFUSED},
     *         {@code ENETUNREACH}, {@code EAGAIN} as above, ...)
     */
    public boolean connect(SocketAddress address) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        int len = SockAddrs.write(address, family.af(), sa, "connect", fd.intValue());
        int raw = fd.acquire("connect");
        try {
            int r = SocketCalls.connect(cs, raw, sa, len);
            // EINTR: the connection continues asynchronously, exactly like EINPROGRESS.
            if (Results.is(r, Errno.EINPROGRESS) || Results.interrupted(r)) return false;
            if (r < 0) throw fd.failure("connect", address.toString(), r);
            return true;
        } finally {
            fd.release();
        }
    }

    /**
     * Completes a non-blocking connect once the socket is writable: reads {@code SO_ERROR}.
     *
     * @throws ErrnoException the connect's error, e.g. {@code ECONNREFUSED}
     */
    public void finishConnect() throws ErrnoException {
        int err = getIntOption(LibC.SOL_SOCKET(), LibC.SO_ERROR(), "SO_ERROR");
        if (err != 0) throw Results.failure("connect", null, fd.intValue(), -err);
    }

    /**
     * Reads and clears the socket's pending error ({@code SO_ERROR}): a reset or other error
     * the kernel reported (as {@code POLLERR}) while nothing was reading the socket.
     *
     * @throws ErrnoException the pending error, e.g. {@code ECONNRESET}, named
     *         {@code getsockopt(SO_ERROR, fd=N)}; or the failure of {@code getsockopt} itself
     */
    public void checkError() throws ErrnoException {
        int err = getIntOption(LibC.SOL_SOCKET(), LibC.SO_ERROR(), "SO_ERROR");
        if (err != 0) throw Results.failure("getsockopt", "SO_ERROR", fd.intValue(), -err);
    }

    /**
     * Whether the socket is listening ({@code SO_ACCEPTCONN}): {@code listen} was called on it.
     * False for a connected, unconnected or datagram socket.
     *
     * @return whether {@code accept} can take connections from it
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public boolean isListening() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_ACCEPTCONN(), "SO_ACCEPTCONN") != 0;
    }

    /**
     * {@code shutdown(SHUT_WR)}: the peer reads end of stream; this side can still read.
     *
     * @throws ErrnoException if {@code shutdown} fails ({@code ENOTCONN})
     */
    public void shutdownOutput() throws ErrnoException {
        shutdown(LibC.SHUT_WR(), "SHUT_WR");
    }

    /**
     * {@code shutdown(SHUT_RD)}.
     *
     * @throws ErrnoException if {@code shutdown} fails ({@code ENOTCONN})
     */
    public void shutdownInput() throws ErrnoException {
        shutdown(LibC.SHUT_RD(), "SHUT_RD");
    }

    /**
     * {@code shutdown(SHUT_RDWR)}: both directions at once. Threads blocked on this socket wake:
     * a read returns {@link FileDescriptor#EOF}, a write fails with {@code EPIPE}. The socket
     * stays open (and its fd number reserved) until {@link #close()}.
     *
     * @throws ErrnoException if {@code shutdown} fails ({@code ENOTCONN})
     */
    public void shutdownBoth() throws ErrnoException {
        shutdown(LibC.SHUT_RDWR(), "SHUT_RDWR");
    }

    private void shutdown(int how, String name) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("shutdown");
        try {
            Results.check(SocketCalls.shutdown(cs, raw, how), "shutdown", name, raw);
        } finally {
            fd.release();
        }
    }

    /**
     * The bound address ({@code getsockname}): an {@link InetSocketAddress} for an IP
     * socket, a {@link UnixAddress} for a Unix one.
     *
     * @return the address; port 0 or {@link UnixAddress#unnamed()} if unbound
     * @throws ErrnoException if {@code getsockname} fails
     */
    public SocketAddress localAddress() throws ErrnoException {
        return name(true);
    }

    /**
     * The bound port of an IP socket.
     *
     * @return the port, 0 if unbound
     * @throws IllegalStateException for a Unix socket
     * @throws ErrnoException if {@code getsockname} fails
     */
    public int localPort() throws ErrnoException {
        if (family == Family.UNIX) throw new IllegalStateException("localPort(fd=" + fd.intValue() + "): a Unix socket has no port");
        return ((InetSocketAddress) name(true)).getPort();
    }

    /**
     * The peer's address ({@code getpeername}), of the same kinds as
     * {@link #localAddress()}; {@code ENOTCONN} if not connected.
     *
     * @return the peer's address
     * @throws ErrnoException if {@code getpeername} fails ({@code ENOTCONN})
     */
    public SocketAddress remoteAddress() throws ErrnoException {
        return name(false);
    }

    private SocketAddress name(boolean local) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, (int) SockAddrs.MAX_BYTES);
        String call = local ? "getsockname" : "getpeername";
        int raw = fd.acquire(call);
        try {
            int r = local ? SocketCalls.getsockname(cs, raw, sa, len) : SocketCalls.getpeername(cs, raw, sa, len);
            Results.check(r, call, raw);
            return SockAddrs.read(sa, len.get(ValueLayout.JAVA_INT, 0));
        } finally {
            fd.release();
        }
    }

    // ---- transfers --------------------------------------------------------------------

    /** Bytes moved, {@link FileDescriptor#WOULD_BLOCK} for {@code EAGAIN}, or the exception. */
    private long transfer(long r, String call) throws ErrnoException {
        if (r >= 0) return r;
        if (Results.wouldBlock(r)) return FileDescriptor.WOULD_BLOCK;
        throw fd.failure(call, null, r);
    }

    /**
     * Reads like {@link FileDescriptor#read(MemorySegment)}: bytes, EOF or WOULD_BLOCK. On a
     * datagram or seqpacket socket it reads one message: 0 is an empty datagram (EOF on a
     * datagram socket only when it was closed under the call), and a message longer than
     * {@code dst} throws {@code EMSGSIZE} naming both lengths (its rest is already lost);
     * {@link #receiveFrom} reports truncation as a value instead. A heap {@code dst} larger
     * than the 64 KiB staging buffer is staged through a temporary one of its size. On a
     * seqpacket socket a peer's empty message reads as EOF, as the kernel cannot tell them
     * apart in a read.
     *
     * @param dst where the bytes go, from offset 0
     * @return bytes read, {@link FileDescriptor#EOF} or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws IllegalStateException if {@code dst}'s arena is closed
     * @throws ErrnoException if {@code read} or {@code recv} fails ({@code ECONNRESET}), or
     *         {@code EMSGSIZE} for a message that did not fit
     */
    public long read(MemorySegment dst) throws ErrnoException {
        if (!type.messages()) return fd.read(dst);
        Memory.checkTarget(dst, "recv", fd.intValue());
        CallState cs = CallState.current();
        try (Arena big = staging(dst, cs)) {
            MemorySegment to = dst.isNative() ? dst : big == null ? cs.bounce() : big.allocate(dst.byteSize());
            long len = dst.byteSize();
            int raw = fd.acquire("recv");
            long r;
            try {
                do {
                    r = SocketCalls.recv(cs, raw, to, len, LibC.MSG_TRUNC());
                } while (Results.interrupted(r));
            } finally {
                fd.release();
            }
            if (r < 0) return transfer(r, "recv");
            if (!fd.isOpen()) return FileDescriptor.EOF; // closed under the call: its shutdown reads as empty datagrams
            if (r == 0 && type == Type.SEQPACKET && len > 0) return FileDescriptor.EOF;
            long stored = Math.min(r, len);
            if (!dst.isNative() && stored > 0) MemorySegment.copy(to, 0, dst, 0, stored);
            return checkedLength(r, len);
        }
    }

    /**
     * An arena for a heap target larger than the per-thread staging buffer, so that a message
     * that fits the caller's buffer is not cut to 64 KiB; null when the staging buffer does.
     */
    private static Arena staging(MemorySegment dst, CallState cs) {
        return dst.isNative() ? null : staging(dst.byteSize(), cs);
    }

    /** An arena for heap bytes larger than the per-thread staging buffer; null when that buffer holds them. */
    private static Arena staging(long bytes, CallState cs) {
        return bytes > cs.bounce().byteSize() ? Arena.ofConfined() : null;
    }

    private long checkedLength(long r, long len) throws ErrnoException {
        if (r > len) {
            throw new ErrnoException("recv", "a message of " + r + " bytes did not fit in " + len + "; the rest is lost",
                    fd.intValue(), Errno.EMSGSIZE);
        }
        return r;
    }

    /**
     * Reads like {@link #read(MemorySegment)} into {@code dst} from its position, and advances it.
     *
     * @param dst where the bytes go, up to its limit
     * @return bytes read, {@link FileDescriptor#EOF} or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws ErrnoException as {@link #read(MemorySegment)}
     */
    public int read(ByteBuffer dst) throws ErrnoException {
        if (!type.messages()) return fd.read(dst);
        if (dst.isReadOnly()) throw new IllegalArgumentException("recv(fd=" + fd.intValue() + "): the destination is read-only");
        int pos = dst.position();
        long n = read(MemorySegment.ofBuffer(dst));
        if (n > 0) dst.position(pos + (int) n);
        return (int) n;
    }

    /**
     * Scatter read, like {@link FileDescriptor#readv(IoVec)}. On a datagram or seqpacket
     * socket a message longer than the entries is cut without notice ({@code readv} does not
     * report it; use {@link #receiveFrom} to know).
     *
     * @param iov the buffers, filled in order
     * @return bytes read, {@link FileDescriptor#EOF} or {@link FileDescriptor#WOULD_BLOCK}
     * @throws ErrnoException if {@code readv} fails
     */
    public long readv(IoVec iov) throws ErrnoException {
        return fd.readv(iov);
    }

    /**
     * Writes with {@code send(MSG_NOSIGNAL)}.
     *
     * @param src the bytes, all of it; heap memory as {@link #write(MemorySegment, long, long)} says
     * @return bytes written (possibly fewer than offered), or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws ErrnoException if {@code send} fails ({@code EPIPE}, {@code ECONNRESET})
     */
    public long write(MemorySegment src) throws ErrnoException {
        return write(src, 0, src.byteSize());
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code offset} with
     * {@code send(MSG_NOSIGNAL)}: for callers that reuse one buffer. Heap memory goes
     * through a per-thread off-heap staging buffer (up to its 64 KiB per call on a stream; a
     * larger message on a datagram or seqpacket socket through a temporary one of its size,
     * so it leaves whole) and needs no slice; off-heap memory is passed as a segment, so that its arena stays alive during
     * the call (a shared arena closed meanwhile fails the call instead of freeing memory
     * under it).
     *
     * @param src    the buffer
     * @param offset where in {@code src} the bytes start
     * @param length how many bytes to write
     * @return bytes written (possibly fewer than offered), or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not fit {@code src}
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws ErrnoException if {@code send} fails ({@code EPIPE}, {@code ECONNRESET},
     *         {@code EMSGSIZE} for a datagram too long)
     */
    public long write(MemorySegment src, long offset, long length) throws ErrnoException {
        java.util.Objects.checkFromIndexSize(offset, length, src.byteSize());
        Memory.checkAlive(src, "send", fd.intValue());
        CallState cs = CallState.current();
        MemorySegment from;
        long len = length;
        // a message leaves whole or not at all: one larger than the staging buffer is staged
        // whole through a temporary one, never cut to 64 KiB
        try (Arena big = !src.isNative() && type.messages() ? staging(len, cs) : null) {
            if (src.isNative()) {
                from = offset == 0 && length == src.byteSize() ? src : src.asSlice(offset, length);
            } else {
                from = big != null ? big.allocate(len) : cs.bounce();
                len = Math.min(len, from.byteSize());
                MemorySegment.copy(src, offset, from, 0, len);
            }
            int raw = fd.acquire("send");
            try {
                long r;
                do {
                    r = SocketCalls.send(cs, raw, from, len, LibC.MSG_NOSIGNAL());
                } while (Results.interrupted(r));
                return transfer(r, "send");
            } finally {
                fd.release();
            }
        }
    }

    /**
     * Writes from {@code src}'s position and advances it; bytes or WOULD_BLOCK.
     *
     * @param src the bytes between its position and limit
     * @return bytes written, or {@link FileDescriptor#WOULD_BLOCK}
     * @throws ErrnoException as {@link #write(MemorySegment, long, long)}
     */
    public int write(ByteBuffer src) throws ErrnoException {
        int pos = src.position();
        long n = write(MemorySegment.ofBuffer(src));
        if (n > 0) src.position(pos + (int) n);
        return (int) n;
    }

    /**
     * Gather write with {@code sendmsg(MSG_NOSIGNAL)}; bytes or WOULD_BLOCK. Every entry is
     * checked first (alive, accessible from this thread), and the arenas of the array and its
     * entries are kept alive until the call returns.
     *
     * @param iov the buffers, written in order
     * @return bytes written, or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if the array and entries come from more than six arenas
     * @throws IllegalStateException if an entry's arena is closed
     * @throws ErrnoException if {@code sendmsg} fails ({@code EPIPE}, {@code ECONNRESET})
     */
    public long writev(IoVec iov) throws ErrnoException {
        iov.check("sendmsg", fd.intValue(), false);
        // the array goes inside the msghdr, not as an argument: keep its arena too
        MemorySegment[] keep = IoVecs.keepAlive(iov, "sendmsg", fd.intValue(), true);
        CallState cs = CallState.current();
        MemorySegment msg = cs.scratch.asSlice(MSG_OFF, msghdr.layout());
        msg.fill((byte) 0);
        msghdr.msg_iov(msg, iov.segment());
        msghdr.msg_iovlen(msg, iov.count());
        return sendmsg(cs, msg, keep);
    }

    /** {@code sendmsg(MSG_NOSIGNAL)} of {@code msg}, keeping the arenas of {@code keep} alive; bytes or WOULD_BLOCK. */
    private long sendmsg(CallState cs, MemorySegment msg, MemorySegment[] keep) throws ErrnoException {
        int raw = fd.acquire("sendmsg");
        try {
            long r;
            do {
                r = VectorCalls.sendmsg(cs, raw, msg, LibC.MSG_NOSIGNAL(), keep);
            } while (Results.interrupted(r));
            return transfer(r, "sendmsg");
        } finally {
            fd.release();
        }
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code offset} without copying them
     * through user space ({@code sendfile}). The file's own offset is not moved.
     *
     * @param file   the file to read from: a regular file or a memfd
     * @param offset where in the file to start
     * @param count  the most bytes to send
     * @return bytes sent (possibly fewer; 0 at the file's end), or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if {@code offset} or {@code count} is negative
     * @throws ErrnoException if {@code sendfile} fails ({@code EPIPE}, {@code ECONNRESET},
     *         {@code EINVAL} for a file it cannot read from)
     */
    public long sendFile(FileDescriptor file, long offset, long count) throws ErrnoException {
        if (offset < 0 || count < 0) {
            throw new IllegalArgumentException("sendfile(fd=" + fd.intValue() + "): negative offset or count: " + offset + ", " + count);
        }
        CallState cs = CallState.current();
        MemorySegment off = cs.scratch.asSlice(VAL_OFF, 8);
        off.set(ValueLayout.JAVA_LONG, 0, offset);
        int in = file.acquire("sendfile");
        try {
            int raw = fd.acquire("sendfile");
            try {
                long r;
                do {
                    r = SocketCalls.sendfile(cs, raw, in, off, count);
                } while (Results.interrupted(r));
                return transfer(r, "sendfile");
            } finally {
                fd.release();
            }
        } finally {
            file.release();
        }
    }

    // ---- datagrams and messages -----------------------------------------------------------

    /**
     * The largest payload one datagram of {@code family} carries: the IP packet's 65,535
     * bytes less the IPv4 (20) and UDP (8) headers, 65,507; over IPv6, whose length field
     * leaves its own header out, less UDP's alone, 65,527. A Unix datagram is bounded by the
     * sender's send buffer instead, which the kernel checks ({@code EMSGSIZE}).
     *
     * @param family the socket's family
     * @return the limit in bytes; {@link Long#MAX_VALUE} for {@link Family#UNIX}
     */
    public static long maxDatagramBytes(Family family) {
        return switch (family) {
            case INET -> 65_507;
            case INET6 -> 65_527;
            case UNIX -> Long.MAX_VALUE;
        };
    }

    /**
     * Sends {@code src} as one datagram to {@code target} ({@code sendto} with
     * {@code MSG_NOSIGNAL}); on a connected socket {@code target} may be null. Heap memory is
     * staged like {@link #write(MemorySegment, long, long)}: whole, through a temporary buffer
     * when it is larger than 64 KiB (a Unix datagram may be).
     *
     * @param src    the datagram, all of it
     * @param target an address of this socket's family, or null
     * @return bytes sent, or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if {@code target} is unresolved or of the wrong family,
     *         or {@code src} is longer than a UDP datagram can be ({@link #maxDatagramBytes})
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws ErrnoException if {@code sendto} fails ({@code EMSGSIZE}, {@code EDESTADDRREQ}
     *         with no target on an unconnected socket, {@code ECONNREFUSED} from an earlier
     *         ICMP error on a connected one)
     */
    public long sendTo(MemorySegment src, SocketAddress target) throws ErrnoException {
        Memory.checkAlive(src, "sendto", fd.intValue());
        CallState cs = CallState.current();
        MemorySegment sa = MemorySegment.NULL;
        int saLen = 0;
        if (target != null) {
            sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
            saLen = SockAddrs.write(target, family.af(), sa, "sendto", fd.intValue());
        }
        return sendto(cs, src, sa, saLen, target == null ? null : target.toString());
    }

    /** {@code sendto} of {@code src} (heap memory staged, up to one datagram) to the sockaddr {@code sa}. */
    private long sendto(CallState cs, MemorySegment src, MemorySegment sa, int saLen, String detail) throws ErrnoException {
        MemorySegment from = src;
        long len = src.byteSize();
        if (type == Type.DATAGRAM && len > maxDatagramBytes(family)) {
            throw new IllegalArgumentException("sendto(fd=" + fd.intValue() + "): " + len + " bytes are more than one " + family
                    + " UDP datagram can carry (" + maxDatagramBytes(family) + ")");
        }
        try (Arena big = src.isNative() ? null : staging(len, cs)) { // a datagram is staged whole, as in write
            if (!src.isNative()) {
                from = big != null ? big.allocate(len) : cs.bounce();
                MemorySegment.copy(src, 0, from, 0, len);
            }
            int raw = fd.acquire("sendto");
            try {
                long r;
                do {
                    r = SocketCalls.sendto(cs, raw, from, len, LibC.MSG_NOSIGNAL(), sa, saLen);
                } while (Results.interrupted(r));
                if (r < 0 && !Results.wouldBlock(r)) throw fd.failure("sendto", detail, r);
                return transfer(r, "sendto");
            } finally {
                fd.release();
            }
        }
    }

    /**
     * Sends {@code src} as one datagram to the {@code sockaddr} of {@code length} bytes in
     * {@code name}, as a kernel call wrote it (a received datagram's sender, e.g.
     * {@link DatagramBatch#senderName}): a reply that makes no address object. Only the
     * family field is checked here (it must suit this socket); the kernel checks the rest.
     *
     * @param src    the datagram, all of it
     * @param name   the {@code sockaddr}; read during the call only
     * @param length its length in bytes
     * @return bytes sent, or {@link FileDescriptor#WOULD_BLOCK}
     * @throws IllegalArgumentException if {@code length} is outside {@code name} or above a
     *         {@code sockaddr_storage}, or the family does not suit this socket
     * @throws IllegalStateException if the arena of {@code src} or {@code name} is closed
     * @throws ErrnoException if {@code sendto} fails
     */
    public long sendTo(MemorySegment src, MemorySegment name, int length) throws ErrnoException {
        int self = fd.intValue();
        if (length < 2 || length > SockAddrs.MAX_BYTES || length > name.byteSize()) {
            throw new IllegalArgumentException("sendto(fd=" + self + "): a sockaddr of " + length + " bytes in a segment of "
                    + name.byteSize());
        }
        Memory.checkAlive(name, "sendto", self);
        Memory.checkAlive(src, "sendto", self);
        int af = Short.toUnsignedInt(name.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        boolean fits = af == family.af() || (family == Family.INET6 && af == LibC.AF_INET());
        if (!fits) throw new IllegalArgumentException("sendto(fd=" + self + "): address family " + af + " for a " + family + " socket");
        CallState cs = CallState.current();
        MemorySegment sa = name.isNative() ? name : cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES).copyFrom(name.asSlice(0, length));
        return sendto(cs, src, sa, length, null);
    }

    /**
     * Receives one message into {@code dst} ({@code recvmsg}) and describes it in
     * {@code info}: the sender, truncation, and control messages such as passed descriptors.
     * On a datagram or seqpacket socket a longer message is truncated to fit and
     * {@link MessageInfo#truncated()} says so; on a stream socket this reads like
     * {@link #read} and is how descriptors sent with the bytes are received.
     *
     * @param dst  where the bytes go, from offset 0
     * @param info where the rest of the message is described; any descriptors it still holds
     *             from the last receive are closed first
     * @return bytes stored in {@code dst} (0 for an empty datagram), {@link FileDescriptor#EOF}
     *         on a stream or seqpacket socket whose peer closed or on any socket closed under
     *         the call, or {@link FileDescriptor#WOULD_BLOCK}. A heap {@code dst} larger than
     *         the 64 KiB staging buffer is staged through a temporary one of its size, so a
     *         message that fits it arrives whole.
     * @throws IllegalArgumentException if {@code dst} is read-only
     * @throws IllegalStateException if {@code dst}'s arena is closed
     * @throws ErrnoException if {@code recvmsg} fails, or closing descriptors left in
     *         {@code info} does
     */
    public long receiveFrom(MemorySegment dst, MessageInfo info) throws ErrnoException {
        Memory.checkTarget(dst, "recvmsg", fd.intValue());
        CallState cs = CallState.current();
        try (Arena big = type.messages() ? staging(dst, cs) : null) {
            return receiveFrom(dst, info, cs, big);
        }
    }

    private long receiveFrom(MemorySegment dst, MessageInfo info, CallState cs, Arena big) throws ErrnoException {
        MemorySegment to = dst.isNative() ? dst : big == null ? cs.bounce() : big.allocate(dst.byteSize());
        long len = dst.isNative() || big != null ? dst.byteSize() : Math.min(dst.byteSize(), to.byteSize());
        info.prepare(to, len, family == Family.UNIX && type == Type.DATAGRAM);
        int flags = LibC.MSG_CMSG_CLOEXEC() | (type.messages() ? LibC.MSG_TRUNC() : 0);
        int raw = fd.acquire("recvmsg");
        long r;
        try {
            do {
                r = VectorCalls.recvmsg(cs, raw, info.msg, flags, info.keep);
            } while (Results.interrupted(r));
        } finally {
            fd.release();
        }
        if (r < 0) {
            info.abandon();
            return transfer(r, "recvmsg");
        }
        if (!fd.isOpen()) { // closed under the call: its shutdown reads as empty messages
            info.abandon();
            return FileDescriptor.EOF;
        }
        info.complete(r, len);
        long stored = info.length();
        if (!dst.isNative() && stored > 0) MemorySegment.copy(to, 0, dst, 0, stored);
        if (r == 0 && len > 0 && type != Type.DATAGRAM && info.fileDescriptorCount() == 0) return FileDescriptor.EOF;
        return stored;
    }

    /**
     * Sends {@code src} with {@code fds} attached ({@code sendmsg} with an
     * {@code SCM_RIGHTS} control message) on a connected Unix socket: the receiver gets its
     * own descriptors for the same open files. The descriptors stay open here; each is
     * held for the duration of the call, so a concurrent close cannot send another file
     * in its place.
     *
     * @param src the bytes to send with them; heap memory is copied
     * @param fds the descriptors to pass, none null; they stay this process's
     * @return bytes sent, or {@link FileDescriptor#WOULD_BLOCK} (nothing was sent)
     * @throws IllegalArgumentException if this is not a Unix socket, if more than
     *         {@value MessageInfo#MAX_FDS} descriptors are given, or if {@code src} is empty on
     *         a stream socket (the kernel needs a byte to carry them)
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws dev.panio.io.ClosedException if one of {@code fds} is closed
     * @throws ErrnoException if {@code sendmsg} fails ({@code ETOOMANYREFS} past the
     *         kernel's limit on descriptors in flight)
     */
    public long sendWithFds(MemorySegment src, FileDescriptor... fds) throws ErrnoException {
        return sendMessage(src, null, fds);
    }

    /**
     * {@link #sendWithFds} to {@code target} on an unconnected Unix datagram socket (null: the connected peer).
     * Without descriptors it sends on a socket of any family.
     *
     * @param src    the bytes; heap memory is copied
     * @param target an address of this socket's family, or null
     * @param fds    the descriptors to pass, none null; they stay this process's
     * @return bytes sent, or {@link FileDescriptor#WOULD_BLOCK} (nothing was sent)
     * @throws IllegalArgumentException as {@link #sendWithFds}, or for a {@code target} of the wrong family
     * @throws IllegalStateException if {@code src}'s arena is closed
     * @throws ErrnoException if {@code sendmsg} fails
     */
    public long sendMessage(MemorySegment src, SocketAddress target, FileDescriptor... fds) throws ErrnoException {
        int self = fd.intValue();
        if (family != Family.UNIX && fds.length > 0) {
            throw new IllegalArgumentException("sendmsg(fd=" + self + "): descriptors pass only over Unix sockets, this is " + family);
        }
        if (fds.length > MessageInfo.MAX_FDS) {
            throw new IllegalArgumentException("sendmsg(fd=" + self + "): " + fds.length + " descriptors; one message carries at most "
                    + MessageInfo.MAX_FDS);
        }
        if (type == Type.STREAM && fds.length > 0 && src.byteSize() == 0) {
            throw new IllegalArgumentException("sendmsg(fd=" + self + "): descriptors on a stream socket need at least one byte of data");
        }
        Memory.checkAlive(src, "sendmsg", self);
        int held = 0;
        try (Arena arena = Arena.ofConfined()) {
            for (FileDescriptor f : fds) {
                if (f == null) throw new NullPointerException("sendmsg(fd=" + self + "): a descriptor to send is null");
                f.acquire("sendmsg");
                held++;
            }
            MemorySegment data = src.isNative() ? src : arena.allocate(Math.max(1, src.byteSize())).copyFrom(src);
            MemorySegment msg = arena.allocate(msghdr.layout());
            MemorySegment iov = arena.allocate(iovec.layout());
            iovec.iov_base(iov, data);
            iovec.iov_len(iov, src.byteSize());
            msghdr.msg_iov(msg, iov);
            msghdr.msg_iovlen(msg, 1);
            if (target != null) {
                MemorySegment sa = arena.allocate(SockAddrs.MAX_BYTES, 8);
                msghdr.msg_name(msg, sa);
                msghdr.msg_namelen(msg, SockAddrs.write(target, family.af(), sa, "sendmsg", self));
            }
            if (fds.length > 0) {
                MemorySegment control = arena.allocate(Cmsg.space(4L * fds.length), 8);
                control.set(ValueLayout.JAVA_LONG, 0, Cmsg.len(4L * fds.length));
                control.set(ValueLayout.JAVA_INT, 8, LibC.SOL_SOCKET());
                control.set(ValueLayout.JAVA_INT, 12, LibC.SCM_RIGHTS());
                for (int i = 0; i < fds.length; i++) {
                    control.set(ValueLayout.JAVA_INT, Cmsg.HEADER + 4L * i, fds[i].intValue());
                }
                msghdr.msg_control(msg, control);
                msghdr.msg_controllen(msg, control.byteSize());
            }
            MemorySegment[] keep = {data, msg, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL, MemorySegment.NULL};
            return sendmsg(CallState.current(), msg, keep);
        } finally {
            for (int i = 0; i < held; i++) fds[i].release();
        }
    }

    /**
     * Receives up to {@code batch.capacity()} datagrams in one call ({@code recvmmsg} with
     * {@code MSG_TRUNC}, so each slot's real length is known).
     *
     * @param batch the slots to fill, from slot 0
     * @return datagrams received (at least 1: a blocking socket returns once one has come,
     *         {@code MSG_WAITFORONE}), {@link FileDescriptor#WOULD_BLOCK} if none was waiting on a
     *         non-blocking socket, or {@link FileDescriptor#EOF} if the socket was closed under
     *         the call. Descriptors a peer passes with the datagrams are closed: a batch does not
     *         take them (use {@link #receiveFrom}).
     * @throws IllegalStateException if the batch is closed
     * @throws ErrnoException if {@code recvmmsg} fails
     */
    public int receiveBatch(DatagramBatch batch) throws ErrnoException {
        return receiveBatch(batch, batch.capacity());
    }

    /**
     * {@link #receiveBatch(DatagramBatch)} into the first {@code count} slots.
     *
     * @param batch the slots to fill, from slot 0
     * @param count the most datagrams to receive; 0 returns 0 without a call
     * @return as {@link #receiveBatch(DatagramBatch)}
     * @throws IndexOutOfBoundsException if {@code count} is negative or above the batch's capacity
     * @throws IllegalStateException if the batch is closed
     * @throws ErrnoException if {@code recvmmsg} fails
     */
    public int receiveBatch(DatagramBatch batch, int count) throws ErrnoException {
        java.util.Objects.checkFromIndexSize(0, count, batch.capacity());
        if (count == 0) return 0;
        Memory.checkAlive(batch.vector, "recvmmsg", fd.intValue());
        batch.prepareReceive(count);
        CallState cs = CallState.current();
        int raw = fd.acquire("recvmmsg");
        try {
            int r;
            do {
                // MSG_WAITFORONE: a blocking socket returns once one has come, not when all have
                r = SocketCalls.recvmmsg(cs, raw, batch.vector, count,
                        LibC.MSG_TRUNC() | LibC.MSG_WAITFORONE() | LibC.MSG_CMSG_CLOEXEC());
            } while (Results.interrupted(r));
            if (r > 0) batch.closePassedFds(r); // a batch takes no descriptors: any a peer sent are closed
            if (r >= 0 && !fd.isOpen()) return FileDescriptor.EOF; // closed under the call
            return (int) transfer(r, "recvmmsg");
        } finally {
            fd.release();
        }
    }

    /**
     * Sends slots {@code from .. from+count-1} of {@code batch} in one call
     * ({@code sendmmsg}), each with its {@linkplain DatagramBatch#setLength length} and target.
     *
     * @param batch the datagrams
     * @param from  the first slot to send
     * @param count how many slots; 0 returns 0 without a call
     * @return datagrams sent (possibly fewer than {@code count}: send the rest again), or
     *         {@link FileDescriptor#WOULD_BLOCK} if none could be
     * @throws IndexOutOfBoundsException if the slots are not all in the batch
     * @throws IllegalStateException if the batch is closed
     * @throws ErrnoException if {@code sendmmsg} fails on the first datagram (a later
     *         failure ends the batch early instead)
     */
    public int sendBatch(DatagramBatch batch, int from, int count) throws ErrnoException {
        java.util.Objects.checkFromIndexSize(from, count, batch.capacity());
        if (count == 0) return 0;
        Memory.checkAlive(batch.vector, "sendmmsg", fd.intValue());
        batch.prepareSend(from, count);
        CallState cs = CallState.current();
        int raw = fd.acquire("sendmmsg");
        try {
            int r;
            do {
                r = SocketCalls.sendmmsg(cs, raw, batch.slot(from), count, LibC.MSG_NOSIGNAL());
            } while (Results.interrupted(r));
            return (int) transfer(r, "sendmmsg");
        } finally {
            fd.release();
        }
    }

    // ---- queues, credentials, multicast ------------------------------------------------

    /**
     * Bytes received and not yet read ({@code SIOCINQ}); on a datagram socket, the size of
     * the next datagram.
     *
     * @return the byte count
     * @throws ErrnoException if {@code ioctl} fails ({@code EINVAL} on a listening socket)
     */
    public int unreadBytes() throws ErrnoException {
        return queue(LibC.SIOCINQ(), "SIOCINQ");
    }

    /**
     * Bytes written and not yet acknowledged by the peer ({@code SIOCOUTQ}); on a Unix
     * socket, the memory its unread messages take, per-message overhead included, as the
     * kernel counts it.
     *
     * @return the byte count
     * @throws ErrnoException if {@code ioctl} fails ({@code EINVAL} on a listening socket)
     */
    public int unsentBytes() throws ErrnoException {
        return queue(LibC.SIOCOUTQ(), "SIOCOUTQ");
    }

    private int queue(int request, String name) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, 4);
        int raw = fd.acquire("ioctl");
        try {
            Results.check(dev.panio.internal.sys.FdCalls.ioctl(cs, raw, request, v), "ioctl", name, raw);
            return v.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    /**
     * The connected peer's pid, uid and gid as they were when the connection was made
     * ({@code SO_PEERCRED}); for a Unix socket only.
     *
     * @return the peer's credentials (for a {@code socketpair}, this process's)
     * @throws UnsupportedOperationException if this is not a Unix socket
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public Credentials peerCredentials() throws ErrnoException {
        return getOption(LinuxSocketOptions.SO_PEERCRED);
    }

    /**
     * Joins the multicast {@code group} on interface {@code ni} ({@code IP_ADD_MEMBERSHIP}
     * with {@code ip_mreqn}, or {@code IPV6_JOIN_GROUP}); null lets the kernel choose.
     *
     * @param group a multicast address of this socket's family
     * @param ni    the interface, or null
     * @throws IllegalArgumentException if {@code group} is not a multicast address of this
     *         socket's family, or this is not a datagram socket
     * @throws ErrnoException if {@code setsockopt} fails ({@code EADDRINUSE} if already
     *         joined, {@code ENODEV} with no route to choose an interface by)
     */
    public void joinGroup(InetAddress group, NetworkInterface ni) throws ErrnoException {
        membership(group, ni, true);
    }

    /**
     * Leaves a group joined with {@link #joinGroup}.
     *
     * @param group the group
     * @param ni    the interface it was joined on, or null
     * @throws IllegalArgumentException as {@link #joinGroup}
     * @throws ErrnoException if {@code setsockopt} fails ({@code EADDRNOTAVAIL} if not joined)
     */
    public void leaveGroup(InetAddress group, NetworkInterface ni) throws ErrnoException {
        membership(group, ni, false);
    }

    private void membership(InetAddress group, NetworkInterface ni, boolean join) throws ErrnoException {
        String name = family == Family.INET ? (join ? "IP_ADD_MEMBERSHIP" : "IP_DROP_MEMBERSHIP")
                : (join ? "IPV6_JOIN_GROUP" : "IPV6_LEAVE_GROUP");
        int self = fd.intValue();
        if (type != Type.DATAGRAM || family == Family.UNIX) {
            throw new IllegalArgumentException("setsockopt(fd=" + self + "): " + name + " is for IP datagram sockets, this is " + family + " " + type);
        }
        if (group == null || !group.isMulticastAddress()) {
            throw new IllegalArgumentException("setsockopt(fd=" + self + "): " + name + ": not a multicast address: " + group);
        }
        boolean v4 = group instanceof Inet4Address;
        if (v4 != (family == Family.INET)) {
            throw new IllegalArgumentException("setsockopt(fd=" + self + "): " + name + ": group " + group + " is not of family " + family);
        }
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, Math.max(ip_mreqn.sizeof(), ipv6_mreq.sizeof()));
        v.fill((byte) 0);
        int level, option;
        long size;
        int index = ni == null ? 0 : ni.getIndex();
        if (v4) {
            MemorySegment.copy(group.getAddress(), 0, ip_mreqn.imr_multiaddr(v), ValueLayout.JAVA_BYTE, 0, 4);
            ip_mreqn.imr_ifindex(v, index);
            level = LibC.IPPROTO_IP();
            option = join ? LibC.IP_ADD_MEMBERSHIP() : LibC.IP_DROP_MEMBERSHIP();
            size = ip_mreqn.sizeof();
        } else {
            MemorySegment.copy(group.getAddress(), 0, ipv6_mreq.ipv6mr_multiaddr(v), ValueLayout.JAVA_BYTE, 0, 16);
            ipv6_mreq.ipv6mr_interface(v, index);
            level = LibC.IPPROTO_IPV6();
            option = join ? LibC.IPV6_ADD_MEMBERSHIP() : LibC.IPV6_DROP_MEMBERSHIP();
            size = ipv6_mreq.sizeof();
        }
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs, raw, level, option, v, (int) size), "setsockopt",
                    name + " " + group.getHostAddress(), raw);
        } finally {
            fd.release();
        }
    }

    // ---- options ----------------------------------------------------------------------

    /**
     * The typed options this class knows; which apply depends on the family and type.
     *
     * @return the JDK's and {@link LinuxSocketOptions}' options it takes
     */
    public static Set<SocketOption<?>> supportedOptions() {
        return OptionTable.all();
    }

    /**
     * Sets {@code option} to {@code value} ({@code setsockopt}).
     *
     * @param <T>    the option's value type
     * @param option a {@link java.net.StandardSocketOptions} or {@link LinuxSocketOptions} option
     * @param value  the value
     * @throws NullPointerException if {@code option} is null
     * @throws UnsupportedOperationException if the option does not apply to this socket's
     *         family and type, or is read-only
     * @throws IllegalArgumentException if the value is null or out of the option's range
     * @throws ErrnoException if {@code setsockopt} fails ({@code EPERM} for an option that
     *         needs a capability)
     */
    public <T> void setOption(SocketOption<T> option, T value) throws ErrnoException {
        int self = fd.intValue();
        OptionTable.Spec spec = OptionTable.lookup(option, family, type, "setsockopt", self);
        if (spec.readOnly()) throw new UnsupportedOperationException("setsockopt(fd=" + self + "): " + spec.cname() + " is read-only");
        if (value == null) throw new IllegalArgumentException("setsockopt(fd=" + self + "): " + spec.cname() + " = null");
        switch (spec.kind()) {
            case BOOL -> setIntOption(spec.level(), spec.name(), (Boolean) value ? 1 : 0, spec.cname());
            case INT -> setIntOption(spec.level(), spec.name(), inRange(spec, (Integer) value), spec.cname());
            case LINGER -> setLinger(inRange(spec, (Integer) value));
            case DEVICE -> setDevice(spec, (String) value);
            case MULTICAST_IF -> setMulticastInterface(spec, (NetworkInterface) value);
            default -> throw new AssertionError(spec);
        }
    }

    private int inRange(OptionTable.Spec spec, int v) {
        if (v < spec.min() || v > spec.max()) {
            throw new IllegalArgumentException("setsockopt(fd=" + fd.intValue() + "): " + spec.cname() + " = " + v
                    + " is out of range " + spec.min() + ".." + spec.max());
        }
        return v;
    }

    /**
     * The value of {@code option} as the kernel reports it ({@code getsockopt}); e.g.
     * {@code SO_RCVBUF} reads back twice what was set, the kernel's own bookkeeping.
     *
     * @param <T>    the option's value type
     * @param option a {@link java.net.StandardSocketOptions} or {@link LinuxSocketOptions} option
     * @return the value
     * @throws NullPointerException if {@code option} is null
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws java.io.UncheckedIOException if the JDK cannot look up the interface of
     *         {@code IP_MULTICAST_IF}
     * @throws ErrnoException if {@code getsockopt} fails
     */
    @SuppressWarnings("unchecked")
    public <T> T getOption(SocketOption<T> option) throws ErrnoException {
        OptionTable.Spec spec = OptionTable.lookup(option, family, type, "getsockopt", fd.intValue());
        Object v = switch (spec.kind()) {
            case BOOL -> getIntOption(spec.level(), spec.name(), spec.cname()) != 0;
            case INT -> getIntOption(spec.level(), spec.name(), spec.cname());
            case LINGER -> linger();
            case DEVICE -> device(spec);
            case TCP_INFO -> TcpInfo.read(getStruct(spec, tcp_info.sizeof()));
            case PEERCRED -> {
                MemorySegment c = getStruct(spec, ucred.sizeof());
                yield new Credentials(ucred.pid(c), ucred.uid(c), ucred.gid(c));
            }
            case MULTICAST_IF -> multicastInterface(spec);
        };
        return (T) v;
    }

    /** getsockopt of a struct of {@code size} bytes into the scratch area (zeroed first). */
    private MemorySegment getStruct(OptionTable.Spec spec, long size) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, size);
        v.fill((byte) 0);
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, (int) size);
        int raw = fd.acquire("getsockopt");
        try {
            Results.check(SocketCalls.getsockopt(cs, raw, spec.level(), spec.name(), v, len), "getsockopt", spec.cname(), raw);
            return v;
        } finally {
            fd.release();
        }
    }

    private void setDevice(OptionTable.Spec spec, String name) throws ErrnoException {
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        if (b.length > spec.max() || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("setsockopt(fd=" + fd.intValue() + "): SO_BINDTODEVICE = \"" + name
                    + "\": an interface name has at most " + spec.max() + " bytes and no NUL");
        }
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, spec.max() + 1);
        v.fill((byte) 0);
        MemorySegment.copy(b, 0, v, ValueLayout.JAVA_BYTE, 0, b.length);
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs, raw, spec.level(), spec.name(), v, b.length), "setsockopt",
                    "SO_BINDTODEVICE " + name, raw);
        } finally {
            fd.release();
        }
    }

    private String device(OptionTable.Spec spec) throws ErrnoException {
        MemorySegment v = getStruct(spec, spec.max() + 1);
        return v.getString(0, StandardCharsets.UTF_8);
    }

    private void setMulticastInterface(OptionTable.Spec spec, NetworkInterface ni) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, ip_mreqn.sizeof());
        v.fill((byte) 0);
        if (family == Family.INET) {
            // an ip_mreqn by index; the interface's first IPv4 address too, so that reading
            // the option back (which reports an address) finds the interface again
            ip_mreqn.imr_ifindex(v, ni.getIndex());
            ni.inetAddresses().filter(a -> a instanceof Inet4Address).findFirst().ifPresent(a ->
                    MemorySegment.copy(a.getAddress(), 0, ip_mreqn.imr_address(v), ValueLayout.JAVA_BYTE, 0, 4));
            setStruct(spec, v, ip_mreqn.sizeof());
        } else {
            v.set(ValueLayout.JAVA_INT, 0, ni.getIndex());
            setStruct(spec, v, 4);
        }
    }

    private void setStruct(OptionTable.Spec spec, MemorySegment v, long size) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs, raw, spec.level(), spec.name(), v, (int) size), "setsockopt", spec.cname(), raw);
        } finally {
            fd.release();
        }
    }

    private NetworkInterface multicastInterface(OptionTable.Spec spec) throws ErrnoException {
        try {
            if (family == Family.INET6) {
                int index = getIntOption(spec.level(), spec.name(), spec.cname());
                return index == 0 ? null : NetworkInterface.getByIndex(index);
            }
            MemorySegment v = getStruct(spec, 4);
            byte[] a = v.toArray(ValueLayout.JAVA_BYTE);
            if (a[0] == 0 && a[1] == 0 && a[2] == 0 && a[3] == 0) return null;
            return NetworkInterface.getByInetAddress(InetAddress.getByAddress(a));
        } catch (SocketException | java.net.UnknownHostException e) {
            throw new UncheckedIOException("getsockopt(fd=" + fd.intValue() + "): " + spec.cname(), e);
        }
    }

    /**
     * {@code SO_REUSEADDR}: a TCP listener may bind a port that connections in {@code TIME_WAIT} still use.
     *
     * @param on true to enable
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setReuseAddress(boolean on) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.SO_REUSEADDR, on);
    }

    /**
     * Whether {@code SO_REUSEADDR} is set.
     *
     * @return true if enabled
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public boolean reuseAddress() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.SO_REUSEADDR);
    }

    /**
     * {@code SO_REUSEPORT}: several sockets may bind the same port; the kernel spreads connections.
     * Every socket on the port must set it before {@code bind}, under the same user.
     *
     * @param on true to enable
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setReusePort(boolean on) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.SO_REUSEPORT, on);
    }

    /**
     * Whether {@code SO_REUSEPORT} is set.
     *
     * @return true if enabled
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public boolean reusePort() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.SO_REUSEPORT);
    }

    /**
     * {@code TCP_NODELAY}: send small segments at once instead of holding them (Nagle's algorithm off).
     *
     * @param on true to enable
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setTcpNoDelay(boolean on) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.TCP_NODELAY, on);
    }

    /**
     * Whether {@code TCP_NODELAY} is set.
     *
     * @return true if enabled
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public boolean tcpNoDelay() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.TCP_NODELAY);
    }

    /**
     * {@code SO_KEEPALIVE}: probe an idle connection and drop it when the peer is gone (see
     * {@link LinuxSocketOptions#TCP_KEEPIDLE} for the timing).
     *
     * @param on true to enable
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setKeepAlive(boolean on) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.SO_KEEPALIVE, on);
    }

    /**
     * Whether {@code SO_KEEPALIVE} is set.
     *
     * @return true if enabled
     * @throws UnsupportedOperationException if the option does not apply to this socket
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public boolean keepAlive() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.SO_KEEPALIVE);
    }

    /**
     * {@code SO_SNDBUF} as requested; Linux doubles it and {@link #sendBufferSize()} reports that.
     * The kernel caps the request at {@code net.core.wmem_max}.
     *
     * @param bytes the size to ask for
     * @throws IllegalArgumentException if {@code bytes} is out of the option's range
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setSendBufferSize(int bytes) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.SO_SNDBUF, bytes);
    }

    /**
     * {@code SO_SNDBUF} as the kernel keeps it.
     *
     * @return the send buffer's size in bytes, twice what was asked for
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public int sendBufferSize() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.SO_SNDBUF);
    }

    /**
     * {@code SO_RCVBUF} as requested; Linux doubles it and {@link #receiveBufferSize()} reports that.
     * The kernel caps the request at {@code net.core.rmem_max}.
     *
     * @param bytes the size to ask for
     * @throws IllegalArgumentException if {@code bytes} is out of the option's range
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setReceiveBufferSize(int bytes) throws ErrnoException {
        setOption(java.net.StandardSocketOptions.SO_RCVBUF, bytes);
    }

    /**
     * {@code SO_RCVBUF} as the kernel keeps it.
     *
     * @return the receive buffer's size in bytes, twice what was asked for
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public int receiveBufferSize() throws ErrnoException {
        return getOption(java.net.StandardSocketOptions.SO_RCVBUF);
    }

    /**
     * {@code SO_LINGER}: with {@code seconds} &ge; 0, close waits up to that long for unsent
     * data (0: close resets the connection); with -1, lingering is off (the default).
     *
     * @param seconds the time to linger, or -1 (any negative value) for off
     * @throws ErrnoException if {@code setsockopt} fails
     */
    public void setLinger(int seconds) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment l = cs.scratch.asSlice(VAL_OFF, linger.layout());
        linger.l_onoff(l, seconds >= 0 ? 1 : 0);
        linger.l_linger(l, Math.max(seconds, 0));
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs, raw, LibC.SOL_SOCKET(), LibC.SO_LINGER(), l, (int) linger.sizeof()),
                    "setsockopt", "SO_LINGER", raw);
        } finally {
            fd.release();
        }
    }

    /**
     * The {@code SO_LINGER} seconds, or -1 when off.
     *
     * @return the seconds, or -1
     * @throws ErrnoException if {@code getsockopt} fails
     */
    public int linger() throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment l = cs.scratch.asSlice(VAL_OFF, linger.layout());
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, (int) linger.sizeof());
        int raw = fd.acquire("getsockopt");
        try {
            Results.check(SocketCalls.getsockopt(cs, raw, LibC.SOL_SOCKET(), LibC.SO_LINGER(), l, len),
                    "getsockopt", "SO_LINGER", raw);
            return linger.l_onoff(l) != 0 ? linger.l_linger(l) : -1;
        } finally {
            fd.release();
        }
    }

    /**
     * {@code setsockopt} of an int-valued option; {@code name} is used in errors. Nothing is
     * checked before the call: for options panio does not type.
     *
     * @param level  the level, e.g. {@code SOL_SOCKET} or {@code IPPROTO_TCP}
     * @param option the option's number
     * @param value  the value
     * @param name   the option's name, for the exception
     * @throws ErrnoException if {@code setsockopt} fails ({@code ENOPROTOOPT}, {@code EINVAL})
     */
    public void setIntOption(int level, int option, int value, String name) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, 4);
        v.set(ValueLayout.JAVA_INT, 0, value);
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs, raw, level, option, v, 4), "setsockopt", name, raw);
        } finally {
            fd.release();
        }
    }

    /**
     * {@code getsockopt} of an int-valued option; {@code name} is used in errors.
     *
     * @param level  the level, e.g. {@code SOL_SOCKET} or {@code IPPROTO_TCP}
     * @param option the option's number
     * @param name   the option's name, for the exception
     * @return the value
     * @throws ErrnoException if {@code getsockopt} fails ({@code ENOPROTOOPT})
     */
    public int getIntOption(int level, int option, String name) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, 4);
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        int raw = fd.acquire("getsockopt");
        try {
            Results.check(SocketCalls.getsockopt(cs, raw, level, option, v, len), "getsockopt", name, raw);
            return v.get(ValueLayout.JAVA_INT, 0);
        } finally {
            fd.release();
        }
    }

    /** Closes the socket (see {@link FileDescriptor#close()}). */
    @Override
    public void close() throws ErrnoException {
        fd.close();
    }

    @Override
    public String toString() {
        return "Socket[" + family + ", " + fd + "]";
    }
}
