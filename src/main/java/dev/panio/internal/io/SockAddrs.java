package dev.panio.internal.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.in_addr;
import dev.panio.internal.gen.sockaddr_in;
import dev.panio.internal.gen.sockaddr_in6;
import dev.panio.internal.gen.sockaddr_storage;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Converts between {@link InetSocketAddress} and {@code sockaddr_in}/{@code sockaddr_in6}
 * in off-heap memory. Ports and IPv4 addresses are stored in network byte order.
 */
public final class SockAddrs {
    private SockAddrs() {}

    /** Bytes a caller must provide for any address this class writes or reads. */
    public static final long MAX_BYTES = sockaddr_storage.sizeof();

    /**
     * Writes {@code address} into {@code dst} as the sockaddr for a socket of family
     * {@code af} (an IPv4 address given to an {@code AF_INET6} socket becomes v4-mapped).
     *
     * @return the sockaddr's length
     */
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
