package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import dev.panio.net.UnixAddress;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Datagram channels on every backend: UDP and Unix, bound and connected, batches, backpressure, failures. */
@NoFdLeaks
@Timeout(120)
class ReactorDatagramTest {
    static final InetSocketAddress ANY = ReactorSuiteTest.ANY;

    static java.util.stream.Stream<Backend> backends() {
        return ReactorSuiteTest.backends();
    }

    /** Answers every datagram to its sender, without making an address object. */
    static class Echo implements DatagramHandler {
        final AtomicInteger errors = new AtomicInteger();
        final CompletableFuture<CloseCause> closed = new CompletableFuture<>();

        @Override
        public void onDatagram(DatagramChannel channel, MemorySegment data, DatagramSender sender) {
            channel.send(data, sender);
        }

        @Override
        public void onError(DatagramChannel channel, IOException error) {
            errors.incrementAndGet();
        }

        @Override
        public void onClose(DatagramChannel channel, CloseCause cause, IOException error) {
            closed.complete(cause);
        }
    }

    static boolean await(FileDescriptor fd, int millis) throws Exception {
        try (Poll p = new Poll(1)) {
            p.add(fd, Poll.POLLIN, 0);
            return p.poll(millis) == 1;
        }
    }

    static void fill(MemorySegment s, int len, int seed) {
        for (int i = 0; i < len; i++) s.set(ValueLayout.JAVA_BYTE, i, (byte) (seed * 17 + i));
    }

    static boolean matches(MemorySegment s, long len, int seed) {
        for (int i = 0; i < len; i++) {
            if (s.get(ValueLayout.JAVA_BYTE, i) != (byte) (seed * 17 + i)) return false;
        }
        return true;
    }

    /** Sends {@code count} datagrams from {@code client} to {@code to} in a window and checks every echo. */
    static void echoThrough(Socket client, SocketAddress to, int count, int maxSize) throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(maxSize);
            MemorySegment in = arena.allocate(65536);
            MessageInfo info = new MessageInfo(0);
            int sent = 0, got = 0;
            while (got < count) {
                while (sent < count && sent - got < 8) {
                    int len = 1 + (int) ((sent * 7919L) % maxSize);
                    fill(out, len, sent);
                    assertEquals(len, client.sendTo(out.asSlice(0, len), to));
                    sent++;
                }
                assertTrue(await(client.fd(), 10_000), "echo of datagram " + got + " never came");
                long n = client.receiveFrom(in, info);
                if (n == FileDescriptor.WOULD_BLOCK) continue;
                int len = 1 + (int) ((got * 7919L) % maxSize);
                assertEquals(len, n, "datagram " + got);
                assertTrue(matches(in, n, got), "datagram " + got + " byte-exact");
                got++;
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aBoundUdpChannelAnswersEverySenderByteExact(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            Echo echo = new Echo();
            SocketOptionSet big = SocketOptionSet.none().with(StandardSocketOptions.SO_RCVBUF, 2 << 20);
            try (DatagramEndpoint e = g.bindDatagram(ANY, () -> echo, big, false);
                    Socket client = Socket.udp(Socket.Family.INET)) {
                assertEquals(1, e.channels().size());
                assertTrue(e.port() > 0);
                client.setOption(StandardSocketOptions.SO_RCVBUF, 2 << 20);
                client.bind(ANY);
                echoThrough(client, e.localAddress(), 3000, 60_000);
                assertEquals(0, echo.errors.get());
                assertEquals(0, e.channels().get(0).droppedDatagrams());
                LoopMetrics m = g.metrics();
                assertTrue(m.reads() >= 3000 && m.writes() >= 3000, "datagrams counted in the loop metrics: " + m);
            }
            assertEquals(CloseCause.LOCAL, echo.closed.get(10, TimeUnit.SECONDS));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void emptyDatagramsArriveAndTheOnesAfterThemToo(Backend b) throws Exception {
        // io_uring: an empty datagram ends a multishot RECVMSG as a stream's end would; the channel arms it again
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Arena arena = Arena.ofConfined()) {
            Echo echo = new Echo();
            try (DatagramEndpoint e = g.bindDatagram(ANY, () -> echo); Socket client = Socket.udp(Socket.Family.INET)) {
                client.bind(ANY);
                MemorySegment in = arena.allocate(100);
                MessageInfo info = new MessageInfo(0);
                int[] sizes = {0, 5, 0, 0, 3, 0, 7};
                for (int size : sizes) {
                    assertEquals(size, client.sendTo(arena.allocate(Math.max(1, size)).asSlice(0, size), e.localAddress()));
                    assertTrue(await(client.fd(), 10_000), "the echo of a " + size + "-byte datagram never came");
                    assertEquals(size, client.receiveFrom(in, info));
                }
                assertEquals(0, echo.errors.get());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unixDatagramsPastTheChannelsLimitAreDroppedAndReportedTheSameOnEveryBackend(Backend b) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-dg-limit-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            java.util.List<String> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
            CompletableFuture<Void> last = new CompletableFuture<>();
            try (DatagramEndpoint e = g.bindDatagram(at, () -> new DatagramHandler() {
                @Override
                public void onDatagram(DatagramChannel c, MemorySegment data, DatagramSender s) {
                    seen.add(Long.toString(data.byteSize()));
                    if (data.byteSize() == 3) last.complete(null);
                }

                @Override
                public void onError(DatagramChannel c, IOException error) {
                    seen.add("EMSGSIZE " + (error instanceof dev.panio.io.ErrnoException ee && ee.errno() == dev.panio.io.Errno.EMSGSIZE));
                }
            }); Socket peer = Socket.unix(Socket.Type.DATAGRAM); Arena arena = Arena.ofConfined()) {
                peer.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
                for (int size : new int[] {65_535, 65_536, 65_584, 100_000, 3}) {
                    assertEquals(size, peer.sendTo(arena.allocate(size), at));
                }
                last.get(10, TimeUnit.SECONDS);
                assertEquals(java.util.List.of("65535", "EMSGSIZE true", "EMSGSIZE true", "EMSGSIZE true", "3"), seen);
                assertEquals(3, e.channels().get(0).droppedDatagrams());
            }
        }
    }

    /**
     * A Unix datagram over 64 KiB sent from another thread goes through the channel's queue
     * (a heap copy) and must arrive whole, as one sent straight from the loop does: the
     * socket once refused heap messages over its 64 KiB staging buffer, and the queued one
     * was lost after send had returned true.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aLargeUnixDatagramSentThroughTheQueueArrivesWhole(Backend b) throws Exception {
        UnixAddress to = UnixAddress.abstractName("panio-dg-big-rx-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts());
                Socket rx = Socket.unix(Socket.Type.DATAGRAM); Arena arena = Arena.ofConfined()) {
            rx.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 21);
            rx.bind(to);
            try (DatagramEndpoint e = g.bindDatagram(UnixAddress.abstractName("panio-dg-big-tx-" + b + "-" + System.nanoTime()),
                    () -> (c, d, from) -> { }, SocketOptionSet.none().with(StandardSocketOptions.SO_SNDBUF, 1 << 20), false)) {
                MemorySegment big = arena.allocate(100_000);
                big.set(ValueLayout.JAVA_BYTE, 99_999, (byte) 5);
                assertTrue(e.channels().get(0).send(big, to)); // off the loop thread: queued, then sent by the loop
                assertTrue(await(rx.fd(), 10_000));
                MemorySegment into = arena.allocate(200_000);
                assertEquals(100_000, rx.read(into));
                assertEquals(5, into.get(ValueLayout.JAVA_BYTE, 99_999));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aSocketPerLoopSpreadsSendersAndAnswersAll(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            Set<EventLoop> loopsUsed = java.util.concurrent.ConcurrentHashMap.newKeySet();
            try (DatagramEndpoint e = g.bindDatagram(ANY, () -> new Echo() {
                @Override
                public void onDatagram(DatagramChannel channel, MemorySegment data, DatagramSender sender) {
                    loopsUsed.add(channel.loop());
                    super.onDatagram(channel, data, sender);
                }
            }, SocketOptionSet.none(), true)) {
                assertEquals(g.loops().size(), e.channels().size());
                Set<Integer> ports = new HashSet<>();
                for (DatagramChannel c : e.channels()) ports.add(((InetSocketAddress) c.localAddress()).getPort());
                assertEquals(Set.of(e.port()), ports, "every channel on the one port");
                for (int i = 0; i < 16; i++) {
                    try (Socket client = Socket.udp(Socket.Family.INET)) {
                        client.bind(ANY);
                        echoThrough(client, e.localAddress(), 20, 1000);
                    }
                }
                assertFalse(loopsUsed.isEmpty());
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void anUnresolvedPeerIsRefusedOnTheCallersThreadAsAStreamConnectIs(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            SocketAddress nowhere = InetSocketAddress.createUnresolved("example.invalid", 53);
            IllegalArgumentException datagram = assertThrows(IllegalArgumentException.class,
                    () -> g.connectDatagram(nowhere, (ch, data, from) -> { }, SocketOptionSet.none(), null));
            IllegalArgumentException stream = assertThrows(IllegalArgumentException.class,
                    () -> g.connect(nowhere, new EchoHandler(), 5000));
            assertEquals(stream.getMessage(), datagram.getMessage());
            assertTrue(datagram.getMessage().contains("example.invalid") && datagram.getMessage().contains("unresolved"),
                    datagram.getMessage());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aConnectedChannelSendsToItsPeerAndHearsOnlyIt(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts());
                DatagramEndpoint server = g.bindDatagram(ANY, Echo::new);
                Socket stranger = Socket.udp(Socket.Family.INET)) {
            BlockingQueue<String> heard = new ArrayBlockingQueue<>(16);
            DatagramChannel c = g.connectDatagram(server.localAddress(), (ch, data, from) -> {
                heard.add(new String(data.toArray(ValueLayout.JAVA_BYTE)) + " from " + from.port());
            }, SocketOptionSet.none(), null).get(10, TimeUnit.SECONDS);
            assertEquals(server.localAddress(), c.remoteAddress());
            assertTrue(c.send(MemorySegment.ofArray("ping".getBytes())));
            assertEquals("ping from " + server.port(), heard.poll(10, TimeUnit.SECONDS));
            // the kernel drops datagrams from anyone but the peer
            stranger.sendTo(MemorySegment.ofArray("intruder".getBytes()), c.localAddress());
            c.send(MemorySegment.ofArray("pong".getBytes()));
            assertEquals("pong from " + server.port(), heard.poll(10, TimeUnit.SECONDS));
            assertEquals(null, heard.poll(200, TimeUnit.MILLISECONDS));
            c.close();
            assertThrows(IllegalStateException.class, () -> server.channels().get(0).send(MemorySegment.ofArray(new byte[1])),
                    "an unconnected channel needs a target");
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unixDatagramChannelsEchoAndQueueUnderBackpressureWithNothingLost(Backend b) throws Exception {
        UnixAddress serverName = UnixAddress.abstractName("panio-dgram-" + b + "-" + System.nanoTime());
        UnixAddress slowName = UnixAddress.abstractName("panio-slow-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts());
                DatagramEndpoint server = g.bindDatagram(serverName, Echo::new);
                Socket slow = Socket.unix(Socket.Type.DATAGRAM)) {
            assertEquals(serverName, server.localAddress());
            BlockingQueue<String> heard = new ArrayBlockingQueue<>(4);
            DatagramChannel c = g.connectDatagram(serverName, (ch, data, from) -> heard.add(new String(data.toArray(ValueLayout.JAVA_BYTE))),
                    SocketOptionSet.none(), null).get(10, TimeUnit.SECONDS);
            assertTrue(((UnixAddress) c.localAddress()).isAbstract(), "autobound so the server can answer");
            c.send(MemorySegment.ofArray("over unix".getBytes()));
            assertEquals("over unix", heard.poll(10, TimeUnit.SECONDS));
            c.close();

            // A Unix datagram sender blocks when the receiver's queue is full (UDP would drop):
            // the channel queues, says so, and delivers everything once the receiver reads.
            slow.bind(slowName);
            CompletableFuture<Void> writableAgain = new CompletableFuture<>();
            DatagramChannel s = g.connectDatagram(slowName, new DatagramHandler() {
                @Override
                public void onDatagram(DatagramChannel ch, MemorySegment data, DatagramSender from) { }

                @Override
                public void onWritable(DatagramChannel ch) {
                    writableAgain.complete(null);
                }
            }, SocketOptionSet.none(), null).get(10, TimeUnit.SECONDS);
            int total = 0;
            boolean pushedBack = false;
            MemorySegment msg = MemorySegment.ofArray(new byte[1000]);
            while (total < 5000 && !pushedBack) {
                msg.set(ValueLayout.JAVA_INT_UNALIGNED, 0, total++);
                pushedBack = !s.send(msg);
            }
            assertTrue(pushedBack, "the high watermark was reached after " + total + " datagrams");
            assertTrue(s.queuedBytes() > 0);
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment in = arena.allocate(2000);
                for (int i = 0; i < total; i++) {
                    assertTrue(await(slow.fd(), 10_000), "datagram " + i + " of " + total);
                    assertEquals(1000, slow.read(in));
                    assertEquals(i, in.get(ValueLayout.JAVA_INT_UNALIGNED, 0), "in order, none lost");
                }
            }
            writableAgain.get(10, TimeUnit.SECONDS);
            // the count drops on the loop thread just after the kernel took the last one, which
            // this thread may already have read
            for (int i = 0; i < 500 && s.queuedBytes() > 0; i++) Thread.sleep(10);
            assertEquals(0, s.queuedBytes());
            assertEquals(0, s.droppedDatagrams());
            s.close();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void anUnnamedSenderIsRefusedClearlyAndAPeerWithAFullQueueCostsNoSpin(Backend b) throws Exception {
        UnixAddress name = UnixAddress.abstractName("panio-full-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts());
                DatagramEndpoint server = g.bindDatagram(name, Echo::new);
                Socket anonymous = Socket.unix(Socket.Type.DATAGRAM);
                Socket slow = Socket.unix(Socket.Type.DATAGRAM);
                Arena arena = Arena.ofConfined()) {
            DatagramChannel channel = server.channels().get(0);
            // an unbound sender has no address to answer: the reply is refused in the handler,
            // which the loop counts, and the channel goes on
            anonymous.sendTo(arena.allocate(1), name);
            ReactorSuiteTest.awaitFailures(g, 1);
            assertTrue(channel.isOpen());
            // A peer that does not read fills its queue (max_dgram_qlen); the answers wait in the
            // channel's queue. An unconnected Unix datagram socket reports itself writable all the
            // same: waiting on that would spin the loop.
            slow.bind(UnixAddress.abstractName("panio-slow-" + b + "-" + System.nanoTime()));
            int sent = 60;
            for (int i = 0; i < sent; i++) {
                MemorySegment m = arena.allocate(8);
                m.set(ValueLayout.JAVA_INT_UNALIGNED, 0, i);
                // the server's own queue holds 10 until it reads them: wait for room, bounded
                for (int tries = 0; slow.sendTo(m, name) == FileDescriptor.WOULD_BLOCK; tries++) {
                    assertTrue(tries < 5_000, "the server stopped reading");
                    Thread.sleep(1);
                }
            }
            for (int i = 0; i < 500 && channel.queuedBytes() == 0; i++) Thread.sleep(10);
            assertTrue(channel.queuedBytes() > 0, "the answers are queued");
            long turns0 = g.metrics().turns();
            Thread.sleep(1000);
            long turns = g.metrics().turns() - turns0;
            assertTrue(turns < 2_000, turns + " loop turns in a second with the queue stuck: the channel spins");
            // the peer reads: every answer arrives, in order
            MemorySegment in = arena.allocate(64);
            for (int i = 0; i < sent; i++) {
                assertTrue(await(slow.fd(), 10_000), "answer " + i);
                assertEquals(8, slow.read(in));
                assertEquals(i, in.get(ValueLayout.JAVA_INT_UNALIGNED, 0));
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aHandlerThatThrowsLosesNothingButThatDatagram(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts());
                DatagramEndpoint e = g.bindDatagram(ANY, () -> new Echo() {
                    @Override
                    public void onDatagram(DatagramChannel channel, MemorySegment data, DatagramSender sender) {
                        if (data.byteSize() == 3) throw new IllegalStateException("this handler fails on 3-byte datagrams");
                        super.onDatagram(channel, data, sender);
                    }
                });
                Socket client = Socket.udp(Socket.Family.INET);
                Arena arena = Arena.ofConfined()) {
            client.bind(ANY);
            client.sendTo(arena.allocate(3), e.localAddress());
            client.sendTo(arena.allocate(5), e.localAddress());
            assertTrue(await(client.fd(), 10_000));
            assertEquals(5, client.read(arena.allocate(64)), "the channel went on after the throw");
            assertTrue(e.channels().get(0).isOpen());
            ReactorSuiteTest.awaitFailures(g, 1);
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class,
                    () -> e.channels().get(0).send(arena.allocate(1), UnixAddress.abstractName("x")));
            assertTrue(bad.getMessage().contains("Unix address for an IP socket"), bad.getMessage());
            // IPv4's largest UDP payload is 65,507 bytes: one more is refused before any system call
            IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                    () -> e.channels().get(0).send(arena.allocate(65_508), client.localAddress()));
            assertTrue(big.getMessage().contains("65508") && big.getMessage().contains("65507"), big.getMessage());
            assertTrue(e.channels().get(0).send(arena.allocate(65_507), client.localAddress()), "the largest goes");
            assertTrue(await(client.fd(), 10_000));
            assertEquals(65_507, client.read(arena.allocate(70_000)));
        }
    }
}
