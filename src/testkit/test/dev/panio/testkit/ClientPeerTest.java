package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** Each misbehaving client does to a server written on the JDK's own channels what it says. */
@NoFdLeaks
class ClientPeerTest {
    static final Duration WAIT = Duration.ofSeconds(20);

    static ServerSocketChannel server() throws IOException {
        return ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 13 + 1);
        return b;
    }

    static byte[] readUntilEnd(SocketChannel s) throws IOException {
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(4096);
        while (s.read(b.clear()) > 0) all.write(b.array(), 0, b.position());
        return all.toByteArray();
    }

    @Test
    void aNeverReaderDrivesTheServersNonBlockingWritesToZero() throws Exception {
        try (ServerSocketChannel l = server(); ClientPeer c = ClientPeer.neverReads(l.getLocalAddress(), pattern(5));
                SocketChannel s = l.accept()) {
            assertArrayEquals(pattern(5), readN(s, 5));
            s.configureBlocking(false);
            long total = 0;
            int n = -1;
            for (int i = 0; i < 1_000 && n != 0; i++) total += n = s.write(ByteBuffer.allocate(64 * 1024));
            assertEquals(0, n, "the server's write took nothing once the client's window closed");
            assertTrue(total < 16L << 20, "within kilobytes of a small window, not " + total + " bytes");
            assertTrue(c.end().isEmpty());
        }
    }

    @Test
    void aResetAfterReadingFailsTheServersNextCalls() throws Exception {
        try (ServerSocketChannel l = server(); ClientPeer c = ClientPeer.resetsAfterReading(l.getLocalAddress(), new byte[0], 1000);
                SocketChannel s = l.accept()) {
            s.write(ByteBuffer.wrap(pattern(1000)));
            assertEquals(ClientPeer.End.BY_CLIENT, c.awaitEnd(WAIT));
            assertArrayEquals(pattern(1000), c.received());
            IOException e = assertThrows(IOException.class, () -> {
                for (int i = 0; i < 100; i++) { // the RST may take a write or a read to surface
                    s.write(ByteBuffer.allocate(1000));
                    Thread.sleep(5);
                }
            });
            assertTrue(e.getMessage().contains("reset") || e.getMessage().contains("Broken pipe"), e.getMessage());
        }
    }

    @Test
    void aHalfCloserStillGetsItsAnswer() throws Exception {
        try (ServerSocketChannel l = server(); ClientPeer c = ClientPeer.halfCloses(l.getLocalAddress(), pattern(300))) {
            try (SocketChannel s = l.accept()) {
                assertArrayEquals(pattern(300), readUntilEnd(s), "the request, then the client's end of stream");
                s.write(ByteBuffer.wrap("answer".getBytes()));
            }
            assertEquals(ClientPeer.End.END_OF_STREAM, c.awaitEnd(WAIT));
            assertArrayEquals("answer".getBytes(), c.received());
        }
    }

    @Test
    void aTricklerTakesManyReadsToPutTogether() throws Exception {
        byte[] request = "GET / HTTP/1.1\r\n\r\n".getBytes();
        try (ServerSocketChannel l = server(); ClientPeer c = ClientPeer.trickles(l.getLocalAddress(), request, 5)) {
            try (SocketChannel s = l.accept()) {
                ByteBuffer got = ByteBuffer.allocate(request.length);
                int reads = 0;
                while (got.hasRemaining()) {
                    if (s.read(got) < 0) break;
                    reads++;
                }
                assertArrayEquals(request, got.array());
                assertTrue(reads > 1, "came in " + reads + " read(s)");
            }
            assertEquals(ClientPeer.End.END_OF_STREAM, c.awaitEnd(WAIT));
        }
    }

    @Test
    void aSilentClientSeesAnOrderlyCloseAsTheEndAndALingerZeroCloseAsAReset() throws Exception {
        try (ServerSocketChannel l = server()) {
            try (ClientPeer c = ClientPeer.silent(l.getLocalAddress())) {
                l.accept().close();
                assertEquals(ClientPeer.End.END_OF_STREAM, c.awaitEnd(WAIT));
            }
            try (ClientPeer c = ClientPeer.silent(l.getLocalAddress())) {
                SocketChannel s = l.accept();
                s.setOption(StandardSocketOptions.SO_LINGER, 0);
                s.close();
                assertEquals(ClientPeer.End.RESET, c.awaitEnd(WAIT));
            }
        }
    }

    @Test
    void aSlowReaderGetsEverythingInOrder() throws Exception {
        byte[] answer = pattern(30_000);
        try (ServerSocketChannel l = server(); ClientPeer c = ClientPeer.readsSlowly(l.getLocalAddress(), new byte[0], 100_000)) {
            try (SocketChannel s = l.accept()) {
                s.write(ByteBuffer.wrap(answer));
            }
            assertEquals(ClientPeer.End.END_OF_STREAM, c.awaitEnd(WAIT));
            assertArrayEquals(answer, c.received());
        }
    }

    @Test
    void aSlowReadingServerPeerTakesEverything() throws Exception {
        try (Peer p = Peer.readsSlowly(100_000); SocketChannel s = SocketChannel.open(p.address())) {
            s.write(ByteBuffer.wrap(pattern(30_000)));
            for (int i = 0; i < 4_000 && p.bytesReceived() < 30_000; i++) Thread.sleep(5);
            assertEquals(30_000, p.bytesReceived());
        }
    }

    @Test
    void aRefusedConnectIsTheFactorysException() throws Exception {
        InetSocketAddress nobody;
        try (ServerSocketChannel l = server()) {
            nobody = (InetSocketAddress) l.getLocalAddress();
        }
        dev.panio.io.ErrnoException e = assertThrows(dev.panio.io.ErrnoException.class, () -> ClientPeer.silent(nobody));
        assertEquals(dev.panio.io.Errno.ECONNREFUSED, e.errno());
    }

    static byte[] readN(SocketChannel s, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) if (s.read(b) < 0) break;
        return b.array();
    }
}
