package dev.panio.net;

import java.net.SocketOption;

/**
 * Linux socket options that the JDK's {@link java.net.StandardSocketOptions} do not cover,
 * for {@link Socket#setOption} and {@link Socket#getOption}. Each applies to some families
 * and types only (given below); any other socket refuses it with an
 * {@link UnsupportedOperationException} naming the option and the socket, before any call.
 * A value out of the option's range is refused with an {@link IllegalArgumentException}
 * naming both. What {@link Socket#getOption} returns is what the kernel reports.
 *
 * <p>The JDK options {@code SO_SNDBUF}, {@code SO_RCVBUF}, {@code SO_REUSEADDR},
 * {@code SO_REUSEPORT}, {@code SO_KEEPALIVE}, {@code SO_LINGER}, {@code SO_BROADCAST},
 * {@code TCP_NODELAY}, {@code IP_TOS}, {@code IP_MULTICAST_IF}, {@code IP_MULTICAST_TTL} and
 * {@code IP_MULTICAST_LOOP} are accepted as they are. ({@code IP_MULTICAST_IF} on an IPv4
 * socket is set by index and read back by the interface's address, as Linux reports it:
 * an interface with no IPv4 address reads back as null.)
 */
public final class LinuxSocketOptions {
    private LinuxSocketOptions() {}

    private record Option<T>(String name, Class<T> type) implements SocketOption<T> {
        @Override
        public String toString() {
            return name;
        }
    }

    /** {@code TCP_CORK}: hold partial segments until uncorked or 200 ms pass. TCP. */
    public static final SocketOption<Boolean> TCP_CORK = new Option<>("TCP_CORK", Boolean.class);
    /** {@code TCP_QUICKACK}: acknowledge at once for now (the kernel may turn it off again). TCP. */
    public static final SocketOption<Boolean> TCP_QUICKACK = new Option<>("TCP_QUICKACK", Boolean.class);
    /** {@code TCP_KEEPIDLE}: idle seconds before keepalive probes, 1 to 32767. TCP. */
    public static final SocketOption<Integer> TCP_KEEPIDLE = new Option<>("TCP_KEEPIDLE", Integer.class);
    /** {@code TCP_KEEPINTVL}: seconds between keepalive probes, 1 to 32767. TCP. */
    public static final SocketOption<Integer> TCP_KEEPINTVL = new Option<>("TCP_KEEPINTVL", Integer.class);
    /** {@code TCP_KEEPCNT}: unanswered probes before the connection is dropped, 1 to 127. TCP. */
    public static final SocketOption<Integer> TCP_KEEPCNT = new Option<>("TCP_KEEPCNT", Integer.class);
    /** {@code TCP_USER_TIMEOUT}: milliseconds sent data may stay unacknowledged before the connection is dropped; 0 is the system default. TCP. */
    public static final SocketOption<Integer> TCP_USER_TIMEOUT = new Option<>("TCP_USER_TIMEOUT", Integer.class);
    /** {@code TCP_NOTSENT_LOWAT}: unsent bytes below which the socket reports writable. TCP. */
    public static final SocketOption<Integer> TCP_NOTSENT_LOWAT = new Option<>("TCP_NOTSENT_LOWAT", Integer.class);
    /** {@code TCP_FASTOPEN}: the length of a listener's queue of Fast Open requests; 0 is off. TCP, set before listen. */
    public static final SocketOption<Integer> TCP_FASTOPEN = new Option<>("TCP_FASTOPEN", Integer.class);
    /** {@code TCP_FASTOPEN_CONNECT}: a client's connect defers the SYN to the first write and carries data in it. TCP. */
    public static final SocketOption<Boolean> TCP_FASTOPEN_CONNECT = new Option<>("TCP_FASTOPEN_CONNECT", Boolean.class);
    /** {@code TCP_DEFER_ACCEPT}: seconds a listener waits for data before accept returns a connection. TCP. */
    public static final SocketOption<Integer> TCP_DEFER_ACCEPT = new Option<>("TCP_DEFER_ACCEPT", Integer.class);
    /** {@code TCP_INFO}: the connection's state and counters; read-only. TCP. */
    public static final SocketOption<TcpInfo> TCP_INFO = new Option<>("TCP_INFO", TcpInfo.class);
    /** {@code SO_BUSY_POLL}: microseconds a blocking receive busy-polls the device before sleeping; raising it needs {@code CAP_NET_ADMIN}. IP. */
    public static final SocketOption<Integer> SO_BUSY_POLL = new Option<>("SO_BUSY_POLL", Integer.class);
    /** {@code SO_BINDTODEVICE}: only this interface (at most 15 bytes); the empty string unbinds. Needs {@code CAP_NET_RAW} unless unbinding. IP. */
    public static final SocketOption<String> SO_BINDTODEVICE = new Option<>("SO_BINDTODEVICE", String.class);
    /** {@code IPV6_V6ONLY}: an IPv6 socket does not also take IPv4 (v4-mapped) traffic. INET6, before bind. */
    public static final SocketOption<Boolean> IPV6_V6ONLY = new Option<>("IPV6_V6ONLY", Boolean.class);
    /** {@code IP_FREEBIND}: bind to an address not (yet) on this host. IP. */
    public static final SocketOption<Boolean> IP_FREEBIND = new Option<>("IP_FREEBIND", Boolean.class);
    /** {@code IP_TRANSPARENT}: bind to any address, for transparent proxies; needs {@code CAP_NET_ADMIN}. IP. */
    public static final SocketOption<Boolean> IP_TRANSPARENT = new Option<>("IP_TRANSPARENT", Boolean.class);
    /** {@code IPV6_TCLASS}: the traffic class of outgoing packets, 0 to 255 (-1: the default). INET6. */
    public static final SocketOption<Integer> IPV6_TCLASS = new Option<>("IPV6_TCLASS", Integer.class);
    /** {@code IP_PKTINFO}: each received datagram carries the address it was sent to ({@link MessageInfo#localAddress()}). INET datagram. */
    public static final SocketOption<Boolean> IP_PKTINFO = new Option<>("IP_PKTINFO", Boolean.class);
    /** {@code IPV6_RECVPKTINFO}: like {@link #IP_PKTINFO} for IPv6. INET6 datagram. */
    public static final SocketOption<Boolean> IPV6_RECVPKTINFO = new Option<>("IPV6_RECVPKTINFO", Boolean.class);
    /** {@code UDP_SEGMENT}: GSO: each send of more than this many bytes leaves as datagrams of this size (0: off), 0 to 65535. UDP. */
    public static final SocketOption<Integer> UDP_SEGMENT = new Option<>("UDP_SEGMENT", Integer.class);
    /** {@code UDP_GRO}: datagrams of one flow may arrive coalesced, with the segment size in {@link MessageInfo#segmentSize()}. UDP. */
    public static final SocketOption<Boolean> UDP_GRO = new Option<>("UDP_GRO", Boolean.class);
    /** {@code SO_PASSCRED}: each received message carries its sender's credentials ({@link MessageInfo#credentials()}). Unix. */
    public static final SocketOption<Boolean> SO_PASSCRED = new Option<>("SO_PASSCRED", Boolean.class);
    /** {@code SO_PEERCRED}: the connected peer's credentials when the connection was made; read-only. Unix. */
    public static final SocketOption<Credentials> SO_PEERCRED = new Option<>("SO_PEERCRED", Credentials.class);
}
