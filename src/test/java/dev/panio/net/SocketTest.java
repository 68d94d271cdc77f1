package dev.panio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@NoFdLeaks
@Timeout(60)
class SocketTest {
    static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    static final InetSocketAddress V6 = new InetSocketAddress("::1", 0);

    /** A connected pair over loopback: {client, server side}. */
    static Socket[] connectedPair(InetSocketAddress where) throws Exception {
        try (Socket listener = Socket.listen(where, 16)) {
            Socket client = Socket.tcp(Socket.Family.of(where));
            if (!client.connect(listener.localAddress())) {
                awaitOne(client.fd(), Poll.POLLOUT);
                client.finishConnect();
            }
            awaitOne(listener.fd(), Poll.POLLIN);
            Socket server = listener.accept();
            assertNotNull(server);
            return new Socket[] {client, server};
        }
    }

    static short awaitOne(FileDescriptor fd, short events) throws Exception {
        try (Poll p = new Poll(1)) {
            p.add(fd, events, 0);
            assertEquals(1, p.poll(10_000), "fd never became ready for " + events);
            return p.revents(0);
        }
    }

    @Test
    void readOnIdleNonBlockingSocketIsWouldBlock() throws Exception {
        Socket[] pair = connectedPair(V4);
        try (Socket c = pair[0]; Socket s = pair[1]) {
            assertEquals(FileDescriptor.WOULD_BLOCK, c.read(ByteBuffer.allocateDirect(16)));
            assertEquals(FileDescriptor.WOULD_BLOCK, s.read(MemorySegment.ofArray(new byte[16])));
        }
    }

    @Test
    void acceptWithNothingPendingReturnsNull() throws Exception {
        try (Socket listener = Socket.listen(V4, 4)) {
            assertNull(listener.accept());
        }
    }

    @Test
    void nonBlockingConnectToClosedPortIsConnectionRefused() throws Exception {
        InetSocketAddress closed;
        try (Socket probe = Socket.tcp(Socket.Family.INET)) {
            probe.bind(V4); // reserve a port, never listen on it
            closed = (InetSocketAddress) probe.localAddress();
            try (Socket client = Socket.tcp(Socket.Family.INET)) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> {
                    if (!client.connect(closed)) {
                        awaitOne(client.fd(), Poll.POLLOUT);
                        client.finishConnect();
                    }
                });
                assertSame(Errno.ECONNREFUSED, e.errno());
                assertEquals("connect", e.call());
            }
        }
    }

    @Test
    void ipv6LoopbackAddressesOnBothEnds() throws Exception {
        Socket[] pair = connectedPair(V6);
        try (Socket c = pair[0]; Socket s = pair[1]) {
            assertEquals(Socket.Family.INET6, c.family());
            assertEquals(InetAddress.getByName("::1"), ((InetSocketAddress) c.remoteAddress()).getAddress());
            assertEquals(c.localAddress(), s.remoteAddress());
            assertEquals(s.localAddress(), c.remoteAddress());
        }
    }

    @Test
    void unconnectedSocketHasNoPeer() throws Exception {
        try (Socket s = Socket.tcp(Socket.Family.INET)) {
            ErrnoException e = assertThrows(ErrnoException.class, s::remoteAddress);
            assertSame(Errno.ENOTCONN, e.errno());
        }
    }

    @Test
    void optionsRoundTripThroughTheKernel() throws Exception {
        try (Socket s = Socket.tcp(Socket.Family.INET)) {
            s.setReuseAddress(true);
            assertTrue(s.reuseAddress());
            s.setReusePort(true);
            assertTrue(s.reusePort());
            s.setTcpNoDelay(true);
            assertTrue(s.tcpNoDelay());
            s.setKeepAlive(true);
            assertTrue(s.keepAlive());
            s.setSendBufferSize(64 * 1024);
            assertEquals(128 * 1024, s.sendBufferSize(), "Linux doubles SO_SNDBUF for bookkeeping");
            s.setReceiveBufferSize(64 * 1024);
            assertEquals(128 * 1024, s.receiveBufferSize());
            assertEquals(-1, s.linger());
            s.setLinger(3);
            assertEquals(3, s.linger());
            s.setLinger(-1);
            assertEquals(-1, s.linger());
        }
    }

    @Test
    void bindingAPortInUseIsEaddrinuse() throws Exception {
        try (Socket a = Socket.listen(V4, 1); Socket b = Socket.tcp(Socket.Family.INET)) {
            ErrnoException e = assertThrows(ErrnoException.class, () -> b.bind(a.localAddress()));
            assertSame(Errno.EADDRINUSE, e.errno());
            assertTrue(e.getMessage().contains("bind("), e.getMessage());
        }
    }

    /** 1 MiB of random bytes there and back through a small send buffer, so writes come out partial. */
    @Test
    void loopbackEchoOfOneMebibyteWithPartialWrites() throws Exception {
        byte[] data = new byte[1 << 20];
        new Random(42).nextBytes(data);
        Socket[] pair = connectedPair(V4);
        try (Socket c = pair[0]; Socket s = pair[1]; Arena arena = Arena.ofConfined(); Epoll ep = Epoll.open(8)) {
            c.setSendBufferSize(16 * 1024); // far below the 256 KiB offered per write
            c.setTcpNoDelay(true);
            s.setTcpNoDelay(true);
            MemorySegment src = arena.allocate(data.length);
            MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
            MemorySegment echoed = arena.allocate(data.length);
            MemorySegment relay = arena.allocate(64 * 1024);
            ep.add(c.fd(), Interest.READ.with(Interest.WRITE), 1);
            ep.add(s.fd(), Interest.READ.with(Interest.WRITE), 2);
            long sent = 0, back = 0, relayHead = 0, relayTail = 0;
            int partialWrites = 0;
            boolean clientShut = false;
            while (back < data.length) {
                int n = ep.epollWait(10_000);
                assertTrue(n > 0, "stalled at sent=" + sent + " back=" + back);
                for (int i = 0; i < n; i++) {
                    if (ep.data(i) == 1) {
                        if (sent < data.length) {
                            long want = Math.min(256 * 1024, data.length - sent);
                            long w = c.write(src.asSlice(sent, want));
                            if (w > 0) {
                                if (w < want) partialWrites++;
                                sent += w;
                            }
                        } else if (!clientShut) {
                            c.shutdownOutput();
                            clientShut = true;
                        }
                        long r = c.read(echoed.asSlice(back));
                        if (r > 0) back += r;
                    } else {
                        if (relayHead == relayTail) {
                            relayHead = relayTail = 0;
                            long r = s.read(relay);
                            if (r > 0) relayTail = r;
                        }
                        if (relayTail > relayHead) {
                            long w = s.write(relay.asSlice(relayHead, relayTail - relayHead));
                            if (w > 0) relayHead += w;
                        }
                    }
                }
            }
            assertArrayEquals(data, echoed.toArray(ValueLayout.JAVA_BYTE));
            assertTrue(partialWrites > 0, "small buffers must have forced partial writes");
        }
    }

    @Test
    void writingToAResetPeerFailsWithEpipeOrEconnresetNotASignal() throws Exception {
        Socket[] pair = connectedPair(V4);
        try (Socket c = pair[0]; Socket s = pair[1]) {
            s.setLinger(0); // close sends RST
            s.close();
            awaitOne(c.fd(), Poll.POLLIN);
            ByteBuffer chunk = ByteBuffer.allocateDirect(1024);
            ErrnoException e = assertThrows(ErrnoException.class, () -> {
                for (int i = 0; i < 100; i++) {
                    chunk.clear();
                    c.write(chunk);
                }
            });
            assertTrue(e.errno() == Errno.EPIPE || e.errno() == Errno.ECONNRESET, e.getMessage());
            assertEquals("send", e.call());
        }
    }

    @Test
    void closeWakesAThreadBlockedInAccept() throws Exception {
        Socket listener = Socket.tcp(Socket.Family.INET, false);
        listener.bind(V4);
        listener.listen(4);
        CompletableFuture<Throwable> blocked = CompletableFuture.supplyAsync(() -> {
            try {
                listener.accept(false);
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(100); // let it block in accept4
        int fd = listener.fd().intValue();
        listener.close();
        Throwable t = blocked.get(10, TimeUnit.SECONDS);
        assertTrue(t instanceof dev.panio.io.ClosedException, String.valueOf(t));
        assertEquals("accept4 on fd=" + fd + ": closed", t.getMessage());
        assertFalse(dev.panio.testkit.Fds.isOpen(fd), "the deferred close(2) ran when accept returned");
    }

    @Test
    void sendFileMovesFileBytesToTheSocket() throws Exception {
        byte[] content = new byte[100_000];
        new Random(7).nextBytes(content);
        Socket[] pair = connectedPair(V4);
        try (Socket c = pair[0]; Socket s = pair[1]; FileDescriptor file = LinuxFiles.memfd("sendfile-test", content.length)) {
            file.write(MemorySegment.ofArray(content)); // staged in 64 KiB pieces
            long written = file.write(MemorySegment.ofArray(content).asSlice(64 * 1024));
            assertEquals(content.length - 64 * 1024, written);
            long off = 0;
            byte[] got = new byte[content.length];
            int have = 0;
            while (have < content.length) {
                if (off < content.length) {
                    long n = s.sendFile(file, off, content.length - off);
                    if (n > 0) off += n;
                }
                long r = c.read(MemorySegment.ofArray(got).asSlice(have));
                if (r > 0) have += (int) r;
                else if (r == FileDescriptor.WOULD_BLOCK) awaitOne(c.fd(), Poll.POLLIN);
            }
            assertArrayEquals(content, got);
        }
    }
}
