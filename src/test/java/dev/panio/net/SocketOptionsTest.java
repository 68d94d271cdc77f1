package dev.panio.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketOption;
import java.net.StandardSocketOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Every typed option set on a real socket and read back as the kernel has it; every misuse refused. */
@NoFdLeaks
@Timeout(60)
class SocketOptionsTest {
    static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    static <T> void roundTrip(Socket s, SocketOption<T> option, T value) throws Exception {
        s.setOption(option, value);
        assertEquals(value, s.getOption(option), option.name() + " on " + s);
    }

    @Test
    void tcpOptionsReadBackWhatWasSet() throws Exception {
        try (Socket s = Socket.tcp(Socket.Family.INET)) {
            for (boolean on : new boolean[] {true, false}) {
                roundTrip(s, StandardSocketOptions.TCP_NODELAY, on);
                roundTrip(s, StandardSocketOptions.SO_KEEPALIVE, on);
                roundTrip(s, StandardSocketOptions.SO_REUSEADDR, on);
                roundTrip(s, StandardSocketOptions.SO_REUSEPORT, on);
                roundTrip(s, LinuxSocketOptions.TCP_CORK, on);
                roundTrip(s, LinuxSocketOptions.TCP_FASTOPEN_CONNECT, on);
                roundTrip(s, LinuxSocketOptions.IP_FREEBIND, on);
            }
            roundTrip(s, LinuxSocketOptions.TCP_KEEPIDLE, 77);
            roundTrip(s, LinuxSocketOptions.TCP_KEEPINTVL, 13);
            roundTrip(s, LinuxSocketOptions.TCP_KEEPCNT, 5);
            roundTrip(s, LinuxSocketOptions.TCP_USER_TIMEOUT, 12_345);
            roundTrip(s, LinuxSocketOptions.TCP_NOTSENT_LOWAT, 16_384);
            roundTrip(s, StandardSocketOptions.SO_LINGER, 7);
            roundTrip(s, StandardSocketOptions.SO_LINGER, 0);
            roundTrip(s, StandardSocketOptions.SO_LINGER, -1);
            roundTrip(s, StandardSocketOptions.IP_TOS, 0x10);
            roundTrip(s, LinuxSocketOptions.SO_BUSY_POLL, 50);
            roundTrip(s, LinuxSocketOptions.SO_BINDTODEVICE, "lo");
            roundTrip(s, LinuxSocketOptions.SO_BINDTODEVICE, "");
            // the kernel doubles a buffer size for its own bookkeeping, and reports that
            s.setOption(StandardSocketOptions.SO_RCVBUF, 65_536);
            assertEquals(131_072, s.getOption(StandardSocketOptions.SO_RCVBUF));
            s.setOption(StandardSocketOptions.SO_SNDBUF, 65_536);
            assertEquals(131_072, s.getOption(StandardSocketOptions.SO_SNDBUF));
            // a deferred accept is kept as a number of SYN-ACK retransmissions: it reads back rounded up
            s.setOption(LinuxSocketOptions.TCP_DEFER_ACCEPT, 5);
            assertTrue(s.getOption(LinuxSocketOptions.TCP_DEFER_ACCEPT) >= 5);
        }
        try (Socket listener = Socket.tcp(Socket.Family.INET)) {
            listener.bind(V4);
            roundTrip(listener, LinuxSocketOptions.TCP_FASTOPEN, 16);
            listener.listen(8);
            assertEquals(16, listener.getOption(LinuxSocketOptions.TCP_FASTOPEN));
        }
    }

    @Test
    void privilegedOptionsWorkAsRootOrFailWithEperm() throws Exception {
        boolean root = Credentials.ofThisProcess().uid() == 0;
        try (Socket s = Socket.tcp(Socket.Family.INET)) {
            if (root) {
                roundTrip(s, LinuxSocketOptions.IP_TRANSPARENT, true);
            } else {
                dev.panio.io.ErrnoException e = assertThrows(dev.panio.io.ErrnoException.class,
                        () -> s.setOption(LinuxSocketOptions.IP_TRANSPARENT, true));
                assertEquals(dev.panio.io.Errno.EPERM, e.errno());
                assertTrue(e.getMessage().contains("IP_TRANSPARENT"), e.getMessage());
            }
        }
    }

    @Test
    void ipv6AndDatagramOptionsReadBackWhatWasSet() throws Exception {
        try (Socket s6 = Socket.tcp(Socket.Family.INET6)) {
            roundTrip(s6, LinuxSocketOptions.IPV6_V6ONLY, true);
            roundTrip(s6, LinuxSocketOptions.IPV6_V6ONLY, false);
            roundTrip(s6, LinuxSocketOptions.IPV6_TCLASS, 0x20);
            roundTrip(s6, StandardSocketOptions.IP_TOS, 0x28); // IPV6_TCLASS on an IPv6 socket, as in the JDK
            assertEquals(0x28, s6.getOption(LinuxSocketOptions.IPV6_TCLASS));
        }
        NetworkInterface lo = NetworkInterface.getByName("lo");
        try (Socket u = Socket.udp(Socket.Family.INET); Socket u6 = Socket.udp(Socket.Family.INET6)) {
            roundTrip(u, StandardSocketOptions.SO_BROADCAST, true);
            roundTrip(u, LinuxSocketOptions.IP_PKTINFO, true);
            roundTrip(u, LinuxSocketOptions.UDP_SEGMENT, 1200);
            roundTrip(u, LinuxSocketOptions.UDP_GRO, true);
            roundTrip(u, StandardSocketOptions.IP_MULTICAST_TTL, 3);
            roundTrip(u, StandardSocketOptions.IP_MULTICAST_LOOP, false);
            roundTrip(u, StandardSocketOptions.IP_MULTICAST_IF, lo);
            roundTrip(u6, LinuxSocketOptions.IPV6_RECVPKTINFO, true);
            roundTrip(u6, StandardSocketOptions.IP_MULTICAST_TTL, 4);
            roundTrip(u6, StandardSocketOptions.IP_MULTICAST_IF, lo);
        }
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM)) {
            roundTrip(p.first(), LinuxSocketOptions.SO_PASSCRED, true);
            assertEquals(Credentials.ofThisProcess(), p.first().getOption(LinuxSocketOptions.SO_PEERCRED));
            roundTrip(p.first(), StandardSocketOptions.SO_LINGER, 3);
        }
    }

    @Test
    void tcpInfoDescribesAnEstablishedConnection() throws Exception {
        try (Socket listener = Socket.listen(V4, 4); Socket client = Socket.tcp(Socket.Family.INET, false);
                Arena arena = Arena.ofConfined()) {
            client.connect(listener.localAddress());
            try (Socket server = listener.accept(false)) {
                assertEquals(TcpInfo.State.LISTEN, listener.getOption(LinuxSocketOptions.TCP_INFO).state());
                client.write(arena.allocate(1000));
                MemorySegment in = arena.allocate(1000);
                long got = 0;
                while (got < 1000) got += server.read(in.asSlice(got));
                TcpInfo c = client.getOption(LinuxSocketOptions.TCP_INFO);
                TcpInfo s = server.getOption(LinuxSocketOptions.TCP_INFO);
                assertEquals(TcpInfo.State.ESTABLISHED, c.state());
                assertEquals(1000, s.bytesReceived());
                assertEquals(1000, c.bytesSent());
                assertTrue(c.sendMss() > 0 && c.rttMicros() > 0 && c.sendCwnd() > 0, c.toString());
                client.shutdownOutput();
                assertEquals(FileDescriptor.EOF, server.read(in));
                assertEquals(TcpInfo.State.CLOSE_WAIT, server.getOption(LinuxSocketOptions.TCP_INFO).state());
            }
        }
    }

    /** A peer that never reads: its window closes, and the kernel probes it (the persist timer). */
    @Test
    void tcpInfoShowsAClosedWindowAndTheZeroWindowProbes() throws Exception {
        try (Socket listener = Socket.listen(V4, 4); Socket client = Socket.tcp(Socket.Family.INET, true);
                Arena arena = Arena.ofConfined()) {
            listener.setReceiveBufferSize(4096); // accepted sockets inherit it, and the window scale follows
            while (!client.connect(listener.localAddress())) Thread.sleep(1);
            try (Socket server = listener.accept(false)) {
                MemorySegment chunk = arena.allocate(64 * 1024);
                long n;
                int writes = 0;
                while ((n = client.write(chunk)) != FileDescriptor.WOULD_BLOCK && writes++ < 10_000) { }
                assertEquals(FileDescriptor.WOULD_BLOCK, n, "the send buffer filled behind the closed window");
                TcpInfo c = client.getOption(LinuxSocketOptions.TCP_INFO);
                for (int i = 0; i < 1000 && (c.probes() == 0 || c.sendWindow() != 0); i++) { // the first probe comes after an RTO (≥ 200 ms)
                    Thread.sleep(10);
                    c = client.getOption(LinuxSocketOptions.TCP_INFO);
                }
                assertTrue(c.probes() > 0, "zero-window probes sent: " + c);
                assertEquals(0, c.sendWindow(), c.toString());
                assertTrue(c.receiveWindowLimitedMicros() > 0, c.toString());
                assertTrue(client.unsentBytes() > 0 && server.unreadBytes() > 0, "both queues hold bytes");
            }
        }
    }

    @Test
    void queueSizesCountUnreadAndUnsentBytes() throws Exception {
        try (Socket listener = Socket.listen(V4, 4); Socket client = Socket.tcp(Socket.Family.INET, false);
                Arena arena = Arena.ofConfined()) {
            client.connect(listener.localAddress());
            try (Socket server = listener.accept(false)) {
                assertEquals(0, server.unreadBytes());
                client.write(arena.allocate(1234));
                try (Poll p = new Poll(1)) {
                    p.add(server.fd(), Poll.POLLIN, 0);
                    assertEquals(1, p.poll(5000));
                }
                assertEquals(1234, server.unreadBytes());
                server.read(arena.allocate(1000));
                assertEquals(234, server.unreadBytes());
            }
        }
        try (Socket.Pair p = Socket.pair(Socket.Type.DATAGRAM); Arena arena = Arena.ofConfined()) {
            p.first().write(arena.allocate(300));
            p.first().write(arena.allocate(20));
            assertTrue(p.first().unsentBytes() >= 320, "Unix: bytes the peer has not read, with overhead");
            assertEquals(300, p.second().unreadBytes(), "on a datagram socket: the next datagram's size");
        }
    }

    @Test
    void misuseIsRefusedNamingTheOptionAndTheSocket() throws Exception {
        try (Socket udp = Socket.udp(Socket.Family.INET); Socket tcp = Socket.tcp(Socket.Family.INET);
                Socket.Pair unix = Socket.pair(Socket.Type.STREAM)) {
            UnsupportedOperationException cork = assertThrows(UnsupportedOperationException.class,
                    () -> udp.setOption(LinuxSocketOptions.TCP_CORK, true));
            assertTrue(cork.getMessage().contains("TCP_CORK") && cork.getMessage().contains("INET DATAGRAM")
                    && cork.getMessage().contains("fd=" + udp.fd().intValue()), cork.getMessage());
            assertThrows(UnsupportedOperationException.class, () -> tcp.getOption(LinuxSocketOptions.UDP_GRO));
            assertThrows(UnsupportedOperationException.class, () -> tcp.getOption(LinuxSocketOptions.SO_PEERCRED));
            assertThrows(UnsupportedOperationException.class, () -> tcp.setOption(LinuxSocketOptions.IPV6_V6ONLY, true));
            assertThrows(UnsupportedOperationException.class, () -> unix.first().setOption(StandardSocketOptions.TCP_NODELAY, true));
            assertThrows(UnsupportedOperationException.class, () -> udp.setOption(StandardSocketOptions.SO_LINGER, 1));
            UnsupportedOperationException readOnly = assertThrows(UnsupportedOperationException.class,
                    () -> tcp.setOption(LinuxSocketOptions.TCP_INFO, null));
            assertTrue(readOnly.getMessage().contains("read-only"), readOnly.getMessage());
            SocketOption<Integer> unknown = new SocketOption<>() {
                public String name() {
                    return "SO_MADE_UP";
                }

                public Class<Integer> type() {
                    return Integer.class;
                }
            };
            assertThrows(UnsupportedOperationException.class, () -> tcp.setOption(unknown, 1));

            IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                    () -> tcp.setOption(LinuxSocketOptions.TCP_KEEPCNT, 0));
            assertTrue(range.getMessage().contains("TCP_KEEPCNT") && range.getMessage().contains("1..127"), range.getMessage());
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(LinuxSocketOptions.TCP_KEEPIDLE, 40_000));
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(StandardSocketOptions.SO_LINGER, -2));
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(StandardSocketOptions.SO_LINGER, 70_000));
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(StandardSocketOptions.SO_RCVBUF, -1));
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(StandardSocketOptions.IP_TOS, 256));
            assertThrows(IllegalArgumentException.class, () -> tcp.setOption(StandardSocketOptions.TCP_NODELAY, null));
            assertThrows(IllegalArgumentException.class, () -> udp.setOption(LinuxSocketOptions.UDP_SEGMENT, 70_000));
            IllegalArgumentException device = assertThrows(IllegalArgumentException.class,
                    () -> tcp.setOption(LinuxSocketOptions.SO_BINDTODEVICE, "a-name-of-16-chr"));
            assertTrue(device.getMessage().contains("15 bytes"), device.getMessage());
            assertThrows(NullPointerException.class, () -> tcp.getOption(null));
            // the kernel's own refusal names the option too
            dev.panio.io.ErrnoException noDevice = assertThrows(dev.panio.io.ErrnoException.class,
                    () -> tcp.setOption(LinuxSocketOptions.SO_BINDTODEVICE, "nosuchdev0"));
            assertTrue(noDevice.getMessage().contains("SO_BINDTODEVICE"), noDevice.getMessage());
        }
        assertTrue(Socket.supportedOptions().contains(LinuxSocketOptions.TCP_INFO));
        assertFalse(Socket.supportedOptions().isEmpty());
    }
}
