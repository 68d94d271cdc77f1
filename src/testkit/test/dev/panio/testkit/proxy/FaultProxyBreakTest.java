package dev.panio.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.panio.reactor.EventLoop;
import dev.panio.reactor.LoopMetrics;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.proxy.ProxiedConnection.Ending;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * An adversarial review's attempts to break the fault proxy (faults churned on a full-duplex
 * stream, stacked and removed in any order, closes and resets at awkward moments, bad
 * input), kept as tests: each states the behaviour it expects, and each of the defects it
 * found failed here before its fix.
 */
@NoFdLeaks
@Timeout(90)
class FaultProxyBreakTest {
    static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
    static final Duration WAIT = Duration.ofSeconds(20);

    // ---- helpers ------------------------------------------------------------------------------

    static byte[] randomBytes(int n, long seed) {
        byte[] b = new byte[n];
        new SplittableRandom(seed).nextBytes(b);
        return b;
    }

    static LoopMetrics metrics(FaultProxy p) {
        return p.loopMetrics();
    }

    static Link link(FaultProxy p, int index) {
        return p.linkAt(index);
    }

    /** SO_RCVBUF of the proxy's socket that reads the given direction's sender. */
    static int senderReceiveBuffer(FaultProxy p, Direction d) throws Exception {
        Link l = link(p, 0);
        return p.onLoop(() -> (d == Direction.TO_UPSTREAM ? l.toUpstream : l.toClient).from.getOption(StandardSocketOptions.SO_RCVBUF));
    }

    static void assertNoLoopFailures(FaultProxy p) throws ReflectiveOperationException {
        assertEquals(0, metrics(p).handlerFailures(), "exceptions thrown on the proxy's loop thread");
    }

    static void awaitHeld(FaultProxy p, Direction d, long atLeast) throws InterruptedException {
        for (int i = 0; i < 2000; i++) {
            if (p.connections().isEmpty()) {
                Thread.sleep(5);
                continue;
            }
            ProxiedConnection r = p.connections().get(0);
            if ((d == Direction.TO_CLIENT ? r.heldToClient() : r.heldToUpstream()) >= atLeast) return;
            Thread.sleep(5);
        }
        fail("the proxy never held " + atLeast + " bytes: " + p.connections().get(0));
    }

    /** Writes as much as a non-blocking channel takes now (up to {@code limit}); a short pause lets the window settle. */
    static long fill(SocketChannel c, long limit) throws Exception {
        c.configureBlocking(false);
        ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
        long total = 0;
        int zeros = 0;
        while (total < limit && zeros < 5) {
            chunk.clear();
            int n = c.write(chunk);
            total += n;
            if (n == 0) {
                zeros++;
                Thread.sleep(40);
            } else {
                zeros = 0;
            }
        }
        c.configureBlocking(true);
        return total;
    }


    /** A TCP server whose accept queue is full: a further connect gets no SYN-ACK and stays in SYN_SENT. */
    static final class BlackHole implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1, LOOPBACK);
        final List<Socket> fillers = new ArrayList<>();

        BlackHole() throws IOException {
            for (int i = 0; i < 3; i++) {
                Socket s = new Socket();
                try {
                    s.connect(server.getLocalSocketAddress(), 200);
                    fillers.add(s);
                } catch (IOException e) {
                    s.close(); // the queue is full already
                    break;
                }
            }
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            for (Socket s : fillers) s.close();
            server.close();
        }
    }

    /** A TCP server that, to each client, writes {@code payload}, shuts its output, and reads until the end. */
    static final class Sender implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 50, LOOPBACK);
        final Thread thread;

        Sender(byte[] payload) throws IOException {
            thread = Thread.ofPlatform().daemon().start(() -> {
                while (!server.isClosed()) {
                    try (Socket s = server.accept(); OutputStream out = s.getOutputStream(); InputStream in = s.getInputStream()) {
                        out.write(payload);
                        s.shutdownOutput();
                        in.transferTo(OutputStream.nullOutputStream());
                    } catch (IOException e) {
                        // closed, or reset by the proxy
                    }
                }
            });
        }

        InetSocketAddress address() {
            return (InetSocketAddress) server.getLocalSocketAddress();
        }

        @Override
        public void close() throws Exception {
            server.close();
            thread.join(5000);
        }
    }

    // ---- (1) bytes of a stream that goes on ----------------------------------------------------

    @Test
    void faultChurnOnBothDirectionsKeepsAFullDuplexStreamIntact() throws Exception {
        byte[] sent = randomBytes(24 << 20, 11);
        SplittableRandom rnd = new SplittableRandom(5);
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.builder(echo.address()).seed(3).start();
                SocketChannel c = SocketChannel.open(proxy.address())) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            ByteBuffer got = ByteBuffer.allocate(sent.length);
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    SplittableRandom r = new SplittableRandom(9);
                    for (int off = 0; off < sent.length; ) {
                        int n = Math.min(sent.length - off, 1 + r.nextInt(96 * 1024));
                        ByteBuffer b = ByteBuffer.wrap(sent, off, n);
                        while (b.hasRemaining()) c.write(b);
                        off += n;
                    }
                    c.shutdownOutput();
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    while (got.hasRemaining() && c.read(got) >= 0) {}
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            });
            List<FaultHandle> live = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            int actions = 0;
            while (reader.isAlive() && System.nanoTime() < deadline) {
                Direction d = rnd.nextBoolean() ? Direction.TO_CLIENT : Direction.TO_UPSTREAM;
                switch (rnd.nextInt(9)) {
                    case 0 -> live.add(proxy.add(d, Fault.latency(Duration.ofMillis(rnd.nextInt(6)), Duration.ofMillis(rnd.nextInt(4)))));
                    case 1 -> {
                        int avg = 1 + rnd.nextInt(3000);
                        live.add(proxy.add(d, new Fault.Slicer(avg, rnd.nextInt(avg), Duration.ofMillis(rnd.nextInt(2)))));
                    }
                    case 2 -> live.add(proxy.add(d, Fault.bandwidth(20_000_000 + rnd.nextInt(200_000_000))));
                    case 3 -> { // a stall for a moment
                        FaultHandle s = proxy.add(d, Fault.stall());
                        Thread.sleep(rnd.nextInt(30));
                        s.remove();
                    }
                    case 4 -> { // a zero window for a moment
                        FaultHandle z = proxy.add(d, new Fault.ZeroWindow(rnd.nextInt(1 << 20), 0));
                        Thread.sleep(rnd.nextInt(30));
                        z.remove();
                    }
                    case 5 -> live.add(proxy.add(d, Fault.slowClose(Duration.ofMillis(rnd.nextInt(3)))));
                    case 6 -> live.add(proxy.add(d, Fault.limitData(Long.MAX_VALUE / 2)));
                    case 7 -> { // change one
                        if (!live.isEmpty()) {
                            FaultHandle h = live.get(rnd.nextInt(live.size()));
                            Fault f = switch (h.fault()) {
                                case Fault.Latency l -> Fault.latency(Duration.ofMillis(rnd.nextInt(6)), Duration.ofMillis(rnd.nextInt(4)));
                                case Fault.Slicer s -> new Fault.Slicer(1 + rnd.nextInt(50), 0, Duration.ZERO);
                                case Fault.Bandwidth b -> Fault.bandwidth(20_000_000 + rnd.nextInt(200_000_000));
                                case Fault.LimitData l -> Fault.limitData(Long.MAX_VALUE / 3);
                                default -> h.fault();
                            };
                            h.change(f);
                        }
                    }
                    default -> { // remove one
                        if (!live.isEmpty()) live.remove(rnd.nextInt(live.size())).remove();
                    }
                }
                while (live.size() > 6) live.remove(0).remove();
                actions++;
                Thread.sleep(rnd.nextInt(15));
            }
            proxy.clearFaults();
            writer.join(30_000);
            reader.join(30_000);
            if (failure.get() != null) throw new AssertionError("after " + actions + " fault changes", failure.get());
            assertEquals(sent.length, got.position(), "bytes echoed");
            int mismatch = Arrays.mismatch(sent, got.array());
            assertEquals(-1, mismatch, "first differing byte after " + actions + " fault changes");
            c.close();
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(sent.length, r.bytesToUpstream(), r.toString());
            assertEquals(sent.length, r.bytesToClient(), r.toString());
            assertEquals(0, r.droppedToClient() + r.droppedToUpstream() + r.heldToClient() + r.heldToUpstream(), r.toString());
            assertNoLoopFailures(proxy);
        }
    }

    @Test
    void stackedFaultsRemovedInAnyOrderReleaseEverythingInOrder() throws Exception {
        byte[] chunk = randomBytes(300_000, 21);
        SplittableRandom rnd = new SplittableRandom(4);
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address())) {
            for (int round = 0; round < 6; round++) {
                try (SocketChannel c = SocketChannel.open(proxy.address())) {
                    List<FaultHandle> stack = new ArrayList<>(List.of(
                            proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofMillis(20), Duration.ofMillis(10))),
                            proxy.add(Direction.TO_CLIENT, Fault.stall()),
                            proxy.add(Direction.TO_CLIENT, new Fault.Slicer(5000, 4000, Duration.ZERO)),
                            proxy.add(Direction.TO_CLIENT, Fault.bandwidth(5_000_000)),
                            proxy.add(Direction.TO_CLIENT, Fault.zeroWindow(100_000)),
                            proxy.add(Direction.TO_UPSTREAM, Fault.stall()),
                            proxy.add(Direction.TO_UPSTREAM, new Fault.Slicer(700, 600, Duration.ZERO))));
                    Thread writer = Thread.ofPlatform().start(() -> {
                        try {
                            c.write(ByteBuffer.wrap(chunk));
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    ByteBuffer got = ByteBuffer.allocate(chunk.length);
                    Thread reader = Thread.ofPlatform().start(() -> {
                        try {
                            while (got.hasRemaining() && c.read(got) >= 0) {}
                        } catch (IOException ignored) {
                            // the assertion below says what was missing
                        }
                    });
                    while (!stack.isEmpty()) {
                        Thread.sleep(30);
                        stack.remove(rnd.nextInt(stack.size())).remove();
                    }
                    writer.join(20_000);
                    reader.join(20_000);
                    assertEquals(-1, Arrays.mismatch(chunk, got.array()), "round " + round + ": first differing byte");
                }
            }
            assertNoLoopFailures(proxy);
        }
    }

    // ---- (2) ends that never come --------------------------------------------------------------

    @Test
    void closingTheProxyDuringTheAcceptDelayRecordsTheConnectionAsProxyClosed() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            FaultProxy proxy = FaultProxy.builder(echo.address()).acceptDelay(Duration.ofSeconds(30)).start();
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                for (int i = 0; i < 400 && proxy.connections().isEmpty(); i++) Thread.sleep(5);
                proxy.close();
                assertEquals(-1, c.read(ByteBuffer.allocate(1)), "the client sees the proxy go");
            }
            // The Javadoc of close(): open connections are "recorded as PROXY_CLOSED".
            assertEquals(1, proxy.endedCount(), "records of ended connections after close");
            assertEquals(Ending.PROXY_CLOSED, proxy.awaitEnded(1, Duration.ofSeconds(2)).get(0).ending());
        }
    }

    @Test
    void awaitEndedAfterCloseTimesOutWithATimeoutException() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            FaultProxy proxy = FaultProxy.start(echo.address());
            proxy.close();
            // documented: TimeoutException if fewer have ended in the timeout
            assertThrows(TimeoutException.class, () -> proxy.awaitEnded(1, Duration.ofMillis(100)));
        }
    }

    @Test
    void closingTheProxyWhileItConnectsUpstreamRecordsTheConnection() throws Exception {
        try (BlackHole hole = new BlackHole()) {
            FaultProxy proxy = FaultProxy.builder(hole.address()).connectTimeout(Duration.ofSeconds(30)).start();
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                for (int i = 0; i < 400 && proxy.connections().isEmpty(); i++) Thread.sleep(5);
                Thread.sleep(100);
                assertEquals(null, proxy.connections().get(0).upstreamConnectedAt(), "still connecting");
                proxy.close();
                assertEquals(-1, c.read(ByteBuffer.allocate(1)));
            }
            ProxiedConnection r = proxy.awaitEnded(1, Duration.ofSeconds(2)).get(0);
            assertEquals(Ending.PROXY_CLOSED, r.ending(), r.toString());
        }
    }

    @Test
    void aClientResetWhileTheUpstreamConnectEndsTheRecordWithoutWaitingForTheConnectTimeout() throws Exception {
        try (BlackHole hole = new BlackHole();
                FaultProxy proxy = FaultProxy.builder(hole.address()).connectTimeout(Duration.ofSeconds(8)).start()) {
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                for (int i = 0; i < 400 && proxy.connections().isEmpty(); i++) Thread.sleep(5);
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
            }
            // bounded well under the 8 s connect timeout: the record does not wait for the connect
            ProxiedConnection r = proxy.awaitEnded(1, Duration.ofSeconds(4)).get(0);
            assertEquals(Ending.CLIENT_RESET, r.ending(), r.toString());
        }
    }

    /**
     * Reading of the client is suspended (a zero window on to-upstream); the client then shuts
     * its output and the upstream's end of stream is passed on: the proxy's client socket has
     * both directions shut (EPOLLHUP) while nothing reads it. The loop should sleep, not spin.
     */
    @Test
    void aHungUpSocketThatIsNotBeingReadDoesNotMakeTheLoopSpin() throws Exception {
        try (Sender server = new Sender("bye".getBytes()); FaultProxy proxy = FaultProxy.start(server.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_UPSTREAM, Fault.zeroWindow(0));
            ByteBuffer b = ByteBuffer.allocate(3);
            while (b.hasRemaining() && c.read(b) >= 0) {}
            assertEquals(-1, c.read(ByteBuffer.allocate(1)), "the upstream's end of stream came through");
            c.shutdownOutput();
            Thread.sleep(200);
            long before = metrics(proxy).turns();
            Thread.sleep(1000);
            long turns = metrics(proxy).turns() - before;
            assertTrue(turns < 1000, "the idle loop turned " + turns + " times in one second");
        }
    }

    // ---- (4) records and what faults do -----------------------------------------------------------

    @Test
    void removingOneOfTwoZeroWindowsKeepsTheOtherClosed() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            FaultHandle first = proxy.add(Direction.TO_UPSTREAM, Fault.zeroWindow(0));
            FaultHandle second = proxy.add(Direction.TO_UPSTREAM, Fault.zeroWindow(0));
            long before = fill(c, 64L << 20);
            long heldBefore = proxy.connections().get(0).heldToUpstream();
            first.remove();
            // The second zero window still holds: the proxy must not read the client again, so
            // what it holds must not grow (the client has megabytes queued in its send buffer).
            long held = heldBefore;
            for (int i = 0; i < 300 && held < 512 * 1024; i++) {
                Thread.sleep(10);
                held = proxy.connections().get(0).heldToUpstream();
            }
            assertTrue(held <= heldBefore + 64 * 1024, "with one zero window still on, the proxy read on: it held " + heldBefore
                    + " bytes, then " + held + " (the client had written " + before + ")");
            second.remove();
        }
    }

    @Test
    void removingTwoZeroWindowsGivesTheReceiveBufferBack() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            c.write(ByteBuffer.wrap(new byte[10]));
            c.read(ByteBuffer.allocate(10));
            int original = senderReceiveBuffer(proxy, Direction.TO_UPSTREAM);
            FaultHandle first = proxy.add(Direction.TO_UPSTREAM, new Fault.ZeroWindow(0, 4096));
            FaultHandle second = proxy.add(Direction.TO_UPSTREAM, new Fault.ZeroWindow(0, 4096));
            first.remove();
            second.remove();
            int now = senderReceiveBuffer(proxy, Direction.TO_UPSTREAM);
            assertTrue(now >= original, "SO_RCVBUF was " + original + ", is " + now + " after both zero windows were removed");
        }
    }

    @Test
    void aZeroWindowDoesNotShrinkTheWindowBeforeItsThreshold() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            c.write(ByteBuffer.wrap(new byte[10]));
            c.read(ByteBuffer.allocate(10));
            int original = senderReceiveBuffer(proxy, Direction.TO_UPSTREAM);
            proxy.add(Direction.TO_UPSTREAM, new Fault.ZeroWindow(1L << 40, 4096)); // "passes afterBytes, then stops reading"
            int now = senderReceiveBuffer(proxy, Direction.TO_UPSTREAM);
            assertTrue(now >= original, "SO_RCVBUF " + original + " -> " + now + " before the threshold");
        }
    }

    @Test
    void aStalledTimeoutRecordAddsUp() throws Exception {
        byte[] payload = randomBytes(3 << 20, 8);
        try (Sender server = new Sender(payload); FaultProxy proxy = FaultProxy.start(server.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_CLIENT, Fault.stall(Duration.ofMillis(500)));
            ByteBuffer b = ByteBuffer.allocate(payload.length);
            while (c.read(b) >= 0) {}
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertEquals(Ending.STALL_TIMEOUT, r.ending());
            assertEquals(0, r.heldToClient() + r.heldToUpstream(), r.toString());
            assertEquals(0, r.bytesToClient(), r.toString());
            assertTrue(r.droppedToClient() > 0, r.toString());
        }
    }

    @Test
    void aResetAfterAStallIsNotHeldForever() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(10));
            proxy.add(Direction.TO_CLIENT, Fault.stall(Duration.ofSeconds(1)));
            c.write(ByteBuffer.wrap(new byte[100]));
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            // the reset happened "once 10 bytes passed" the reset fault: it should be a reset
            assertEquals(Ending.RESET_BY_FAULT, r.ending(), r.toString());
        }
    }


    // ---- (4) every byte read is passed, dropped or held -------------------------------------------

    interface Scenario {
        void run(FaultProxy proxy, SocketChannel c) throws Exception;
    }

    /** Runs {@code s} on one connection through an echo, then checks the record against the loop's own count of bytes read. */
    static ProxiedConnection accounted(String name, Scenario s) throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            FaultProxy proxy = FaultProxy.start(echo.address());
            ProxiedConnection r;
            long read;
            try (proxy; SocketChannel c = SocketChannel.open(proxy.address())) {
                s.run(proxy, c);
                r = proxy.awaitEnded(1, WAIT).get(0);
                read = metrics(proxy).bytesRead();
            }
            long accounted = r.bytesToUpstream() + r.droppedToUpstream() + r.heldToUpstream() + r.bytesToClient() + r.droppedToClient()
                    + r.heldToClient();
            assertEquals(read, accounted, name + ": bytes read by the proxy vs passed + dropped + held in " + r);
            assertEquals(0, r.heldToClient() + r.heldToUpstream(), name + ": held at the end: " + r);
            return r;
        }
    }

    static void writeQuietly(SocketChannel c, int n) {
        try {
            c.write(ByteBuffer.wrap(randomBytes(n, n)));
        } catch (IOException ignored) {
            // the fault ended it
        }
    }

    static void drain(SocketChannel c) {
        try {
            ByteBuffer b = ByteBuffer.allocate(1 << 16);
            while (c.read(b) >= 0) b.clear();
        } catch (IOException ignored) {
            // reset: the end as well
        }
    }

    @Test
    void everyEndingAccountsForEveryByteRead() throws Exception {
        accounted("limit to-upstream", (p, c) -> {
            p.add(Direction.TO_UPSTREAM, Fault.limitData(700_000));
            Thread w = Thread.ofPlatform().start(() -> writeQuietly(c, 3 << 20));
            drain(c);
            w.join(20_000);
        });
        accounted("limit to-client", (p, c) -> {
            p.add(Direction.TO_CLIENT, Fault.limitData(700_000));
            Thread w = Thread.ofPlatform().start(() -> writeQuietly(c, 3 << 20));
            drain(c);
            w.join(20_000);
        });
        accounted("reset to-client behind latency", (p, c) -> {
            p.add(Direction.TO_CLIENT, Fault.latency(Duration.ofMillis(50)));
            p.add(Direction.TO_CLIENT, Fault.resetAfterBytes(500_000));
            Thread w = Thread.ofPlatform().start(() -> writeQuietly(c, 3 << 20));
            drain(c);
            w.join(20_000);
        });
        accounted("reset after time", (p, c) -> {
            p.add(Direction.TO_UPSTREAM, Fault.latency(Duration.ofMillis(200)));
            p.add(Direction.TO_CLIENT, Fault.resetAfter(Duration.ofMillis(100)));
            Thread w = Thread.ofPlatform().start(() -> writeQuietly(c, 3 << 20));
            drain(c);
            w.join(20_000);
        });
        accounted("client reset while a stall holds", (p, c) -> {
            p.add(Direction.TO_CLIENT, Fault.stall());
            c.write(ByteBuffer.wrap(randomBytes(200_000, 3)));
            awaitHeld(p, Direction.TO_CLIENT, 200_000);
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
            c.close();
        });
        accounted("half-close to-client", (p, c) -> {
            p.add(Direction.TO_CLIENT, Fault.halfClose(1000));
            c.write(ByteBuffer.wrap(randomBytes(300_000, 4)));
            drain(c);
            c.shutdownOutput();
        });
        accounted("zero window then the client goes", (p, c) -> {
            p.add(Direction.TO_UPSTREAM, Fault.zeroWindow(100_000));
            fill(c, 4 << 20);
            c.close();
        });
    }

    @Test
    void closingTheProxyWhileFaultsHoldBytesAccountsForThem() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            FaultProxy proxy = FaultProxy.start(echo.address());
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofSeconds(10)));
                c.write(ByteBuffer.wrap(randomBytes(100_000, 5)));
                awaitHeld(proxy, Direction.TO_CLIENT, 100_000);
                long read = metrics(proxy).bytesRead();
                proxy.close();
                ProxiedConnection r = proxy.awaitEnded(1, Duration.ofSeconds(2)).get(0);
                assertEquals(Ending.PROXY_CLOSED, r.ending());
                assertEquals(read, r.bytesToUpstream() + r.droppedToUpstream() + r.heldToUpstream() + r.bytesToClient()
                        + r.droppedToClient() + r.heldToClient(), r.toString());
                assertEquals(0, r.heldToClient(), "held at the end: " + r);
            }
        }
    }

    @Test
    void bytesCountedAsPassedToAResetClientWereWritten() throws Exception {
        byte[] payload = randomBytes(16 << 20, 6);
        try (Sender server = new Sender(payload); FaultProxy proxy = FaultProxy.start(server.address()); SocketChannel c = SocketChannel.open()) {
            c.setOption(StandardSocketOptions.SO_RCVBUF, 4096);
            c.connect(proxy.address());
            proxy.add(Direction.TO_CLIENT, Fault.resetAfter(Duration.ofMillis(1500)));
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0); // the client has not read yet
            long written = metrics(proxy).bytesWritten();
            assertEquals(Ending.RESET_BY_FAULT, r.ending());
            assertTrue(r.bytesToClient() <= written, "bytesToClient, \"bytes the proxy wrote to the client\": " + r.bytesToClient()
                    + "; the loop wrote " + written + " bytes in all");
        }
    }

    @Test
    void manyConnectionsUnderChurnStayIntact() throws Exception {
        int conns = 16;
        int size = 1 << 20;
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.builder(echo.address()).seed(8).start()) {
            List<Thread> threads = new ArrayList<>();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            for (int i = 0; i < conns; i++) {
                int id = i;
                threads.add(Thread.ofPlatform().start(() -> {
                    try (SocketChannel c = SocketChannel.open(proxy.address())) {
                        byte[] sent = randomBytes(size, id);
                        Thread w = Thread.ofPlatform().start(() -> writeQuietly(c, 0));
                        w.join();
                        Thread writer = Thread.ofPlatform().start(() -> {
                            try {
                                c.write(ByteBuffer.wrap(sent));
                                c.shutdownOutput();
                            } catch (IOException e) {
                                failure.compareAndSet(null, e);
                            }
                        });
                        ByteBuffer got = ByteBuffer.allocate(size);
                        while (got.hasRemaining() && c.read(got) >= 0) {}
                        writer.join();
                        if (Arrays.mismatch(sent, got.array()) != -1) throw new AssertionError("connection " + id + " differs at "
                                + Arrays.mismatch(sent, got.array()) + " of " + got.position());
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            SplittableRandom rnd = new SplittableRandom(1);
            List<FaultHandle> live = new ArrayList<>();
            while (threads.stream().anyMatch(Thread::isAlive)) {
                Direction d = rnd.nextBoolean() ? Direction.TO_CLIENT : Direction.TO_UPSTREAM;
                switch (rnd.nextInt(5)) {
                    case 0 -> live.add(proxy.add(d, Fault.latency(Duration.ofMillis(rnd.nextInt(5)), Duration.ofMillis(rnd.nextInt(3))), 0.5));
                    case 1 -> live.add(proxy.add(d, new Fault.Slicer(1 + rnd.nextInt(4000), 0, Duration.ZERO), 0.5));
                    case 2 -> live.add(proxy.add(d, Fault.stall(), 0.3));
                    case 3 -> live.add(proxy.add(d, Fault.bandwidth(5_000_000 + rnd.nextInt(50_000_000))));
                    default -> {
                        if (!live.isEmpty()) live.remove(rnd.nextInt(live.size())).remove();
                    }
                }
                while (live.size() > 4) live.remove(0).remove();
                Thread.sleep(10);
                if (live.stream().anyMatch(h -> h.fault() instanceof Fault.Stall) && rnd.nextInt(3) == 0) {
                    for (FaultHandle h : new ArrayList<>(live)) if (h.fault() instanceof Fault.Stall) { h.remove(); live.remove(h); }
                }
            }
            proxy.clearFaults();
            for (Thread t : threads) t.join(30_000);
            if (failure.get() != null) throw new AssertionError(failure.get());
            proxy.awaitEnded(conns, WAIT);
            assertNoLoopFailures(proxy);
        }
    }


    @Test
    void aUnixStreamProxyWithFaultsKeepsTheStreamAndResets() throws Exception {
        java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("fp-unix");
        java.nio.file.Path up = dir.resolve("up.sock");
        java.nio.file.Path front = dir.resolve("proxy.sock");
        try (java.nio.channels.ServerSocketChannel server = java.nio.channels.ServerSocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
            server.bind(java.net.UnixDomainSocketAddress.of(up));
            Thread echo = Thread.ofPlatform().daemon().start(() -> {
                while (server.isOpen()) {
                    try (SocketChannel s = server.accept()) {
                        ByteBuffer b = ByteBuffer.allocate(1 << 16);
                        while (s.read(b) >= 0) {
                            b.flip();
                            while (b.hasRemaining()) s.write(b);
                            b.clear();
                        }
                    } catch (IOException e) {
                        // reset, or closed at the end
                    }
                }
            });
            try (FaultProxy proxy = FaultProxy.builder(dev.panio.net.UnixAddress.of(up)).listenOn(dev.panio.net.UnixAddress.of(front)).start()) {
                byte[] sent = randomBytes(8 << 20, 12);
                try (SocketChannel c = SocketChannel.open(java.net.UnixDomainSocketAddress.of(front))) {
                    proxy.add(Direction.TO_CLIENT, new Fault.Slicer(3000, 2000, Duration.ZERO));
                    FaultHandle stall = proxy.add(Direction.TO_UPSTREAM, Fault.stall());
                    proxy.add(Direction.TO_UPSTREAM, Fault.zeroWindow(2 << 20));
                    Thread w = Thread.ofPlatform().start(() -> writeQuietly2(c, sent));
                    Thread.sleep(200);
                    stall.remove();
                    proxy.clearFaults();
                    ByteBuffer got = ByteBuffer.allocate(sent.length);
                    while (got.hasRemaining() && c.read(got) >= 0) {}
                    w.join(20_000);
                    assertEquals(-1, Arrays.mismatch(sent, got.array()), "first differing byte");
                }
                try (SocketChannel c = SocketChannel.open(java.net.UnixDomainSocketAddress.of(front))) {
                    proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(10));
                    c.write(ByteBuffer.wrap(new byte[100]));
                    drain(c);
                }
                List<ProxiedConnection> ended = proxy.awaitEnded(2, WAIT);
                assertEquals(Ending.RESET_BY_FAULT, ended.get(1).ending(), ended.toString());
                assertNoLoopFailures(proxy);
            } finally {
                server.close();
                echo.join(5000);
                java.nio.file.Files.deleteIfExists(up);
                java.nio.file.Files.deleteIfExists(front);
                java.nio.file.Files.deleteIfExists(dir);
            }
        }
    }

    static void writeQuietly2(SocketChannel c, byte[] b) {
        try {
            c.write(ByteBuffer.wrap(b));
        } catch (IOException ignored) {
            // the assertion on what came back says more
        }
    }

    @Test
    void aVeryLongStallIsRefusedOrWorksNotThrownOnTheLoop() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            c.write(ByteBuffer.wrap(new byte[3]));
            c.read(ByteBuffer.allocate(3));
            Duration forever = Duration.ofDays(365L * 300); // more nanoseconds than a long holds
            Fault.Stall stall;
            try {
                stall = Fault.stall(forever);
            } catch (IllegalArgumentException refused) {
                return; // refused with a reason: fine
            }
            RuntimeException thrown = null;
            try {
                proxy.add(Direction.TO_CLIENT, stall);
            } catch (RuntimeException e) {
                thrown = e;
            }
            // Whatever add did, it must not leave a fault behind that breaks the next connections.
            List<FaultHandle> left = proxy.faults();
            try (SocketChannel d = SocketChannel.open(proxy.address())) {
                d.write(ByteBuffer.wrap(new byte[3]));
                d.socket().setSoTimeout(2000);
                int n = d.socket().getInputStream().read(new byte[3]);
                assertTrue(thrown == null && n > 0, "add threw " + thrown + "; faults left: " + left + "; the next connection read " + n
                        + ", its record: " + proxy.connections().get(1));
            }
        }
    }

    @Test
    void aVeryLongLatencyIsRefusedOrWorksNotThrownOnTheLoop() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.start(echo.address());
                SocketChannel c = SocketChannel.open(proxy.address())) {
            Fault.Latency f;
            try {
                f = Fault.latency(Duration.ofDays(365L * 300));
            } catch (IllegalArgumentException refused) {
                return;
            }
            for (int i = 0; i < 400 && proxy.connections().isEmpty(); i++) Thread.sleep(5);
            try {
                proxy.add(Direction.TO_CLIENT, f);
            } catch (ArithmeticException e) {
                fail("add threw on a live connection", e);
            }
            c.write(ByteBuffer.wrap(new byte[3]));
            Thread.sleep(300);
            assertEquals(1, proxy.connections().size());
            assertTrue(proxy.connections().get(0).isOpen(), "the connection ended: " + proxy.connections().get(0));
            assertNoLoopFailures(proxy);
        }
    }

    @Test
    void aHugeSlicerIsRefusedOrWorks() throws Exception {
        Fault.Slicer huge;
        try {
            huge = new Fault.Slicer(Integer.MAX_VALUE, Integer.MAX_VALUE - 1, Duration.ZERO);
        } catch (IllegalArgumentException refused) {
            return;
        }
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK); FaultProxy proxy = FaultProxy.builder(echo.address()).seed(1).start()) {
            proxy.add(Direction.TO_CLIENT, huge);
            byte[] data = randomBytes(2000, 1);
            for (int i = 0; i < 8; i++) { // each draw overflows the int size with probability 1/2
                try (SocketChannel c = SocketChannel.open(proxy.address())) {
                    c.write(ByteBuffer.wrap(data));
                    ByteBuffer got = ByteBuffer.allocate(data.length);
                    try {
                        while (got.hasRemaining() && c.read(got) >= 0) {}
                    } catch (IOException e) {
                        // reset: the failure below says why
                    }
                }
            }
            assertNoLoopFailures(proxy);
        }
    }

    @Test
    void aSubMillisecondConnectTimeoutIsNotInfinite() throws Exception {
        try (BlackHole hole = new BlackHole();
                FaultProxy proxy = FaultProxy.builder(hole.address()).connectTimeout(Duration.ofNanos(500_000)).start();
                SocketChannel c = SocketChannel.open(proxy.address())) {
            ProxiedConnection r = proxy.awaitEnded(1, Duration.ofSeconds(5)).get(0);
            assertEquals(Ending.UPSTREAM_UNREACHABLE, r.ending());
        }
    }

    @Test
    void badArgumentsNameTheParameter() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Fault.Reset(-1, null));
        assertTrue(!e.getMessage().contains("not both"), "neither was given, the message says: " + e.getMessage());
    }

    @Test
    void removingAFaultAfterTheProxyClosedIsHarmless() throws Exception {
        try (JdkServers.Echo echo = new JdkServers.Echo(LOOPBACK)) {
            FaultProxy proxy = FaultProxy.start(echo.address());
            FaultHandle h = proxy.add(Direction.TO_CLIENT, Fault.stall());
            proxy.close();
            h.remove(); // "Harmless twice"; a finally block after the proxy's close does this
        }
    }
}
