package dev.panio.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.TimerFd;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.TcpTable;
import dev.panio.testkit.proxy.ProxiedConnection.Ending;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.SocketException;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The fault proxy between the JDK's own clients ({@code HttpClient}, {@code SocketChannel})
 * and the JDK's own servers: each fault does to them what its Javadoc says, and the proxy's
 * records say the same.
 */
@NoFdLeaks
class FaultProxyTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Duration WAIT = Duration.ofSeconds(20);

    static HttpRequest get(FaultProxy p, String path, Duration timeout) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + path)).timeout(timeout).build();
    }

    static byte[] pattern(int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (i * 7 + 3);
        return b;
    }

    /** Reads exactly {@code n} bytes (blocking channel). */
    static byte[] readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) throw new IOException("end of stream after " + b.position() + " of " + n + " bytes");
        }
        return b.array();
    }

    @Test
    void withoutFaultsAnHttpExchangePassesUnchangedAndIsRecorded() throws Exception {
        try (JdkServers.Http server = new JdkServers.Http(LOOPBACK); FaultProxy proxy = FaultProxy.start(server.address())) {
            try (HttpClient client = HttpClient.newHttpClient()) {
                HttpResponse<byte[]> r = client.send(get(proxy, "/big", WAIT), HttpResponse.BodyHandlers.ofByteArray());
                assertEquals(200, r.statusCode());
                assertArrayEquals(JdkServers.Http.big(), r.body());
            }
            ProxiedConnection c = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(1, c.id());
            assertTrue(c.bytesToClient() > JdkServers.Http.BIG, "the body and the headers: " + c);
            assertTrue(c.bytesToUpstream() > 0, c.toString());
            assertEquals(0, c.droppedToClient() + c.droppedToUpstream(), c.toString());
            assertTrue(c.faults().isEmpty());
            assertTrue(c.ending() == Ending.CLIENT_CLOSED || c.ending() == Ending.UPSTREAM_CLOSED, c.toString());
        }
    }

    @Test
    void latencyMakesTheHttpClientsTimeoutFire() throws Exception {
        try (JdkServers.Http server = new JdkServers.Http(LOOPBACK); FaultProxy proxy = FaultProxy.start(server.address());
                HttpClient client = HttpClient.newHttpClient()) {
            FaultHandle slow = proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofSeconds(3), Duration.ofMillis(100)));
            // HttpClient documents HttpTimeoutException when no response arrives in the request's timeout
            assertThrows(HttpTimeoutException.class,
                    () -> client.send(get(proxy, "/hello", Duration.ofMillis(300)), HttpResponse.BodyHandlers.ofString()));
            slow.remove();
            assertEquals("hello", client.send(get(proxy, "/hello", WAIT), HttpResponse.BodyHandlers.ofString()).body());
            assertTrue(proxy.connections().get(0).hitBy(slow));
        }
    }

    @Test
    void aResetReachesTheClientAsConnectionResetAndLeavesNoTimeWait() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address())) {
            proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(10));
            int clientPort;
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                clientPort = ((java.net.InetSocketAddress) c.getLocalAddress()).getPort();
                c.write(ByteBuffer.wrap(pattern(100)));
                assertArrayEquals(java.util.Arrays.copyOf(pattern(100), 10), readFully(c, 10), "the bytes before the reset pass");
                // the JDK documents a reset as SocketException "Connection reset"; a FIN would read -1
                SocketException e = assertThrows(SocketException.class, () -> c.read(ByteBuffer.allocate(100)));
                assertTrue(e.getMessage().contains("reset"), e.getMessage());
            }
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.RESET_BY_FAULT, r.ending());
            assertEquals(10, r.bytesToClient());
            assertEquals(90, r.droppedToClient(), "what the upstream echoed past the reset");
            // an RST leaves no TIME_WAIT on either end of the client's connection (this one: an
            // earlier test's connection on one of these ports may still wait out its TIME_WAIT)
            for (TcpTable.Entry e : TcpTable.between(clientPort, ((java.net.InetSocketAddress) proxy.address()).getPort())) {
                assertNotEquals(dev.panio.net.TcpInfo.State.TIME_WAIT, e.state(), e.toString());
            }
        }
    }

    @Test
    void limitDataCuttingABodyIsAnErrorForTheHttpClientNotAShortBody() throws Exception {
        try (JdkServers.Http server = new JdkServers.Http(LOOPBACK); FaultProxy proxy = FaultProxy.start(server.address());
                HttpClient client = HttpClient.newHttpClient()) {
            proxy.add(Direction.TO_CLIENT, Fault.limitData(50_000));
            assertThrows(IOException.class, () -> client.send(get(proxy, "/big", WAIT), HttpResponse.BodyHandlers.ofByteArray()));
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.LIMIT_DATA, r.ending());
            assertEquals(50_000, r.bytesToClient());
        }
    }

    @Test
    void bandwidthHoldsTheRateAtEveryRead() throws Exception {
        long rate = 200_000;
        Fault.Bandwidth thin = Fault.bandwidth(rate);
        byte[] sent = pattern(300_000);
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_CLIENT, thin);
            Thread writer = Thread.ofVirtual().start(() -> {
                try {
                    c.write(ByteBuffer.wrap(sent));
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            // No bytes can have left the proxy before the first was written: the bound counts from then.
            long start = System.nanoTime();
            ByteBuffer got = ByteBuffer.allocate(sent.length);
            List<long[]> reads = new ArrayList<>();
            while (got.hasRemaining()) {
                if (c.read(got) < 0) break;
                reads.add(new long[] {System.nanoTime() - start, got.position()});
            }
            writer.join();
            assertArrayEquals(sent, got.array());
            for (long[] r : reads) {
                double allowed = thin.sliceBytes() + rate * (r[0] / 1e9);
                assertTrue(r[1] <= allowed, r[1] + " bytes read " + r[0] / 1e6 + " ms after the first write: more than the "
                        + rate + " B/s allow (" + (long) allowed + ")");
            }
        }
    }

    @Test
    void aZeroWindowDrivesANonBlockingWriterIntoPartialWritesAndLosesNothing() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            FaultHandle zero = proxy.add(Direction.TO_UPSTREAM, Fault.zeroWindow(0));
            c.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            long total = 0;
            boolean partial = false;
            for (int i = 0; i < 1_000 && !partial; i++) { // at most 64 MiB: the window closes long before
                chunk.clear();
                int n = c.write(chunk);
                total += n;
                partial = n < chunk.capacity();
                if (n == 0) break;
            }
            assertTrue(partial, "a write took less than it was given once the window closed");
            assertTrue(total < 32L << 20, "the window closed once the buffers were full, not after " + total + " bytes");
            int port = ((java.net.InetSocketAddress) c.getLocalAddress()).getPort();
            // the kernel's view: the client's socket still holds unsent bytes
            assertTrue(TcpTable.withPort(port).stream().anyMatch(e -> e.local().getPort() == port && e.sendQueue() > 0));
            zero.remove();
            c.configureBlocking(true);
            long echoed = 0;
            ByteBuffer back = ByteBuffer.allocate(64 * 1024);
            while (echoed < total) {
                back.clear();
                int n = c.read(back);
                if (n < 0) break;
                echoed += n;
            }
            assertEquals(total, echoed, "every byte the writer handed over came back once the fault was removed");
        }
    }

    @Test
    void aHalfCloseEndsOneDirectionAndTheOtherGoesOn() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_CLIENT, Fault.halfClose(0));
            assertEquals(-1, c.read(ByteBuffer.allocate(10)), "the client reads the end of the stream");
            c.write(ByteBuffer.wrap(pattern(5000)));
            for (int i = 0; i < 2000 && echo.received.get() < 5000; i++) Thread.sleep(5);
            assertEquals(5000, echo.received.get(), "the client's bytes still reach the upstream");
            c.shutdownOutput();
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(5000, r.bytesToUpstream());
            assertEquals(0, r.bytesToClient());
            assertEquals(5000, r.droppedToClient(), "the echo had nowhere to go");
        }
    }

    @Test
    void refusingGivesConnectionRefusedAndListeningAgainWorks() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address())) {
            proxy.refuse(true);
            assertThrows(ConnectException.class, () -> SocketChannel.open(proxy.address()).close());
            proxy.refuse(false);
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(pattern(3)));
                assertArrayEquals(pattern(3), readFully(c, 3));
            }
        }
    }

    @Test
    void anAcceptDelayHoldsTheFirstAnswerForTheDelay() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); TimerFd delay = TimerFd.open();
                FaultProxy proxy = FaultProxy.builder(echo.address()).acceptDelay(Duration.ofMillis(300)).start()) {
            delay.set(TimeUnit.MILLISECONDS.toNanos(300), 0); // armed before the connect: it expires no later than the proxy's delay ends
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(pattern(4)));
                assertArrayEquals(pattern(4), readFully(c, 4));
                assertEquals(1, delay.expirations(), "the answer came after the 300 ms the proxy held the connection");
            }
            assertEquals(0, proxy.awaitEnded(1, WAIT).get(0).droppedToUpstream());
        }
    }

    @Test
    void aStallWithATimeoutSwallowsTheAnswerThenCloses() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_CLIENT, Fault.stall(Duration.ofMillis(300)));
            c.write(ByteBuffer.wrap(pattern(10)));
            assertEquals(-1, c.read(ByteBuffer.allocate(10)), "nothing came; then the end of the stream");
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.STALL_TIMEOUT, r.ending());
            assertEquals(10, r.bytesToUpstream());
            assertEquals(0, r.bytesToClient());
            assertEquals(10, r.droppedToClient());
        }
    }

    @Test
    void aStallAddedLiveHoldsBytesAndRemovingItReleasesThemInOrder() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            c.write(ByteBuffer.wrap(pattern(3)));
            assertArrayEquals(pattern(3), readFully(c, 3), "live before the fault");
            FaultHandle stall = proxy.add(Direction.TO_CLIENT, Fault.stall());
            byte[] more = pattern(2000);
            c.write(ByteBuffer.wrap(more));
            for (int i = 0; i < 4000 && proxy.connections().get(0).heldToClient() < more.length; i++) Thread.sleep(5);
            assertEquals(more.length, proxy.connections().get(0).heldToClient(), "the proxy holds the echo");
            c.configureBlocking(false);
            assertEquals(0, c.read(ByteBuffer.allocate(10)), "none of it reached the client");
            c.configureBlocking(true);
            stall.remove();
            assertArrayEquals(more, readFully(c, more.length));
            assertEquals(0, proxy.connections().get(0).heldToClient());
        }
    }

    @Test
    void changingALimitLiveCutsAtTheNewLimit() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            FaultHandle limit = proxy.add(Direction.TO_UPSTREAM, Fault.limitData(1_000_000));
            c.write(ByteBuffer.wrap(pattern(5)));
            readFully(c, 5);
            limit.change(Fault.limitData(8));
            assertThrows(IllegalArgumentException.class, () -> limit.change(Fault.stall()));
            c.write(ByteBuffer.wrap(pattern(10)));
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.LIMIT_DATA, r.ending());
            assertEquals(8, r.bytesToUpstream());
            assertEquals(7, r.droppedToUpstream());
        }
    }

    @Test
    void theSameSeedHitsTheSameConnections() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            List<List<Long>> hits = new ArrayList<>();
            for (long seed : new long[] {42, 42, 7}) {
                try (FaultProxy proxy = FaultProxy.builder(echo.address()).seed(seed).start()) {
                    FaultHandle h = proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofMillis(1)), 0.5);
                    for (int i = 0; i < 24; i++) {
                        try (SocketChannel c = SocketChannel.open(proxy.address())) {
                            c.write(ByteBuffer.wrap(pattern(1)));
                            readFully(c, 1);
                        }
                    }
                    proxy.awaitEnded(24, WAIT);
                    hits.add(h.connectionsHit());
                    for (ProxiedConnection r : proxy.connections()) assertEquals(h.connectionsHit().contains(r.id()), r.hitBy(h));
                }
            }
            assertEquals(hits.get(0), hits.get(1), "seed 42 twice");
            assertNotEquals(hits.get(0), hits.get(2), "seed 7");
            assertFalse(hits.get(0).isEmpty() || hits.get(0).size() == 24, "toxicity 0.5 hits some, not all: " + hits.get(0));
        }
    }

    @Test
    void anUnreachableUpstreamClosesTheClientAndSaysWhy() throws Exception {
        java.net.InetSocketAddress nobody;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, LOOPBACK)) {
            nobody = (java.net.InetSocketAddress) s.getLocalSocketAddress();
        }
        try (FaultProxy proxy = FaultProxy.start(nobody); SocketChannel c = SocketChannel.open(proxy.address())) {
            assertEquals(-1, c.read(ByteBuffer.allocate(1)));
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.UPSTREAM_UNREACHABLE, r.ending());
            assertTrue(r.detail().contains("ECONNREFUSED"), r.detail());
            assertEquals(null, r.upstreamConnectedAt());
        }
    }

    @Test
    void aClientsResetIsPassedOnAsAReset() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address())) {
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(pattern(3)));
                readFully(c, 3);
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            assertEquals(Ending.CLIENT_RESET, proxy.awaitEnded(1, WAIT).get(0).ending());
        }
    }

    @Test
    void slicedRequestsStillGetWholeAnswers() throws Exception {
        try (JdkServers.Http server = new JdkServers.Http(LOOPBACK); FaultProxy proxy = FaultProxy.start(server.address());
                HttpClient client = HttpClient.newHttpClient()) {
            proxy.add(Direction.TO_UPSTREAM, new Fault.Slicer(3, 2, Duration.ofMillis(1)));
            proxy.add(Direction.TO_CLIENT, new Fault.Slicer(700, 600, Duration.ZERO));
            HttpResponse<byte[]> r = client.send(get(proxy, "/big", WAIT), HttpResponse.BodyHandlers.ofByteArray());
            assertArrayEquals(JdkServers.Http.big(), r.body());
        }
    }

    @Test
    void badFaultsAreRefusedWithTheReason() {
        assertThrows(IllegalArgumentException.class, () -> Fault.latency(Duration.ofMillis(-1)));
        assertThrows(IllegalArgumentException.class, () -> Fault.bandwidth(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Fault.Slicer(2, 2, Duration.ZERO));
        assertTrue(e.getMessage().contains("slicer size variation"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Fault.limitData(-1));
        assertThrows(IllegalArgumentException.class, () -> new Fault.Reset(10, Duration.ofSeconds(1)));
        assertThrows(IllegalArgumentException.class, () -> FaultProxy.builder(java.net.InetSocketAddress.createUnresolved("example.org", 80)));
    }
}
