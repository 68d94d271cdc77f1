package dev.panio.internal.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.in_addr;
import dev.panio.internal.gen.sockaddr_in;
import dev.panio.internal.gen.sockaddr_in6;
import dev.panio.internal.gen.sockaddr_storage;
import dev.panio.internal.gen.sockaddr_un;
import dev.panio.net.UnixAddress;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.net.UnknownHostException;

/**
 * Converts between Java socket addresses ({@link InetSocketAddress}, {@link UnixAddress},
 * the JDK's {@link UnixDomainSocketAddress}) and {@code sockaddr_in}, {@code sockaddr_in6}
 * and {@code sockaddr_un} in off-heap memory. Ports and IPv4 addresses are stored in
 * network byte order.
 */
public final class SockAddrs {
    private SockAddrs() {}

    /** Bytes a caller must provide for any address this class writes or reads. */
    public static final long MAX_BYTES = sockaddr_storage.sizeof();

    /** Offset of {@code sun_path} in {@code sockaddr_un}. */
    private static final long SUN_PATH = sockaddr_un.sun_path$offset();

    /**
     * Writes {@code address} into {@code dst} as the sockaddr for a socket of family
     * {@code af} (an IPv4 address given to an {@code AF_INET6} socket becomes v4-mapped).
     *
     * @return the sockaddr's length
     * @throws IllegalArgumentException if the address does not suit the family, with
     *         {@code call} and {@code fd} in the message
     */
    public static int write(SocketAddress address, int af, MemorySegment dst, String call, int fd) {
        if (address instanceof UnixDomainSocketAddress jdk) address = UnixAddress.of(jdk);
        if (address instanceof UnixAddress unix) {
            if (af != LibC.AF_UNIX()) throw new IllegalArgumentException(where(call, fd) + ": a Unix address for an IP socket: " + unix);
            return writeUnix(unix, dst);
        }
        if (address instanceof InetSocketAddress inet) {
            if (af == LibC.AF_UNIX()) throw new IllegalArgumentException(where(call, fd) + ": an IP address for a Unix socket: " + inet);
            return write(inet, af, dst);
        }
        throw new IllegalArgumentException(where(call, fd) + ": unsupported address type "
                + (address == null ? "null" : address.getClass().getName()));
    }

    private static String where(String call, int fd) {
        return fd >= 0 ? call + "(fd=" + fd + ")" : call;
    }

    private static int writeUnix(UnixAddress unix, MemorySegment dst) {
        MemorySegment sa = dst.asSlice(0, sockaddr_un.layout());
        sa.fill((byte) 0);
        sockaddr_un.sun_family(sa, (short) LibC.AF_UNIX());
        if (unix.isUnnamed()) return (int) SUN_PATH; // autobind on bind; only the family
        byte[] name = unix.nameBytes();
        int at = unix.isAbstract() ? 1 : 0; // abstract: a leading NUL; path: the zeroed byte after it ends it
        MemorySegment.copy(name, 0, sa, ValueLayout.JAVA_BYTE, SUN_PATH + at, name.length);
        // abstract names are exactly as long as the length says; paths include their NUL
        return (int) (SUN_PATH + 1 + name.length);
    }

    /** Writes an IP address; see {@link #write(SocketAddress, int, MemorySegment, String, int)}. */
    public static int write(InetSocketAddress address, int af, MemorySegment dst) {
        if (address.isUnresolved()) {
            throw new IllegalArgumentException("address is unresolved (panio does no name lookups): " + address);
        }
        InetAddress ip = address.getAddress();
        short port = Short.reverseBytes((short) address.getPort());
        if (af == LibC.AF_INET()) {
            if (!(ip instanceof Inet4Address)) {
                throw new IllegalArgumentException("IPv6 address for an AF_INET socket: " + address);
            }
            MemorySegment sa = dst.asSlice(0, sockaddr_in.layout());
            sa.fill((byte) 0);
            sockaddr_in.sin_family(sa, (short) LibC.AF_INET());
            sockaddr_in.sin_port(sa, port);
            MemorySegment.copy(ip.getAddress(), 0, sockaddr_in.sin_addr(sa), ValueLayout.JAVA_BYTE, 0, 4);
            return (int) sockaddr_in.sizeof();
        }
        MemorySegment sa = dst.asSlice(0, sockaddr_in6.layout());
        sa.fill((byte) 0);
        sockaddr_in6.sin6_family(sa, (short) LibC.AF_INET6());
        sockaddr_in6.sin6_port(sa, port);
        byte[] raw = ip.getAddress();
        MemorySegment a6 = sockaddr_in6.sin6_addr(sa);
        if (raw.length == 4) { // ::ffff:a.b.c.d
            a6.set(ValueLayout.JAVA_BYTE, 10, (byte) 0xff);
            a6.set(ValueLayout.JAVA_BYTE, 11, (byte) 0xff);
            MemorySegment.copy(raw, 0, a6, ValueLayout.JAVA_BYTE, 12, 4);
        } else {
            MemorySegment.copy(raw, 0, a6, ValueLayout.JAVA_BYTE, 0, 16);
            if (ip instanceof Inet6Address v6) sockaddr_in6.sin6_scope_id(sa, v6.getScopeId());
        }
        return (int) sockaddr_in6.sizeof();
    }

    /**
     * Reads the sockaddr of {@code len} bytes at {@code src}: an {@link InetSocketAddress}
     * or a {@link UnixAddress}.
     */
    public static SocketAddress read(MemorySegment src, int len) {
        if (len >= 2 && sockaddr_storage.ss_family(src) == LibC.AF_UNIX()) {
            int n = (int) Math.min(Math.max(len - SUN_PATH, 0), sockaddr_un.sun_path$layout().byteSize());
            if (n == 0) return UnixAddress.unnamed();
            byte[] b = src.asSlice(SUN_PATH, n).toArray(ValueLayout.JAVA_BYTE);
            if (b[0] == 0) return UnixAddress.abstractName(java.util.Arrays.copyOfRange(b, 1, n));
            int end = 0;
            while (end < n && b[end] != 0) end++;
            return end == 0 ? UnixAddress.unnamed() : UnixAddress.ofPathBytes(java.util.Arrays.copyOf(b, end));
        }
        if (len < 2) return UnixAddress.unnamed(); // e.g. recvfrom on a socketpair: no name at all
        return read(src);
    }

    /** The port of the {@code len}-byte sockaddr at {@code src}, without making an address; -1 if it is not IP. */
    public static int port(MemorySegment src, int len) {
        if (len < 4) return -1;
        int family = Short.toUnsignedInt(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 0));
        if (family != LibC.AF_INET() && family != LibC.AF_INET6()) return -1;
        return Short.toUnsignedInt(Short.reverseBytes(src.get(ValueLayout.JAVA_SHORT_UNALIGNED, 2)));
    }

    /** Reads the {@code sockaddr_in} or {@code sockaddr_in6} at {@code src}. */
    public static InetSocketAddress read(MemorySegment src) {
        int family = sockaddr_storage.ss_family(src);
        try {
            if (family == LibC.AF_INET()) {
                byte[] ip = sockaddr_in.sin_addr(src).asSlice(0, in_addr.sizeof()).toArray(ValueLayout.JAVA_BYTE);
                int port = Short.toUnsignedInt(Short.reverseBytes(sockaddr_in.sin_port(src)));
                return new InetSocketAddress(InetAddress.getByAddress(ip), port);
            }
            if (family == LibC.AF_INET6()) {
                byte[] ip = sockaddr_in6.sin6_addr(src).toArray(ValueLayout.JAVA_BYTE);
                int port = Short.toUnsignedInt(Short.reverseBytes(sockaddr_in6.sin6_port(src)));
                int scope = sockaddr_in6.sin6_scope_id(src);
                InetAddress addr = scope != 0 ? Inet6Address.getByAddress(null, ip, scope) : InetAddress.getByAddress(ip);
                return new InetSocketAddress(addr, port);
            }
        } catch (UnknownHostException e) {
            throw new AssertionError("raw addresses of length 4 and 16 are always valid", e);
        }
        throw new IllegalArgumentException("not an IP socket address, family " + family);
    }
}
