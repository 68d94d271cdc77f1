package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Each {@link Peer} against the JDK's own sockets, which nobody here wrote: what the client's kernel reports. */
@NoFdLeaks
class PeerTest {
    @Test
    void echoSendsBackWhatItGets() throws Exception {
        try (Peer peer = Peer.echo(); java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            c.setSoTimeout(10_000);
            c.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
            assertArrayEquals("hello".getBytes(StandardCharsets.US_ASCII), c.getInputStream().readNBytes(5));
            assertEquals(5, peer.bytesReceived());
        }
    }

    /** A non-blocking writer to a peer that never reads: the kernel takes a bounded amount, then a write takes 0 (EAGAIN). */
    @Test
    void neverReadsFillsTheWindowSoAWriterMeetsEagain() throws Exception {
        try (Peer peer = Peer.neverReads(); SocketChannel c = SocketChannel.open(peer.address())) {
            c.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            int n = -1;
            for (int i = 0; i < 10_000 && n != 0; i++) {
                chunk.clear();
                n = c.write(chunk);
                total += n;
            }
            assertEquals(0, n, "a write would block");
            assertTrue(total < 16L << 20, "the kernel took a bounded amount before it pushed back: " + total);
            assertEquals(0, peer.bytesReceived(), "and the peer read none of it");
        }
    }

    @Test
    void resetsAfterMakesTheClientSeeAReset() throws Exception {
        try (Peer peer = Peer.resetsAfter(100); java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            c.setSoTimeout(10_000);
            c.getOutputStream().write(new byte[100]);
            SocketException e = assertThrows(SocketException.class, () -> c.getInputStream().read());
            assertTrue(e.getMessage().contains("reset"), e.getMessage());
            assertTrue(peer.bytesReceived() >= 100);
        }
    }

    @Test
    void halfClosesAfterEndsOneDirectionOnly() throws Exception {
        try (Peer peer = Peer.halfClosesAfter(3); java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            c.setSoTimeout(10_000);
            c.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            assertEquals(-1, c.getInputStream().read(), "the peer's side has ended");
            c.getOutputStream().write("defgh".getBytes(StandardCharsets.US_ASCII)); // this side still goes through
            for (int i = 0; i < 500 && peer.bytesReceived() < 8; i++) Thread.sleep(10);
            assertEquals(8, peer.bytesReceived());
        }
    }

    @Test
    void silentNeverAnswers() throws Exception {
        try (Peer peer = Peer.silent(); java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            c.setSoTimeout(300);
            c.getOutputStream().write("anyone?".getBytes(StandardCharsets.US_ASCII));
            assertThrows(SocketTimeoutException.class, () -> c.getInputStream().read());
            for (int i = 0; i < 500 && peer.bytesReceived() < 7; i++) Thread.sleep(10);
            assertEquals(7, peer.bytesReceived());
        }
    }

    @Test
    void tricklesArriveInManyReadsAndWhole() throws Exception {
        byte[] message = "a message, a byte at a time".getBytes(StandardCharsets.US_ASCII);
        try (Peer peer = Peer.trickles(message, 5); java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            c.setSoTimeout(10_000);
            InputStream in = c.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[1024];
            int reads = 0;
            for (int n; (n = in.read(buf)) > 0; reads++) got.write(buf, 0, n);
            assertArrayEquals(message, got.toByteArray());
            assertTrue(reads > 1, "it came in " + reads + " reads");
        }
    }

    @Test
    void closeEndsEveryConnectionItHolds() throws Exception {
        Peer peer = Peer.neverReads();
        try (java.net.Socket c = new java.net.Socket()) {
            c.connect(peer.address(), 5_000);
            for (int i = 0; i < 500 && peer.connectionsOpen() < 1; i++) Thread.sleep(10);
            assertEquals(1, peer.connectionsAccepted());
            peer.close();
            assertEquals(0, peer.connectionsOpen());
            c.setSoTimeout(10_000);
            try {
                assertEquals(-1, c.getInputStream().read(), "the client sees the end");
            } catch (IOException reset) {
                // or a reset, had the peer unread bytes: either way it is over
            }
        }
    }
}
