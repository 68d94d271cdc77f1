package dev.panio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** UDP over loopback through the typed API: single datagrams, batches, GSO/GRO, pktinfo, multicast. */
@NoFdLeaks
@Timeout(120)
class DatagramTest {
    static final InetAddress LO4 = InetAddress.getLoopbackAddress();
    static final InetSocketAddress V4 = new InetSocketAddress(LO4, 0);
    static final InetSocketAddress V6 = new InetSocketAddress("::1", 0);
    /** The largest UDP payload over IPv4: 65535 - 20 (IP) - 8 (UDP). */
    static final int MAX_V4 = 65507;

    static Socket bound(InetSocketAddress where) throws ErrnoException {
        Socket s = Socket.udp(Socket.Family.of(where));
        try {
            s.bind(where);
            return s;
        } catch (ErrnoException | RuntimeException e) {
            s.close();
            throw e;
        }
    }

    static boolean await(FileDescriptor fd, short events, int millis) throws Exception {
        try (Poll p = new Poll(1)) {
            p.add(fd, events, 0);
            return p.poll(millis) == 1;
        }
    }

    static void fill(MemorySegment s, long len, int seed) {
        for (long i = 0; i < len; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 31 + i * 7));
    }

    static boolean matches(MemorySegment s, long len, int seed) {
        for (long i = 0; i < len; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != (byte) (seed * 31 + i * 7)) return false;
        }
        return true;
    }

    /** Echoes every datagram back to its sender with recvmmsg/sendmmsg until stopped. */
    static CompletableFuture<Long> batchEchoServer(Socket server, AtomicBoolean stop) {
        return CompletableFuture.supplyAsync(() -> {
            long echoed = 0;
            try (DatagramBatch batch = new DatagramBatch(64, 65535)) {
                while (!stop.get()) {
                    if (!await(server.fd(), Poll.POLLIN, 50)) continue;
                    int n = server.receiveBatch(batch);
                    if (n == FileDescriptor.WOULD_BLOCK) continue;
                    for (int i = 0; i < n; i++) {
                        if (batch.truncated(i)) throw new AssertionError("a 65535-byte slot truncated a datagram");
                        batch.setLength(i, batch.length(i)); // the sender is still in the slot's address
                    }
                    for (int sent = 0; sent < n; ) {
                        int r = server.sendBatch(batch, sent, n - sent);
                        if (r == FileDescriptor.WOULD_BLOCK) await(server.fd(), Poll.POLLOUT, 1000);
                        else sent += r;
                    }
                    echoed += n;
                }
                return echoed;
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    @Test
    void tenThousandDatagramsFromOneByteTo64KiBEchoExactlyWithNoLoss() throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        try (Socket server = bound(V4); Socket client = bound(V4); Arena arena = Arena.ofConfined()) {
            // room for the window below in each direction
            server.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            client.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            CompletableFuture<Long> echo = batchEchoServer(server, stop);
            SocketAddress to = server.localAddress();
            MemorySegment out = arena.allocate(MAX_V4);
            MemorySegment in = arena.allocate(65536);
            MessageInfo info = new MessageInfo(0);
            int total = 10_000, window = 16;
            int sent = 0, received = 0;
            long bytes = 0;
            while (received < total) {
                while (sent < total && sent - received < window) {
                    int len = size(sent);
                    fill(out, len, sent);
                    assertEquals(len, client.sendTo(out.asSlice(0, len), to), "sendto of datagram " + sent);
                    sent++;
                }
                assertTrue(await(client.fd(), Poll.POLLIN, 10_000), "echo of datagram " + received + " never came");
                long n = client.receiveFrom(in, info);
                if (n == FileDescriptor.WOULD_BLOCK) continue;
                assertEquals(size(received), n, "datagram " + received + " came back whole and in order");
                assertFalse(info.truncated());
                assertEquals(n, info.messageLength());
                assertEquals(to, info.sender());
                assertTrue(matches(in, n, received), "datagram " + received + " came back byte-exact");
                bytes += n;
                received++;
            }
            stop.set(true);
            assertEquals(total, echo.get(30, TimeUnit.SECONDS));
            assertTrue(bytes > 300_000_000L, "sizes spread up to 64 KiB: " + bytes);
        } finally {
            stop.set(true);
        }
    }

    /** 1, 2, ... then spread over the whole range up to the largest IPv4 datagram. */
    static int size(int i) {
        return i < 100 ? i + 1 : 1 + (int) ((i * 7919L) % MAX_V4);
    }

    @Test
    void aDatagramLongerThanTheBufferIsReportedTruncatedWithItsRealLength() throws Exception {
        try (Socket rx = bound(V4); Socket tx = bound(V4); Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(1000);
            fill(out, 1000, 5);
            MemorySegment small = arena.allocate(100);
            MessageInfo info = new MessageInfo();

            tx.sendTo(out, rx.localAddress());
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(100, rx.receiveFrom(small, info));
            assertTrue(info.truncated());
            assertEquals(100, info.length());
            assertEquals(1000, info.messageLength());
            assertTrue(matches(small, 100, 5));

            // a plain read never truncates silently
            tx.sendTo(out, rx.localAddress());
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            ErrnoException e = assertThrows(ErrnoException.class, () -> rx.read(small));
            assertEquals(Errno.EMSGSIZE, e.errno());
            assertTrue(e.getMessage().contains("1000") && e.getMessage().contains("100"), e.getMessage());

            // and a batch slot reports it too
            try (DatagramBatch batch = new DatagramBatch(4, 100)) {
                tx.sendTo(out.asSlice(0, 60), rx.localAddress());
                tx.sendTo(out, rx.localAddress());
                assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
                // loopback queues a datagram at the receiver before sendto returns
                assertEquals(2, rx.receiveBatch(batch));
                assertEquals(60, batch.length(0));
                assertFalse(batch.truncated(0));
                assertEquals(100, batch.length(1));
                assertEquals(1000, batch.datagramLength(1));
                assertTrue(batch.truncated(1));
            }
            // an empty datagram is a datagram, not end of stream
            tx.sendTo(out.asSlice(0, 0), rx.localAddress());
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(0, rx.read(small));
            assertEquals(FileDescriptor.WOULD_BLOCK, rx.read(small));
        }
    }

    @Test
    void recvmmsgTakesSixtyFourQueuedDatagramsInOneCall() throws Exception {
        try (Socket rx = bound(V4); Socket tx = bound(V4); Arena arena = Arena.ofConfined();
                DatagramBatch batch = new DatagramBatch(64, 2048)) {
            MemorySegment out = arena.allocate(2048);
            for (int i = 0; i < 64; i++) {
                fill(out, 100 + i, i);
                assertEquals(100 + i, tx.sendTo(out.asSlice(0, 100 + i), rx.localAddress()));
            }
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(64, rx.receiveBatch(batch), "all 64 in one recvmmsg");
            int txPort = tx.localPort();
            for (int i = 0; i < 64; i++) {
                assertEquals(100 + i, batch.length(i));
                assertEquals(100 + i, batch.datagramLength(i));
                assertTrue(matches(batch.buffer(i), 100 + i, i), "slot " + i);
                assertEquals(txPort, batch.senderPort(i));
                assertEquals(tx.localAddress(), batch.sender(i));
            }
            assertEquals(FileDescriptor.WOULD_BLOCK, rx.receiveBatch(batch));

            // sendmmsg to an address set per slot
            for (int i = 0; i < 10; i++) {
                batch.setTarget(i, rx.localAddress());
                batch.setLength(i, 10 + i);
            }
            assertEquals(10, tx.sendBatch(batch, 0, 10));
            for (int i = 0; i < 10; i++) assertEquals(10 + i, batch.length(i), "bytes sent from slot " + i);
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            MessageInfo info = new MessageInfo(0);
            for (int i = 0; i < 10; i++) {
                assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
                assertEquals(10 + i, rx.receiveFrom(out, info));
            }
        }
    }

    @Test
    void gsoSendsOneBufferAsSegmentsAndGroCoalescesThemWithTheSegmentSize() throws Exception {
        int seg = 1400, count = 46, total = seg * count; // 64,400 bytes
        try (Socket rx = bound(V4); Socket tx = bound(V4); Arena arena = Arena.ofConfined()) {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            tx.setOption(LinuxSocketOptions.UDP_SEGMENT, seg);
            assertEquals(seg, tx.getOption(LinuxSocketOptions.UDP_SEGMENT));
            MemorySegment out = arena.allocate(total);
            fill(out, total, 9);
            assertEquals(total, tx.sendTo(out, rx.localAddress()), "one sendto of 64,400 bytes");

            // without GRO: 46 datagrams of 1,400 bytes
            MemorySegment in = arena.allocate(65536);
            MessageInfo info = new MessageInfo(0);
            MemorySegment whole = arena.allocate(total);
            for (int i = 0; i < count; i++) {
                assertTrue(await(rx.fd(), Poll.POLLIN, 5000), "segment " + i);
                assertEquals(seg, rx.receiveFrom(in, info), "segment " + i + " is its own datagram");
                assertEquals(0, info.segmentSize());
                MemorySegment.copy(in, 0, whole, (long) i * seg, seg);
            }
            assertTrue(matches(whole, total, 9));
            assertFalse(await(rx.fd(), Poll.POLLIN, 0));

            // with GRO: the segments arrive coalesced, and the segment size says how to split them
            rx.setOption(LinuxSocketOptions.UDP_GRO, true);
            assertTrue(rx.getOption(LinuxSocketOptions.UDP_GRO));
            assertEquals(total, tx.sendTo(out, rx.localAddress()));
            long got = 0;
            int receives = 0;
            while (got < total) {
                assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
                long n = rx.receiveFrom(whole.asSlice(got), info);
                receives++;
                if (n > seg) assertEquals(seg, info.segmentSize(), "a coalesced datagram reports its segment size");
                got += n;
            }
            assertEquals(total, got);
            assertTrue(matches(whole, total, 9));
            assertTrue(receives < count, "GRO coalesced segments: " + receives + " receives for " + count + " segments");
        }
    }

    @Test
    void pktinfoGivesTheLocalAddressEachDatagramWasSentTo() throws Exception {
        try (Socket rx = Socket.udp(Socket.Family.INET); Socket tx = bound(V4); Arena arena = Arena.ofConfined()) {
            rx.setOption(LinuxSocketOptions.IP_PKTINFO, true);
            assertTrue(rx.getOption(LinuxSocketOptions.IP_PKTINFO));
            rx.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = rx.localPort();
            MemorySegment buf = arena.allocate(64);
            MessageInfo info = new MessageInfo(0);
            for (String dst : new String[] {"127.0.0.1", "127.0.0.2", "127.1.2.3"}) {
                tx.sendTo(buf.asSlice(0, 8), new InetSocketAddress(InetAddress.getByName(dst), port));
                assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
                assertEquals(8, rx.receiveFrom(buf, info));
                assertEquals(InetAddress.getByName(dst), info.localAddress(), "sent to " + dst);
                assertEquals(NetworkInterface.getByName("lo").getIndex(), info.localInterface());
            }
        }
        try (Socket rx = Socket.udp(Socket.Family.INET6); Socket tx = bound(V6); Arena arena = Arena.ofConfined()) {
            rx.setOption(LinuxSocketOptions.IPV6_RECVPKTINFO, true);
            rx.bind(new InetSocketAddress(InetAddress.getByName("::"), 0));
            MemorySegment buf = arena.allocate(64);
            MessageInfo info = new MessageInfo(0);
            tx.sendTo(buf.asSlice(0, 8), new InetSocketAddress("::1", rx.localPort()));
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(8, rx.receiveFrom(buf, info));
            assertEquals(InetAddress.getByName("::1"), info.localAddress());
            assertEquals(tx.localAddress(), info.sender());
        }
    }

    @Test
    void ipv6DatagramsAndAMappedIpv4PeerOnADualStackSocket() throws Exception {
        try (Socket rx = Socket.udp(Socket.Family.INET6); Socket tx6 = bound(V6); Socket tx4 = bound(V4);
                Arena arena = Arena.ofConfined()) {
            rx.bind(new InetSocketAddress(InetAddress.getByName("::"), 0));
            assertFalse(rx.getOption(LinuxSocketOptions.IPV6_V6ONLY));
            MemorySegment buf = arena.allocate(64);
            MessageInfo info = new MessageInfo(0);
            tx6.sendTo(buf.asSlice(0, 6), new InetSocketAddress("::1", rx.localPort()));
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(6, rx.receiveFrom(buf, info));
            assertEquals(tx6.localPort(), info.senderPort());

            tx4.sendTo(buf.asSlice(0, 4), new InetSocketAddress(LO4, rx.localPort()));
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000));
            assertEquals(4, rx.receiveFrom(buf, info));
            InetSocketAddress from = (InetSocketAddress) info.sender();
            // the JDK turns ::ffff:127.0.0.1 back into 127.0.0.1
            assertEquals(LO4, from.getAddress());
            assertEquals(tx4.localPort(), from.getPort());
            // and an answer to the mapped address reaches the IPv4 socket
            rx.sendTo(buf.asSlice(0, 3), from);
            assertTrue(await(tx4.fd(), Poll.POLLIN, 5000));
            assertEquals(3, tx4.receiveFrom(buf, info));
        }
    }

    @Test
    void aConnectedDatagramSocketReadsAndWritesItsPeerOnly() throws Exception {
        try (Socket a = bound(V4); Socket b = bound(V4); Socket stranger = bound(V4); Arena arena = Arena.ofConfined()) {
            a.connect(b.localAddress());
            b.connect(a.localAddress());
            assertEquals(b.localAddress(), a.remoteAddress());
            MemorySegment buf = arena.allocate(64);
            buf.setString(0, "ping");
            assertEquals(5, a.write(buf.asSlice(0, 5)));
            assertTrue(await(b.fd(), Poll.POLLIN, 5000));
            MemorySegment in = arena.allocate(64);
            assertEquals(5, b.read(in));
            assertEquals("ping", in.getString(0));
            // the kernel drops datagrams from anyone but the connected peer
            stranger.sendTo(buf.asSlice(0, 5), b.localAddress());
            a.write(buf.asSlice(0, 2));
            assertTrue(await(b.fd(), Poll.POLLIN, 5000));
            assertEquals(2, b.read(in), "only the peer's datagram arrives");
            assertEquals(FileDescriptor.WOULD_BLOCK, b.read(in));
        }
    }

    @Test
    void multicastJoinReceivesTheGroupAndLeaveStopsIt() throws Exception {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        InetAddress group = InetAddress.getByName("239.255.42.99");
        try (Socket rx = Socket.udp(Socket.Family.INET); Socket tx = bound(V4); Arena arena = Arena.ofConfined()) {
            rx.setReuseAddress(true);
            rx.bind(new InetSocketAddress(InetAddress.getByName("0.0.0.0"), 0));
            int port = rx.localPort();
            tx.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
            assertEquals(lo, tx.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            tx.setOption(StandardSocketOptions.IP_MULTICAST_LOOP, true);
            tx.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0); // never leaves the host
            assertEquals(0, tx.getOption(StandardSocketOptions.IP_MULTICAST_TTL));
            MemorySegment buf = arena.allocate(64);
            MessageInfo info = new MessageInfo(0);
            InetSocketAddress to = new InetSocketAddress(group, port);

            rx.joinGroup(group, lo);
            assertEquals(7, tx.sendTo(buf.asSlice(0, 7), to));
            assertTrue(await(rx.fd(), Poll.POLLIN, 5000), "a member receives the group's datagram");
            assertEquals(7, rx.receiveFrom(buf, info));
            assertEquals(tx.localPort(), info.senderPort());

            rx.leaveGroup(group, lo);
            assertEquals(7, tx.sendTo(buf.asSlice(0, 7), to));
            // a datagram the kernel delivers arrives within microseconds on loopback; wait long
            // enough that its absence means the kernel dropped it
            assertFalse(await(rx.fd(), Poll.POLLIN, 300), "after leaving, the group's datagrams are not delivered");

            ErrnoException twice = assertThrows(ErrnoException.class, () -> rx.leaveGroup(group, lo));
            assertTrue(twice.getMessage().contains("IP_DROP_MEMBERSHIP"), twice.getMessage());
            assertThrows(IllegalArgumentException.class, () -> rx.joinGroup(LO4, lo), "not a multicast address");
            assertThrows(IllegalArgumentException.class, () -> rx.joinGroup(InetAddress.getByName("ff02::1:3"), lo),
                    "an IPv6 group on an IPv4 socket");
        }
    }

    /**
     * IPv6 group membership on lo, as the kernel lists it in /proc/net/igmp6. Delivery is
     * not tried: Linux gives lo no IPv6 multicast route (lo lacks IFF_MULTICAST), and even
     * with one added by hand it does not loop IPv6 group traffic back over lo (checked with
     * Python's socket module too), so a datagram test would need a non-loopback interface.
     */
    @Test
    void ipv6MulticastMembershipOnLoopback() throws Exception {
        NetworkInterface lo = NetworkInterface.getByName("lo");
        InetAddress group = InetAddress.getByName("ff02::4242");
        String listed = "ff020000000000000000000000004242";
        try (Socket rx = Socket.udp(Socket.Family.INET6); Socket tx = Socket.udp(Socket.Family.INET6)) {
            rx.bind(new InetSocketAddress(InetAddress.getByName("::"), 0));
            tx.setOption(StandardSocketOptions.IP_MULTICAST_IF, lo);
            assertEquals(lo, tx.getOption(StandardSocketOptions.IP_MULTICAST_IF));
            tx.setOption(StandardSocketOptions.IP_MULTICAST_TTL, 0);
            assertEquals(0, tx.getOption(StandardSocketOptions.IP_MULTICAST_TTL), "IPV6_MULTICAST_HOPS");
            assertFalse(igmp6Lists("lo", listed));
            rx.joinGroup(group, lo);
            assertTrue(igmp6Lists("lo", listed), "the kernel lists the group on lo after the join");
            rx.leaveGroup(group, lo);
            assertFalse(igmp6Lists("lo", listed), "and not after the leave");
            ErrnoException twice = assertThrows(ErrnoException.class, () -> rx.leaveGroup(group, lo));
            assertTrue(twice.getMessage().contains("IPV6_LEAVE_GROUP"), twice.getMessage());
        }
    }

    static boolean igmp6Lists(String dev, String group) throws java.io.IOException {
        try (var lines = java.nio.file.Files.lines(java.nio.file.Path.of("/proc/net/igmp6"))) {
            return lines.map(l -> l.trim().split("\\s+")).anyMatch(f -> f.length > 2 && f[1].equals(dev) && f[2].equals(group));
        }
    }

    @Test
    void misuseIsRefusedBeforeAnyCall() throws Exception {
        try (Socket udp = bound(V4); Arena arena = Arena.ofConfined(); DatagramBatch batch = new DatagramBatch(2, 16)) {
            MemorySegment buf = arena.allocate(16);
            IllegalArgumentException unix = assertThrows(IllegalArgumentException.class,
                    () -> udp.sendTo(buf, UnixAddress.abstractName("x")));
            assertTrue(unix.getMessage().contains("sendto(fd=" + udp.fd().intValue() + ")"), unix.getMessage());
            assertThrows(IllegalArgumentException.class, () -> udp.sendTo(buf, InetSocketAddress.createUnresolved("localhost", 9)));
            assertThrows(IllegalArgumentException.class, () -> udp.sendTo(MemorySegment.ofArray(new byte[70_000]), udp.localAddress()));
            assertThrows(IndexOutOfBoundsException.class, () -> batch.setLength(0, 17));
            assertThrows(IndexOutOfBoundsException.class, () -> udp.receiveBatch(batch, 3));
            assertThrows(IllegalArgumentException.class, () -> new DatagramBatch(0, 10));
            assertThrows(IllegalArgumentException.class, () -> new DatagramBatch(2, 70_000));
            assertThrows(IllegalArgumentException.class, () -> Socket.listen(V4, Socket.Type.DATAGRAM, 1));
            MemorySegment readOnly = buf.asReadOnly();
            assertThrows(IllegalArgumentException.class, () -> udp.receiveFrom(readOnly, new MessageInfo(0)));
            // sendmmsg without a target on an unconnected socket: the kernel's EDESTADDRREQ
            batch.setLength(0, 4);
            ErrnoException e = assertThrows(ErrnoException.class, () -> udp.sendBatch(batch, 0, 1));
            assertEquals(Errno.EDESTADDRREQ, e.errno());
            batch.close();
            assertThrows(IllegalStateException.class, () -> udp.receiveBatch(batch));
        }
    }
}
