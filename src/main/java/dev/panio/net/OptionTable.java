package dev.panio.net;

import dev.panio.internal.gen.LibC;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import java.util.HashMap;
import java.util.Map;

/**
 * Which level, name and value shape each typed option has, and which sockets it applies to.
 * One option may map to different names per family ({@code IP_TOS} is {@code IPV6_TCLASS}
 * on an IPv6 socket, as in the JDK).
 */
final class OptionTable {
    private OptionTable() {}

    enum Kind { BOOL, INT, LINGER, DEVICE, TCP_INFO, PEERCRED, MULTICAST_IF }

    // families and types as bit sets
    static final int INET = 1, INET6 = 2, IP = INET | INET6, UNIX = 4, ANY_FAMILY = IP | UNIX;
    static final int STREAM = 1, DATAGRAM = 2, SEQPACKET = 4, ANY_TYPE = STREAM | DATAGRAM | SEQPACKET;

    /**
     * One option on the sockets of {@code families} and {@code types}; {@code appliesTo} says
     * which in words, for the refusal.
     */
    record Spec(String cname, int level, int name, Kind kind, int min, int max, int families, int types,
            boolean readOnly, String appliesTo) {
        boolean fits(Socket.Family f, Socket.Type t) {
            return (families & bit(f)) != 0 && (types & bit(t)) != 0;
        }
    }

    private static final Map<SocketOption<?>, Spec[]> SPECS = new HashMap<>();

    private static void add(SocketOption<?> o, Spec... specs) {
        SPECS.put(o, specs);
    }

    private static Spec bool(String cname, int level, int name, int families, int types, String appliesTo) {
        return new Spec(cname, level, name, Kind.BOOL, 0, 1, families, types, false, appliesTo);
    }

    private static Spec integer(String cname, int level, int name, int min, int max, int families, int types, String appliesTo) {
        return new Spec(cname, level, name, Kind.INT, min, max, families, types, false, appliesTo);
    }

    static {
        int sol = LibC.SOL_SOCKET(), tcp = LibC.IPPROTO_TCP(), ip = LibC.IPPROTO_IP(), ip6 = LibC.IPPROTO_IPV6(), udp = LibC.SOL_UDP();
        String tcpOnly = "TCP sockets", udpOnly = "UDP sockets", ipAny = "IPv4 and IPv6 sockets", unix = "Unix sockets";
        String ipDgram = "IPv4 and IPv6 datagram sockets";
        add(StandardSocketOptions.SO_SNDBUF, integer("SO_SNDBUF", sol, LibC.SO_SNDBUF(), 0, Integer.MAX_VALUE / 2, ANY_FAMILY, ANY_TYPE, "every socket"));
        add(StandardSocketOptions.SO_RCVBUF, integer("SO_RCVBUF", sol, LibC.SO_RCVBUF(), 0, Integer.MAX_VALUE / 2, ANY_FAMILY, ANY_TYPE, "every socket"));
        add(StandardSocketOptions.SO_REUSEADDR, bool("SO_REUSEADDR", sol, LibC.SO_REUSEADDR(), IP, ANY_TYPE, ipAny));
        add(StandardSocketOptions.SO_REUSEPORT, bool("SO_REUSEPORT", sol, LibC.SO_REUSEPORT(), IP, ANY_TYPE, ipAny));
        add(StandardSocketOptions.SO_KEEPALIVE, bool("SO_KEEPALIVE", sol, LibC.SO_KEEPALIVE(), IP, STREAM, tcpOnly));
        add(StandardSocketOptions.SO_BROADCAST, bool("SO_BROADCAST", sol, LibC.SO_BROADCAST(), INET, DATAGRAM, "IPv4 datagram sockets"));
        add(StandardSocketOptions.SO_LINGER, new Spec("SO_LINGER", sol, LibC.SO_LINGER(), Kind.LINGER, -1, 65535,
                ANY_FAMILY, STREAM | SEQPACKET, false, "stream and seqpacket sockets"));
        add(StandardSocketOptions.TCP_NODELAY, bool("TCP_NODELAY", tcp, LibC.TCP_NODELAY(), IP, STREAM, tcpOnly));
        add(StandardSocketOptions.IP_TOS,
                integer("IP_TOS", ip, LibC.IP_TOS(), 0, 255, INET, ANY_TYPE, ipAny),
                integer("IPV6_TCLASS", ip6, LibC.IPV6_TCLASS(), 0, 255, INET6, ANY_TYPE, ipAny));
        add(StandardSocketOptions.IP_MULTICAST_TTL,
                integer("IP_MULTICAST_TTL", ip, LibC.IP_MULTICAST_TTL(), 0, 255, INET, DATAGRAM, ipDgram),
                integer("IPV6_MULTICAST_HOPS", ip6, LibC.IPV6_MULTICAST_HOPS(), 0, 255, INET6, DATAGRAM, ipDgram));
        add(StandardSocketOptions.IP_MULTICAST_LOOP,
                bool("IP_MULTICAST_LOOP", ip, LibC.IP_MULTICAST_LOOP(), INET, DATAGRAM, ipDgram),
                bool("IPV6_MULTICAST_LOOP", ip6, LibC.IPV6_MULTICAST_LOOP(), INET6, DATAGRAM, ipDgram));
        add(StandardSocketOptions.IP_MULTICAST_IF,
                new Spec("IP_MULTICAST_IF", ip, LibC.IP_MULTICAST_IF(), Kind.MULTICAST_IF, 0, 0, INET, DATAGRAM, false, ipDgram),
                new Spec("IPV6_MULTICAST_IF", ip6, LibC.IPV6_MULTICAST_IF(), Kind.MULTICAST_IF, 0, 0, INET6, DATAGRAM, false, ipDgram));

        add(LinuxSocketOptions.TCP_CORK, bool("TCP_CORK", tcp, LibC.TCP_CORK(), IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_QUICKACK, bool("TCP_QUICKACK", tcp, LibC.TCP_QUICKACK(), IP, STREAM, tcpOnly));
        // the kernel's limits: MAX_TCP_KEEPIDLE, MAX_TCP_KEEPINTVL, MAX_TCP_KEEPCNT
        add(LinuxSocketOptions.TCP_KEEPIDLE, integer("TCP_KEEPIDLE", tcp, LibC.TCP_KEEPIDLE(), 1, 32767, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_KEEPINTVL, integer("TCP_KEEPINTVL", tcp, LibC.TCP_KEEPINTVL(), 1, 32767, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_KEEPCNT, integer("TCP_KEEPCNT", tcp, LibC.TCP_KEEPCNT(), 1, 127, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_USER_TIMEOUT, integer("TCP_USER_TIMEOUT", tcp, LibC.TCP_USER_TIMEOUT(), 0, Integer.MAX_VALUE, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_NOTSENT_LOWAT, integer("TCP_NOTSENT_LOWAT", tcp, LibC.TCP_NOTSENT_LOWAT(), 0, Integer.MAX_VALUE, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_FASTOPEN, integer("TCP_FASTOPEN", tcp, LibC.TCP_FASTOPEN(), 0, Integer.MAX_VALUE, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_FASTOPEN_CONNECT, bool("TCP_FASTOPEN_CONNECT", tcp, LibC.TCP_FASTOPEN_CONNECT(), IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_DEFER_ACCEPT, integer("TCP_DEFER_ACCEPT", tcp, LibC.TCP_DEFER_ACCEPT(), 0, Integer.MAX_VALUE, IP, STREAM, tcpOnly));
        add(LinuxSocketOptions.TCP_INFO, new Spec("TCP_INFO", tcp, LibC.TCP_INFO(), Kind.TCP_INFO, 0, 0, IP, STREAM, true, tcpOnly));
        add(LinuxSocketOptions.SO_BUSY_POLL, integer("SO_BUSY_POLL", sol, LibC.SO_BUSY_POLL(), 0, Integer.MAX_VALUE, IP, ANY_TYPE, ipAny));
        add(LinuxSocketOptions.SO_BINDTODEVICE, new Spec("SO_BINDTODEVICE", sol, LibC.SO_BINDTODEVICE(), Kind.DEVICE, 0,
                LibC.IF_NAMESIZE() - 1, IP, ANY_TYPE, false, ipAny));
        add(LinuxSocketOptions.IPV6_V6ONLY, bool("IPV6_V6ONLY", ip6, LibC.IPV6_V6ONLY(), INET6, ANY_TYPE, "IPv6 sockets"));
        // Linux takes IP_FREEBIND and IP_TRANSPARENT at the IP level on IPv6 sockets too
        add(LinuxSocketOptions.IP_FREEBIND, bool("IP_FREEBIND", ip, LibC.IP_FREEBIND(), IP, ANY_TYPE, ipAny));
        add(LinuxSocketOptions.IP_TRANSPARENT, bool("IP_TRANSPARENT", ip, LibC.IP_TRANSPARENT(), IP, ANY_TYPE, ipAny));
        add(LinuxSocketOptions.IPV6_TCLASS, integer("IPV6_TCLASS", ip6, LibC.IPV6_TCLASS(), -1, 255, INET6, ANY_TYPE, "IPv6 sockets"));
        add(LinuxSocketOptions.IP_PKTINFO, bool("IP_PKTINFO", ip, LibC.IP_PKTINFO(), INET, DATAGRAM, "IPv4 datagram sockets"));
        add(LinuxSocketOptions.IPV6_RECVPKTINFO, bool("IPV6_RECVPKTINFO", ip6, LibC.IPV6_RECVPKTINFO(), INET6, DATAGRAM, "IPv6 datagram sockets"));
        add(LinuxSocketOptions.UDP_SEGMENT, integer("UDP_SEGMENT", udp, LibC.UDP_SEGMENT(), 0, 65535, IP, DATAGRAM, udpOnly));
        add(LinuxSocketOptions.UDP_GRO, bool("UDP_GRO", udp, LibC.UDP_GRO(), IP, DATAGRAM, udpOnly));
        add(LinuxSocketOptions.SO_PASSCRED, bool("SO_PASSCRED", sol, LibC.SO_PASSCRED(), UNIX, ANY_TYPE, unix));
        add(LinuxSocketOptions.SO_PEERCRED, new Spec("SO_PEERCRED", sol, LibC.SO_PEERCRED(), Kind.PEERCRED, 0, 0, UNIX, ANY_TYPE, true, unix));
    }

    /** The options {@link Socket#supportedOptions} lists. */
    static java.util.Set<SocketOption<?>> all() {
        return java.util.Collections.unmodifiableSet(SPECS.keySet());
    }

    /**
     * The spec of {@code option} for a socket of {@code family} and {@code type}.
     *
     * @throws UnsupportedOperationException if panio has no such option or it does not apply
     */
    static Spec lookup(SocketOption<?> option, Socket.Family family, Socket.Type type, String call, int fd) {
        if (option == null) throw new NullPointerException(call + "(fd=" + fd + "): option is null");
        Spec[] specs = SPECS.get(option);
        if (specs == null) {
            throw new UnsupportedOperationException(call + "(fd=" + fd + "): option " + option.name()
                    + " is not one panio knows (see LinuxSocketOptions)");
        }
        for (Spec s : specs) {
            if (s.fits(family, type)) return s;
        }
        throw new UnsupportedOperationException(call + "(fd=" + fd + "): " + option.name() + " does not apply to a "
                + family + " " + type + " socket (only to " + specs[0].appliesTo() + ")");
    }

    static int bit(Socket.Family f) {
        return switch (f) {
            case INET -> INET;
            case INET6 -> INET6;
            case UNIX -> UNIX;
        };
    }

    static int bit(Socket.Type t) {
        return switch (t) {
            case STREAM -> STREAM;
            case DATAGRAM -> DATAGRAM;
            case SEQPACKET -> SEQPACKET;
        };
    }
}
