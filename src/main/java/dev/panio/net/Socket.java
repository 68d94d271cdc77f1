package dev.panio.net;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.linger;
import dev.panio.internal.gen.msghdr;
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
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A TCP socket over IPv4 or IPv6 on an owned {@link FileDescriptor}.
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
        INET6;

        int af() {
            return this == INET ? LibC.AF_INET() : LibC.AF_INET6();
        }

        /** The family that can bind or connect to {@code address}. */
        public static Family of(InetSocketAddress address) {
            return address.getAddress() instanceof java.net.Inet6Address ? INET6 : INET;
        }
    }

    // Layout of the calling thread's scratch segment for socket calls.
    private static final long ADDR_OFF = 0;
    private static final long LEN_OFF = SockAddrs.MAX_BYTES;
    private static final long VAL_OFF = LEN_OFF + 8;
    private static final long MSG_OFF = VAL_OFF + 16;

    private final FileDescriptor fd;
    private final Family family;

    private Socket(FileDescriptor fd, Family family) {
        this.fd = fd;
        this.family = family;
    }

    /** A non-blocking TCP socket. */
    public static Socket tcp(Family family) throws ErrnoException {
        return tcp(family, true);
    }

    /** A TCP socket, non-blocking if {@code nonBlocking}. */
    public static Socket tcp(Family family, boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        int type = LibC.SOCK_STREAM() | LibC.SOCK_CLOEXEC() | (nonBlocking ? LibC.SOCK_NONBLOCK() : 0);
        int r = SocketCalls.socket(cs.errno, family.af(), type, 0);
        return new Socket(FileDescriptor.adopt(Results.check(r, "socket", family.name(), -1)), family);
    }

    /**
     * A non-blocking listening socket on {@code address} with {@code SO_REUSEADDR}: the
     * usual server setup in one call. Port 0 picks a free port; see {@link #localAddress()}.
     */
    public static Socket listen(InetSocketAddress address, int backlog) throws ErrnoException {
        Socket s = tcp(Family.of(address));
        try {
            s.setReuseAddress(true);
            s.bind(address);
            s.listen(backlog);
            return s;
        } catch (ErrnoException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    /** Wraps a connected or listening TCP socket fd that the caller owns. */
    public static Socket adopt(FileDescriptor fd, Family family) {
        return new Socket(fd, family);
    }

    /** The descriptor, for registration with a multiplexer. */
    public FileDescriptor fd() {
        return fd;
    }

    /** The address family. */
    public Family family() {
        return family;
    }

    public void bind(InetSocketAddress address) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        int len = SockAddrs.write(address, family.af(), sa);
        int raw = fd.acquire("bind");
        try {
            Results.check(SocketCalls.bind(cs.errno, raw, sa, len), "bind", address.toString(), raw);
        } finally {
            fd.release();
        }
    }

    public void listen(int backlog) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("listen");
        try {
            Results.check(SocketCalls.listen(cs.errno, raw, backlog), "listen", raw);
        } finally {
            fd.release();
        }
    }

    /** Accepts a connection as a non-blocking socket; null if none is pending ({@code EAGAIN}). */
    public Socket accept() throws ErrnoException {
        return accept(true);
    }

    /**
     * Accepts a connection ({@code accept4} with {@code SOCK_CLOEXEC}, and
     * {@code SOCK_NONBLOCK} if {@code nonBlocking}); null if none is pending on a
     * non-blocking listener. {@code EMFILE}/{@code ENFILE} are thrown: the connection stays
     * queued, so a caller must stop polling for accept or free an fd, not retry at once.
     */
    public Socket accept(boolean nonBlocking) throws ErrnoException {
        int r = acceptRaw(nonBlocking);
        return r == FileDescriptor.WOULD_BLOCK ? null : new Socket(FileDescriptor.adopt(r), family);
    }

    /** {@link #accept(boolean)} returning the new fd, or {@link FileDescriptor#WOULD_BLOCK}. */
    public int acceptRaw(boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        int flags = LibC.SOCK_CLOEXEC() | (nonBlocking ? LibC.SOCK_NONBLOCK() : 0);
        int raw = fd.acquire("accept4");
        try {
            int r;
            do {
                r = SocketCalls.accept4(cs.errno, raw, MemorySegment.NULL, MemorySegment.NULL, flags);
            } while (Results.interrupted(r) || Results.is(r, Errno.ECONNABORTED)); // the aborted one is gone; take the next
            return (int) transfer(r, "accept4");
        } finally {
            fd.release();
        }
    }

    /**
     * Starts connecting to {@code address}.
     *
     * @return true if connected at once, false if in progress ({@code EINPROGRESS}); then
     *         wait for the socket to be writable and call {@link #finishConnect()}
     */
    public boolean connect(InetSocketAddress address) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        int len = SockAddrs.write(address, family.af(), sa);
        int raw = fd.acquire("connect");
        try {
            int r = SocketCalls.connect(cs.errno, raw, sa, len);
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

    /** {@code shutdown(SHUT_WR)}: the peer reads end of stream; this side can still read. */
    public void shutdownOutput() throws ErrnoException {
        shutdown(LibC.SHUT_WR(), "SHUT_WR");
    }

    /** {@code shutdown(SHUT_RD)}. */
    public void shutdownInput() throws ErrnoException {
        shutdown(LibC.SHUT_RD(), "SHUT_RD");
    }

    /**
     * {@code shutdown(SHUT_RDWR)}: both directions at once. Threads blocked on this socket wake:
     * a read returns {@link FileDescriptor#EOF}, a write fails with {@code EPIPE}. The socket
     * stays open (and its fd number reserved) until {@link #close()}.
     */
    public void shutdownBoth() throws ErrnoException {
        shutdown(LibC.SHUT_RDWR(), "SHUT_RDWR");
    }

    private void shutdown(int how, String name) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("shutdown");
        try {
            Results.check(SocketCalls.shutdown(cs.errno, raw, how), "shutdown", name, raw);
        } finally {
            fd.release();
        }
    }

    /** The bound address ({@code getsockname}). */
    public InetSocketAddress localAddress() throws ErrnoException {
        return name(true);
    }

    /** The peer's address ({@code getpeername}); {@code ENOTCONN} if not connected. */
    public InetSocketAddress remoteAddress() throws ErrnoException {
        return name(false);
    }

    private InetSocketAddress name(boolean local) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment sa = cs.scratch.asSlice(ADDR_OFF, SockAddrs.MAX_BYTES);
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, (int) SockAddrs.MAX_BYTES);
        String call = local ? "getsockname" : "getpeername";
        int raw = fd.acquire(call);
        try {
            int r = local ? SocketCalls.getsockname(cs.errno, raw, sa, len) : SocketCalls.getpeername(cs.errno, raw, sa, len);
            Results.check(r, call, raw);
            return SockAddrs.read(sa);
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

    /** Reads like {@link FileDescriptor#read(MemorySegment)}: bytes, EOF or WOULD_BLOCK. */
    public long read(MemorySegment dst) throws ErrnoException {
        return fd.read(dst);
    }

    /** Reads like {@link FileDescriptor#read(ByteBuffer)}. */
    public int read(ByteBuffer dst) throws ErrnoException {
        return fd.read(dst);
    }

    /** Scatter read, like {@link FileDescriptor#readv(IoVec)}. */
    public long readv(IoVec iov) throws ErrnoException {
        return fd.readv(iov);
    }

    /**
     * Writes with {@code send(MSG_NOSIGNAL)}.
     *
     * @return bytes written (possibly fewer than offered), or {@link FileDescriptor#WOULD_BLOCK}
     */
    public long write(MemorySegment src) throws ErrnoException {
        return write(src, 0, src.byteSize());
    }

    /**
     * Writes {@code length} bytes of {@code src} from {@code offset} with
     * {@code send(MSG_NOSIGNAL)}: for callers that reuse one buffer. Heap memory goes
     * through a per-thread off-heap staging buffer (up to its 64 KiB per call) and needs no
     * slice; off-heap memory is passed as a segment, so that its arena stays alive during
     * the call (a shared arena closed meanwhile fails the call instead of freeing memory
     * under it).
     *
     * @return bytes written (possibly fewer than offered), or {@link FileDescriptor#WOULD_BLOCK}
     */
    public long write(MemorySegment src, long offset, long length) throws ErrnoException {
        java.util.Objects.checkFromIndexSize(offset, length, src.byteSize());
        Memory.checkAlive(src, "send", fd.intValue());
        CallState cs = CallState.current();
        MemorySegment from;
        long len = length;
        if (src.isNative()) {
            from = offset == 0 && length == src.byteSize() ? src : src.asSlice(offset, length);
        } else {
            from = cs.bounce();
            len = Math.min(len, from.byteSize());
            MemorySegment.copy(src, offset, from, 0, len);
        }
        int raw = fd.acquire("send");
        try {
            long r;
            do {
                r = SocketCalls.send(cs.errno, raw, from, len, LibC.MSG_NOSIGNAL());
            } while (Results.interrupted(r));
            return transfer(r, "send");
        } finally {
            fd.release();
        }
    }

    /** Writes from {@code src}'s position and advances it; bytes or WOULD_BLOCK. */
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
        int raw = fd.acquire("sendmsg");
        try {
            long r;
            do {
                r = VectorCalls.sendmsg(cs.errno, raw, msg, LibC.MSG_NOSIGNAL(), keep);
            } while (Results.interrupted(r));
            return transfer(r, "sendmsg");
        } finally {
            fd.release();
        }
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code offset} without copying them
     * through user space ({@code sendfile}).
     *
     * @return bytes sent (possibly fewer), or {@link FileDescriptor#WOULD_BLOCK}
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
                    r = SocketCalls.sendfile(cs.errno, raw, in, off, count);
                } while (Results.interrupted(r));
                return transfer(r, "sendfile");
            } finally {
                fd.release();
            }
        } finally {
            file.release();
        }
    }

    // ---- options ----------------------------------------------------------------------

    public void setReuseAddress(boolean on) throws ErrnoException {
        setIntOption(LibC.SOL_SOCKET(), LibC.SO_REUSEADDR(), on ? 1 : 0, "SO_REUSEADDR");
    }

    public boolean reuseAddress() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_REUSEADDR(), "SO_REUSEADDR") != 0;
    }

    /** {@code SO_REUSEPORT}: several sockets may bind the same port; the kernel spreads connections. */
    public void setReusePort(boolean on) throws ErrnoException {
        setIntOption(LibC.SOL_SOCKET(), LibC.SO_REUSEPORT(), on ? 1 : 0, "SO_REUSEPORT");
    }

    public boolean reusePort() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_REUSEPORT(), "SO_REUSEPORT") != 0;
    }

    public void setTcpNoDelay(boolean on) throws ErrnoException {
        setIntOption(LibC.IPPROTO_TCP(), LibC.TCP_NODELAY(), on ? 1 : 0, "TCP_NODELAY");
    }

    public boolean tcpNoDelay() throws ErrnoException {
        return getIntOption(LibC.IPPROTO_TCP(), LibC.TCP_NODELAY(), "TCP_NODELAY") != 0;
    }

    public void setKeepAlive(boolean on) throws ErrnoException {
        setIntOption(LibC.SOL_SOCKET(), LibC.SO_KEEPALIVE(), on ? 1 : 0, "SO_KEEPALIVE");
    }

    public boolean keepAlive() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_KEEPALIVE(), "SO_KEEPALIVE") != 0;
    }

    /** {@code SO_SNDBUF} as requested; Linux doubles it and {@link #sendBufferSize()} reports that. */
    public void setSendBufferSize(int bytes) throws ErrnoException {
        setIntOption(LibC.SOL_SOCKET(), LibC.SO_SNDBUF(), bytes, "SO_SNDBUF");
    }

    public int sendBufferSize() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_SNDBUF(), "SO_SNDBUF");
    }

    /** {@code SO_RCVBUF} as requested; Linux doubles it and {@link #receiveBufferSize()} reports that. */
    public void setReceiveBufferSize(int bytes) throws ErrnoException {
        setIntOption(LibC.SOL_SOCKET(), LibC.SO_RCVBUF(), bytes, "SO_RCVBUF");
    }

    public int receiveBufferSize() throws ErrnoException {
        return getIntOption(LibC.SOL_SOCKET(), LibC.SO_RCVBUF(), "SO_RCVBUF");
    }

    /**
     * {@code SO_LINGER}: with {@code seconds} &ge; 0, close waits up to that long for unsent
     * data (0: close resets the connection); with -1, lingering is off (the default).
     */
    public void setLinger(int seconds) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment l = cs.scratch.asSlice(VAL_OFF, linger.layout());
        linger.l_onoff(l, seconds >= 0 ? 1 : 0);
        linger.l_linger(l, Math.max(seconds, 0));
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs.errno, raw, LibC.SOL_SOCKET(), LibC.SO_LINGER(), l, (int) linger.sizeof()),
                    "setsockopt", "SO_LINGER", raw);
        } finally {
            fd.release();
        }
    }

    /** The {@code SO_LINGER} seconds, or -1 when off. */
    public int linger() throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment l = cs.scratch.asSlice(VAL_OFF, linger.layout());
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, (int) linger.sizeof());
        int raw = fd.acquire("getsockopt");
        try {
            Results.check(SocketCalls.getsockopt(cs.errno, raw, LibC.SOL_SOCKET(), LibC.SO_LINGER(), l, len),
                    "getsockopt", "SO_LINGER", raw);
            return linger.l_onoff(l) != 0 ? linger.l_linger(l) : -1;
        } finally {
            fd.release();
        }
    }

    /** {@code setsockopt} of an int-valued option; {@code name} is used in errors. */
    public void setIntOption(int level, int option, int value, String name) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, 4);
        v.set(ValueLayout.JAVA_INT, 0, value);
        int raw = fd.acquire("setsockopt");
        try {
            Results.check(SocketCalls.setsockopt(cs.errno, raw, level, option, v, 4), "setsockopt", name, raw);
        } finally {
            fd.release();
        }
    }

    /** {@code getsockopt} of an int-valued option; {@code name} is used in errors. */
    public int getIntOption(int level, int option, String name) throws ErrnoException {
        CallState cs = CallState.current();
        MemorySegment v = cs.scratch.asSlice(VAL_OFF, 4);
        MemorySegment len = cs.scratch.asSlice(LEN_OFF, 4);
        len.set(ValueLayout.JAVA_INT, 0, 4);
        int raw = fd.acquire("getsockopt");
        try {
            Results.check(SocketCalls.getsockopt(cs.errno, raw, level, option, v, len), "getsockopt", name, raw);
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
