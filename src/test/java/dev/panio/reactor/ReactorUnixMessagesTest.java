package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.io.Pipe;
import dev.panio.net.Socket;
import dev.panio.net.UnixAddress;
import dev.panio.testkit.NoFdLeaks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Unix seqpacket connections (message boundaries kept both ways) and descriptors passed over
 * reactor connections ({@code writeWithFds}, {@code onFileDescriptors}), on every backend.
 */
@NoFdLeaks
@Timeout(120)
class ReactorUnixMessagesTest {
    @TempDir
    Path dir;

    static Stream<Backend> backends() {
        return ReactorSuiteTest.backends();
    }

    static Stream<Arguments> backendsAndTypes() {
        return backends().flatMap(b -> Stream.of(Arguments.of(b, Socket.Type.STREAM), Arguments.of(b, Socket.Type.SEQPACKET)));
    }

    static MemorySegment text(String s) {
        return MemorySegment.ofArray(s.getBytes(StandardCharsets.UTF_8));
    }

    static Listener listen(EventLoopGroup g, UnixAddress at, Socket.Type type, java.util.function.Supplier<ConnectionHandler> h)
            throws IOException {
        return type == Socket.Type.SEQPACKET ? g.listenSeqpacket(at, h, SocketOptionSet.none(), SocketOptionSet.none()) : g.listen(at, h);
    }

    static Connection connect(EventLoopGroup g, UnixAddress at, Socket.Type type, ConnectionHandler h) throws Exception {
        return (type == Socket.Type.SEQPACKET ? g.connectSeqpacket(at, h, 5000, SocketOptionSet.none(), null) : g.connect(at, h, 5000))
                .get(10, TimeUnit.SECONDS);
    }

    /** Keeps every onData as a message of its own; completes once {@code expected} came. */
    static final class Messages implements ConnectionHandler {
        final List<byte[]> got = new CopyOnWriteArrayList<>();
        final CompletableFuture<List<byte[]>> done = new CompletableFuture<>();
        final CompletableFuture<Object[]> closed = new CompletableFuture<>();
        final int expected;

        Messages(int expected) {
            this.expected = expected;
        }

        @Override
        public void onData(Connection c, MemorySegment data) {
            got.add(data.toArray(ValueLayout.JAVA_BYTE));
            if (got.size() == expected) done.complete(List.copyOf(got));
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException error) {
            closed.complete(new Object[] {cause, error});
            done.completeExceptionally(new IOException("closed (" + cause + ") after " + got.size() + " messages", error));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void seqpacketEchoKeepsEveryMessageWholeAndInOrder(Backend b) throws Exception {
        Random random = new Random(b.ordinal());
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            byte[] m = new byte[1 + random.nextInt(i % 10 == 0 ? 64 * 1024 : 2000)]; // up to the read buffer
            random.nextBytes(m);
            sent.add(m);
        }
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            for (UnixAddress at : new UnixAddress[] {UnixAddress.of(dir.resolve("seq.sock")),
                    UnixAddress.abstractName("panio-seq-" + b + "-" + System.nanoTime())}) {
                try (Listener l = g.listenSeqpacket(at, EchoHandler::new, SocketOptionSet.none(), SocketOptionSet.none())) {
                    Messages client = new Messages(sent.size());
                    Connection c = connect(g, at, Socket.Type.SEQPACKET, client);
                    assertEquals(at, c.remoteAddress());
                    // sent at once: past the socket's buffer, so some wait in the queue, still one message each
                    for (byte[] m : sent) c.write(MemorySegment.ofArray(m));
                    List<byte[]> got = client.done.get(60, TimeUnit.SECONDS);
                    for (int i = 0; i < sent.size(); i++) {
                        assertArrayEquals(sent.get(i), got.get(i), "message " + i + " of " + sent.get(i).length + " bytes over " + at);
                    }
                    c.close();
                    client.closed.get(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aSeqpacketMessageLongerThanTheReadBufferEndsTheConnectionWithEmsgsizeNotCut(Backend b) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-seq-long-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts().withReadBuffer(4096))) {
            Messages server = new Messages(Integer.MAX_VALUE);
            try (Listener l = g.listenSeqpacket(at, () -> server, SocketOptionSet.none(), SocketOptionSet.none());
                    Socket peer = Socket.unix(Socket.Type.SEQPACKET); Arena arena = Arena.ofConfined()) {
                peer.connect(at);
                MemorySegment fits = arena.allocate(4096).fill((byte) 1);
                MemorySegment tooLong = arena.allocate(4097).fill((byte) 2);
                assertEquals(4096, peer.write(fits));
                assertEquals(4097, peer.write(tooLong));
                Object[] end = server.closed.get(10, TimeUnit.SECONDS);
                assertEquals(CloseCause.ERROR, end[0]);
                ErrnoException e = assertInstanceOf(ErrnoException.class, end[1]);
                assertEquals(Errno.EMSGSIZE, e.errno());
                assertTrue(e.getMessage().contains("4097") && e.getMessage().contains("4096"), e.getMessage());
                assertEquals(1, server.got.size(), "the message that fit came, the long one did not come cut");
                assertEquals(4096, server.got.get(0).length);
            }
        }
    }

    /** Takes the descriptors that come, with the bytes that follow them. */
    static final class Receiver implements ConnectionHandler {
        final CompletableFuture<List<FileDescriptor>> fds = new CompletableFuture<>();
        final CompletableFuture<String> bytesAfter = new CompletableFuture<>();
        final StringBuilder text = new StringBuilder();
        final int expectedBytes;

        Receiver(int expectedBytes) {
            this.expectedBytes = expectedBytes;
        }

        @Override
        public void onFileDescriptors(Connection c, List<FileDescriptor> passed) {
            if (!fds.complete(passed)) ConnectionHandler.super.onFileDescriptors(c, passed);
        }

        @Override
        public synchronized void onData(Connection c, MemorySegment data) {
            assertTrue(fds.isDone(), "the descriptors come before the bytes they were sent with");
            text.append(new String(data.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
            if (text.length() >= expectedBytes) bytesAfter.complete(text.toString());
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void threeDescriptorsPassOverAConnectionAndWorkOnTheOtherSide(Backend b, Socket.Type type) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-fds-" + b + "-" + type + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Arena arena = Arena.ofConfined()) {
            Receiver server = new Receiver(5);
            try (Listener l = listen(g, at, type, () -> server); Pipe pipe = Pipe.open(false);
                    Socket.Pair carried = Socket.pair(Socket.Type.STREAM)) {
                Connection c = connect(g, at, type, new Messages(0));
                FileDescriptor memfd = LinuxFiles.memfd("passed", 0);
                memfd.write(text("memfd contents"));
                FileDescriptor sink = pipe.sink();
                assertTrue(c.writeWithFds(text("hello"), sink, memfd, carried.first().fd()));
                memfd.close(); // the connection sends its own duplicate: ours may go at once
                List<FileDescriptor> got = server.fds.get(10, TimeUnit.SECONDS);
                assertEquals("hello", server.bytesAfter.get(10, TimeUnit.SECONDS));
                assertEquals(3, got.size());
                try {
                    for (FileDescriptor f : got) assertNotEquals(sink.intValue(), f.intValue(), "a new number for each");
                    // the pipe's write end: what goes in comes out of our read end
                    assertEquals(13, got.get(0).write(text("through pipe!")));
                    MemorySegment buf = arena.allocate(64);
                    assertEquals(13, pipe.source().read(buf));
                    // the memfd: the same file, whose only other descriptor was closed above
                    assertEquals(14, LinuxFiles.stat(got.get(1)).size());
                    // the socket: talks to the other end of the pair
                    assertEquals(6, got.get(2).write(text("socket")));
                    assertEquals(6, carried.second().read(buf));
                    assertEquals("socket", new String(buf.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                } finally {
                    for (FileDescriptor f : got) f.close();
                }
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void passedDescriptorsTheHandlerDoesNotTakeAreClosed(Backend b, Socket.Type type) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-fds-default-" + b + "-" + type + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Arena arena = Arena.ofConfined()) {
            try (Listener l = listen(g, at, type, EchoHandler::new); Pipe pipe = Pipe.open(true)) {
                Messages client = new Messages(1);
                Connection c = connect(g, at, type, client);
                c.writeWithFds(text("x"), pipe.sink());
                pipe.sink().close();
                assertArrayEquals(new byte[] {'x'}, client.done.get(10, TimeUnit.SECONDS).get(0), "echoed");
                // every write end is closed (the echo handler's copy by the default onFileDescriptors): end of file
                long r = FileDescriptor.WOULD_BLOCK;
                for (int i = 0; i < 200 && r == FileDescriptor.WOULD_BLOCK; i++) {
                    r = pipe.source().read(arena.allocate(1));
                    if (r == FileDescriptor.WOULD_BLOCK) Thread.sleep(10);
                }
                assertEquals(FileDescriptor.EOF, r, "no copy of the pipe's write end is left open");
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aHandlerThatThrowsOnDescriptorsHasThemClosedAndTheLoopGoesOn(Backend b) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-fds-throw-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Arena arena = Arena.ofConfined()) {
            CompletableFuture<Object[]> serverEnd = new CompletableFuture<>();
            try (Listener l = g.listen(at, () -> new EchoHandler() {
                @Override
                public void onFileDescriptors(Connection c, List<FileDescriptor> fds) {
                    throw new IllegalStateException("handler bug");
                }

                @Override
                public void onClose(Connection c, CloseCause cause, IOException error) {
                    serverEnd.complete(new Object[] {cause, error});
                }
            }); Pipe pipe = Pipe.open(true)) {
                Messages client = new Messages(1);
                Connection c = connect(g, at, Socket.Type.STREAM, client);
                c.writeWithFds(text("x"), pipe.sink());
                pipe.sink().close();
                Object[] end = serverEnd.get(10, TimeUnit.SECONDS);
                assertEquals(CloseCause.ERROR, end[0]);
                assertTrue(((IOException) end[1]).getMessage().contains("onFileDescriptors"), String.valueOf(end[1]));
                long r = FileDescriptor.WOULD_BLOCK;
                for (int i = 0; i < 200 && r == FileDescriptor.WOULD_BLOCK; i++) {
                    r = pipe.source().read(arena.allocate(1));
                    if (r == FileDescriptor.WOULD_BLOCK) Thread.sleep(10);
                }
                assertEquals(FileDescriptor.EOF, r, "the descriptors the handler failed on were closed");
                client.closed.get(10, TimeUnit.SECONDS);
                // the loop serves the next connection
                Messages next = new Messages(1);
                Connection d = connect(g, at, Socket.Type.STREAM, next);
                d.write(text("y"));
                assertArrayEquals(new byte[] {'y'}, next.done.get(10, TimeUnit.SECONDS).get(0));
                d.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void descriptorsQueuedBehindAFullSocketArriveInOrderEachWithItsBytes(Backend b, Socket.Type type) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-fds-queued-" + b + "-" + type + "-" + System.nanoTime());
        int count = 100;
        List<Long> sizes = new CopyOnWriteArrayList<>();
        List<String> labels = new CopyOnWriteArrayList<>();
        CompletableFuture<Connection> serverConnection = new CompletableFuture<>();
        CompletableFuture<Void> all = new CompletableFuture<>();
        long[] filler = {0};
        int fillerBytes = 1 << 20;
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            try (Listener l = listen(g, at, type, () -> new ConnectionHandler() {
                boolean expectLabel;

                @Override
                public void onOpen(Connection c) {
                    c.suspendReading(); // the client's writes fill the socket and then its queue
                    serverConnection.complete(c);
                }

                @Override
                public void onFileDescriptors(Connection c, List<FileDescriptor> fds) {
                    try {
                        for (FileDescriptor f : fds) {
                            sizes.add(LinuxFiles.stat(f).size());
                            f.close();
                        }
                    } catch (ErrnoException e) {
                        all.completeExceptionally(e);
                    }
                    expectLabel = true;
                }

                @Override
                public void onData(Connection c, MemorySegment data) {
                    byte[] bytes = data.toArray(ValueLayout.JAVA_BYTE);
                    int at = 0;
                    while (at < bytes.length && filler[0] < fillerBytes) { // the plain bytes come first
                        at++;
                        filler[0]++;
                    }
                    if (at < bytes.length) {
                        assertTrue(expectLabel, "bytes after the filler come with descriptors");
                        labels.add(new String(bytes, at, bytes.length - at, StandardCharsets.UTF_8));
                    }
                    if (sizes.size() == count && String.join("", labels).length() == count * 4) all.complete(null);
                }
            })) {
                Connection c = connect(g, at, type, new Messages(0));
                Connection server = serverConnection.get(10, TimeUnit.SECONDS);
                byte[] fill = new byte[fillerBytes];
                Thread writer = Thread.ofPlatform().start(() -> {
                    try {
                        // seqpacket: many messages (the kernel takes each whole); stream: one write
                        if (type == Socket.Type.SEQPACKET) {
                            for (int i = 0; i < fillerBytes / 4096; i++) c.write(MemorySegment.ofArray(fill), 0, 4096);
                        } else {
                            c.write(MemorySegment.ofArray(fill));
                        }
                        for (int i = 0; i < count; i++) {
                            try (FileDescriptor m = LinuxFiles.memfd("m" + i, i)) {
                                c.writeWithFds(text(String.format("%04d", i)), m);
                            }
                        }
                    } catch (ErrnoException e) {
                        all.completeExceptionally(e);
                    }
                });
                Thread.sleep(300);
                server.resumeReading();
                all.get(60, TimeUnit.SECONDS);
                writer.join(10_000);
                assertFalse(writer.isAlive());
                List<Long> expected = new ArrayList<>();
                StringBuilder labelsExpected = new StringBuilder();
                for (long i = 0; i < count; i++) {
                    expected.add(i);
                    labelsExpected.append(String.format("%04d", i));
                }
                assertEquals(expected, sizes, "one memfd per write, in the order written");
                assertEquals(labelsExpected.toString(), String.join("", labels));
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void aMessageSentAtOnceLeavesTheConnectionWritableThoughItPassedTheHighWatermark(Backend b, Socket.Type type) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-hw-" + b + "-" + type + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts().withWatermarks(1024, 4096, 1 << 20));
                Pipe pipe = Pipe.open(false)) {
            Messages server = new Messages(1);
            try (Listener l = listen(g, at, type, () -> server)) {
                Connection c = connect(g, at, type, new Messages(0));
                CompletableFuture<Boolean> returned = new CompletableFuture<>();
                // on the loop thread, where the return value is the write's own verdict
                c.loop().execute(() -> {
                    try {
                        returned.complete(c.writeWithFds(MemorySegment.ofArray(new byte[8000]), pipe.sink()));
                    } catch (ErrnoException e) {
                        returned.completeExceptionally(e);
                    }
                });
                assertTrue(returned.get(10, TimeUnit.SECONDS), "8,000 bytes taken by the kernel at once: writable");
                assertEquals(8000, server.done.get(10, TimeUnit.SECONDS).stream().mapToInt(m -> m.length).sum());
                assertTrue(c.isWritable());
                assertEquals(0, c.queuedBytes());
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void anEmptyWriteWithoutDescriptorsSendsNothingAndDoesNotEndThePeersInput(Backend b) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-empty-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            Messages server = new Messages(1);
            try (Listener l = g.listenSeqpacket(at, () -> server, SocketOptionSet.none(), SocketOptionSet.none())) {
                Connection c = connect(g, at, Socket.Type.SEQPACKET, new Messages(0));
                assertTrue(c.writeWithFds(MemorySegment.ofArray(new byte[0])));
                c.write(text("after"));
                assertEquals("after", new String(server.done.get(10, TimeUnit.SECONDS).get(0), StandardCharsets.UTF_8));
                assertFalse(server.closed.isDone(), "the peer's input did not end");
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backendsAndTypes")
    void bytesThatCameWithDescriptorsWaitWhenOnFileDescriptorsSuspendsReading(Backend b, Socket.Type type) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-susp-" + b + "-" + type + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Pipe pipe = Pipe.open(false)) {
            java.util.concurrent.atomic.AtomicBoolean suspended = new java.util.concurrent.atomic.AtomicBoolean();
            java.util.concurrent.atomic.AtomicInteger whileSuspended = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<String> all = new CompletableFuture<>();
            StringBuilder got = new StringBuilder();
            try (Listener l = listen(g, at, type, () -> new ConnectionHandler() {
                @Override
                public void onFileDescriptors(Connection c, List<FileDescriptor> fds) {
                    ConnectionHandler.super.onFileDescriptors(c, fds);
                    suspended.set(true);
                    c.suspendReading();
                    Thread.ofPlatform().start(() -> {
                        try {
                            Thread.sleep(200);
                        } catch (InterruptedException e) {
                            return;
                        }
                        suspended.set(false);
                        c.resumeReading();
                    });
                }

                @Override
                public void onData(Connection c, MemorySegment d) {
                    if (suspended.get()) whileSuspended.incrementAndGet();
                    synchronized (got) {
                        got.append(new String(d.toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8));
                        if (got.length() >= 6) all.complete(got.toString());
                    }
                }
            })) {
                Connection c = connect(g, at, type, new Messages(0));
                c.writeWithFds(text("ab"), pipe.sink());
                Thread.sleep(50); // one message at a time on a stream, so that no bytes ride in one read with others
                c.writeWithFds(text("cd"), pipe.sink());
                Thread.sleep(50);
                c.write(text("ef"));
                assertEquals("abcdef", all.get(10, TimeUnit.SECONDS));
                assertEquals(0, whileSuspended.get(), "no onData while reading was suspended");
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void misuseIsRefusedBeforeAnythingIsSentAndLeavesNothingOpen(Backend b) throws Exception {
        UnixAddress at = UnixAddress.abstractName("panio-fds-misuse-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts()); Pipe pipe = Pipe.open(true)) {
            try (Listener tcp = g.listen(ReactorSuiteTest.ANY, EchoHandler::new);
                    Listener seq = g.listenSeqpacket(at, EchoHandler::new, SocketOptionSet.none(), SocketOptionSet.none());
                    Listener stream = g.listen(UnixAddress.abstractName("panio-fds-misuse-s-" + b + "-" + System.nanoTime()),
                            EchoHandler::new)) {
                Connection overTcp = g.connect(tcp.localAddress(), new Messages(0), 5000).get(10, TimeUnit.SECONDS);
                IllegalArgumentException notUnix = assertThrows(IllegalArgumentException.class,
                        () -> overTcp.writeWithFds(text("x"), pipe.sink()));
                assertTrue(notUnix.getMessage().contains("writeWithFds(fd=") && notUnix.getMessage().contains("INET"),
                        notUnix.getMessage());
                Connection overStream = g.connect(stream.localAddress(), new Messages(0), 5000).get(10, TimeUnit.SECONDS);
                FileDescriptor[] tooMany = new FileDescriptor[254];
                java.util.Arrays.fill(tooMany, pipe.sink());
                assertTrue(assertThrows(IllegalArgumentException.class, () -> overStream.writeWithFds(text("x"), tooMany))
                        .getMessage().contains("254"));
                assertThrows(IllegalArgumentException.class, () -> overStream.writeWithFds(MemorySegment.ofArray(new byte[0]), pipe.sink()));
                FileDescriptor closed = LinuxFiles.memfd("closed", 0);
                closed.close();
                assertThrows(IllegalStateException.class, () -> overStream.writeWithFds(text("x"), pipe.sink(), closed),
                        "a closed descriptor is refused (and the duplicate made before it closed)");
                // a seqpacket connection sends messages, not files: refused, and the file it owned is closed
                Connection overSeq = connect(g, at, Socket.Type.SEQPACKET, new Messages(0));
                FileDescriptor file = LinuxFiles.memfd("file", 10);
                assertThrows(IllegalStateException.class, () -> overSeq.sendFile(file, 0, 10));
                assertFalse(file.isOpen());
                // an empty message with descriptors is allowed on seqpacket
                assertTrue(overSeq.writeWithFds(MemorySegment.ofArray(new byte[0]), pipe.sink()));
                overTcp.close();
                overStream.close();
                overSeq.close();
            }
        }
    }
}
