package dev.panio.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.io.Pipe;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Unix domain sockets: stream, seqpacket and datagram; paths and abstract names; fd passing; credentials. */
@NoFdLeaks
@Timeout(60)
class UnixSocketTest {
    @TempDir
    Path dir;

    static boolean await(FileDescriptor fd, short events, int millis) throws Exception {
        try (Poll p = new Poll(1)) {
            p.add(fd, events, 0);
            return p.poll(millis) == 1;
        }
    }

    static MemorySegment text(Arena arena, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        return arena.allocate(b.length).copyFrom(MemorySegment.ofArray(b));
    }

    static String read(Socket s, Arena arena) throws Exception {
        assertTrue(await(s.fd(), Poll.POLLIN, 5000));
        MemorySegment in = arena.allocate(4096);
        long n = s.read(in);
        assertTrue(n >= 0, "read " + n);
        return new String(in.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
    }

    /** A listener on {@code address} and a client connected to it: {client, accepted}. */
    static Socket[] connect(java.net.SocketAddress address, Socket.Type type) throws Exception {
        try (Socket listener = Socket.listen(address, type, 8)) {
            assertEquals(address instanceof UnixDomainSocketAddress j ? UnixAddress.of(j) : address, listener.localAddress());
            Socket client = Socket.unix(type);
            assertTrue(client.connect(address), "a Unix connect completes at once when the backlog has room");
            assertTrue(await(listener.fd(), Poll.POLLIN, 5000));
            Socket server = listener.accept();
            assertNotNull(server);
            assertEquals(type, server.type());
            return new Socket[] {client, server};
        }
    }

    @Test
    void streamEchoOnAPathAndOnAnAbstractName() throws Exception {
        Path file = dir.resolve("echo.sock");
        UnixAddress abstractName = UnixAddress.abstractName("panio-test-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        for (java.net.SocketAddress address : List.of(UnixAddress.of(file), abstractName)) {
            Socket[] pair = connect(address, Socket.Type.STREAM);
            try (Socket client = pair[0]; Socket server = pair[1]; Arena arena = Arena.ofConfined()) {
                assertEquals(address, server.localAddress());
                assertEquals(UnixAddress.unnamed(), server.remoteAddress(), "an unbound client has no name");
                assertEquals(address, client.remoteAddress());
                client.write(text(arena, "hello over " + address));
                assertEquals("hello over " + address, read(server, arena));
                server.write(text(arena, "back"));
                assertEquals("back", read(client, arena));
                client.shutdownOutput();
                assertTrue(await(server.fd(), Poll.POLLIN, 5000));
                assertEquals(FileDescriptor.EOF, server.read(arena.allocate(16)));
            }
        }
        assertTrue(java.nio.file.Files.exists(file), "binding a path made the socket file; closing leaves it");
        ErrnoException inUse = assertThrows(ErrnoException.class, () -> Socket.listen(UnixAddress.of(file), 1));
        assertEquals(Errno.EADDRINUSE, inUse.errno());
        // the JDK's own address type is accepted too
        java.nio.file.Files.delete(file);
        Socket[] jdk = connect(UnixDomainSocketAddress.of(file), Socket.Type.STREAM);
        jdk[0].close();
        jdk[1].close();
    }

    @Test
    void seqpacketKeepsMessageBoundariesAndReportsTruncation() throws Exception {
        Socket[] pair = connect(UnixAddress.of(dir.resolve("seq.sock")), Socket.Type.SEQPACKET);
        try (Socket client = pair[0]; Socket server = pair[1]; Arena arena = Arena.ofConfined()) {
            client.write(text(arena, "one"));
            client.write(text(arena, "two!"));
            client.write(text(arena, "a longer third message"));
            assertEquals("one", read(server, arena));
            assertEquals("two!", read(server, arena));
            MessageInfo info = new MessageInfo(0);
            MemorySegment small = arena.allocate(8);
            assertEquals(8, server.receiveFrom(small, info));
            assertTrue(info.truncated());
            assertEquals(22, info.messageLength());
            client.close();
            assertTrue(await(server.fd(), Poll.POLLIN, 5000));
            assertEquals(FileDescriptor.EOF, server.read(small), "a seqpacket peer's close is end of stream");
        }
    }

    @Test
    void datagramsCarryTheSendersName() throws Exception {
        UnixAddress serverName = UnixAddress.of(dir.resolve("dgram.sock"));
        UnixAddress clientName = UnixAddress.abstractName("panio-dgram-" + System.nanoTime());
        try (Socket server = Socket.unix(Socket.Type.DATAGRAM); Socket client = Socket.unix(Socket.Type.DATAGRAM);
                Socket anonymous = Socket.unix(Socket.Type.DATAGRAM); Arena arena = Arena.ofConfined()) {
            server.bind(serverName);
            client.bind(clientName);
            MessageInfo info = new MessageInfo(0);
            MemorySegment in = arena.allocate(64);
            assertEquals(5, client.sendTo(text(arena, "hello"), serverName));
            assertTrue(await(server.fd(), Poll.POLLIN, 5000));
            assertEquals(5, server.receiveFrom(in, info));
            assertEquals(clientName, info.sender());
            assertEquals(-1, info.senderPort());
            assertEquals(2, server.sendTo(text(arena, "hi"), info.sender()));
            assertEquals("hi", read(client, arena));

            anonymous.sendTo(text(arena, "?"), serverName);
            assertTrue(await(server.fd(), Poll.POLLIN, 5000));
            assertEquals(1, server.receiveFrom(in, info));
            assertEquals(UnixAddress.unnamed(), info.sender());

            // autobind: binding the unnamed address picks an abstract name
            anonymous.bind(UnixAddress.unnamed());
            UnixAddress picked = (UnixAddress) anonymous.localAddress();
            assertTrue(picked.isAbstract() && picked.nameBytes().length == 5, "autobind names are 5 hex digits: " + picked);
        }
    }

    @Test
    void aPathLongerThanSunPathIsRefusedBeforeAnyCall() {
        String longest = "/tmp/" + "x".repeat(UnixAddress.MAX_PATH_BYTES - 5);
        assertEquals(UnixAddress.MAX_PATH_BYTES, UnixAddress.of(longest).nameBytes().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UnixAddress.of(longest + "y"));
        assertTrue(e.getMessage().contains("108 bytes") && e.getMessage().contains("107"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> UnixAddress.of("/tmp/\u00e9" + "x".repeat(101)),
                "the limit counts UTF-8 bytes, not characters");
        assertThrows(IllegalArgumentException.class, () -> UnixAddress.abstractName("a".repeat(108)));
        assertThrows(IllegalArgumentException.class, () -> UnixAddress.of(""));
        assertThrows(IllegalArgumentException.class, () -> UnixAddress.of("a\0b"));
        assertEquals("unix:@name", UnixAddress.abstractName("name").toString());
    }

    @Test
    void socketpairConnectsTwoSocketsOfEachType() throws Exception {
        for (Socket.Type type : Socket.Type.values()) {
            try (Socket.Pair pair = Socket.pair(type); Arena arena = Arena.ofConfined()) {
                assertEquals(type, pair.first().type());
                assertEquals(Socket.Family.UNIX, pair.second().family());
                pair.first().write(text(arena, "to second " + type));
                assertEquals("to second " + type, read(pair.second(), arena));
                pair.second().write(text(arena, "to first"));
                assertEquals("to first", read(pair.first(), arena));
                assertEquals(UnixAddress.unnamed(), pair.first().localAddress());
            }
        }
    }

    @Test
    void threeDescriptorsPassInOneMessageAndWorkOnTheOtherSide() throws Exception {
        try (Socket.Pair channel = Socket.pair(Socket.Type.STREAM); Pipe pipe = Pipe.open(true);
                FileDescriptor memfd = LinuxFiles.memfd("passed", 0); Socket.Pair carried = Socket.pair(Socket.Type.STREAM);
                Arena arena = Arena.ofConfined()) {
            memfd.write(text(arena, "memfd contents"));
            assertEquals(1, channel.first().sendWithFds(text(arena, "!"), pipe.sink(), memfd, carried.first().fd()));

            MessageInfo info = new MessageInfo();
            MemorySegment in = arena.allocate(16);
            assertTrue(await(channel.second().fd(), Poll.POLLIN, 5000));
            assertEquals(1, channel.second().receiveFrom(in, info));
            assertFalse(info.controlTruncated());
            List<FileDescriptor> got = info.takeFileDescriptors();
            assertEquals(3, got.size());
            assertEquals(List.of(), info.takeFileDescriptors(), "taken once");
            try (FileDescriptor pipeEnd = got.get(0); FileDescriptor memCopy = got.get(1); FileDescriptor sock = got.get(2)) {
                for (FileDescriptor f : got) {
                    assertTrue(f.isCloseOnExec(), "received with MSG_CMSG_CLOEXEC");
                    assertTrue(f.intValue() != pipe.sink().intValue() && f.intValue() != memfd.intValue(), "new numbers");
                }
                // the pipe's write end: what goes in comes out of the original read end
                pipeEnd.write(text(arena, "through the passed pipe"));
                MemorySegment buf = arena.allocate(64);
                assertEquals(23, pipe.source().read(buf));
                // the memfd: the same open file (and offset), so a write through the copy grows the original
                assertEquals(14, LinuxFiles.stat(memCopy).size());
                memCopy.write(text(arena, "!!"));
                assertEquals(16, LinuxFiles.stat(memfd).size());
                // the socket: writing to the passed copy reaches the other end of its pair
                Socket passed = Socket.adopt(sock, Socket.Family.UNIX, Socket.Type.STREAM);
                passed.write(text(arena, "via passed socket"));
                assertEquals("via passed socket", read(carried.second(), arena));
            }
        }
    }

    @Test
    void aTruncatedControlMessageClosesTheDescriptorsThatArrived() throws Exception {
        try (Socket.Pair channel = Socket.pair(Socket.Type.DATAGRAM); Pipe a = Pipe.open(true); Pipe b = Pipe.open(true);
                Arena arena = Arena.ofConfined()) {
            // more descriptors than the control room of MessageInfo(1) holds (it has room for
            // the other control messages too, which descriptors may use)
            FileDescriptor[] many = new FileDescriptor[100];
            for (int i = 0; i < many.length; i++) many[i] = i % 3 == 0 ? a.source() : i % 3 == 1 ? a.sink() : b.source();
            channel.first().sendWithFds(text(arena, "x"), many);
            MessageInfo oneFd = new MessageInfo(1);
            MemorySegment in = arena.allocate(8);
            assertTrue(await(channel.second().fd(), Poll.POLLIN, 5000));
            assertEquals(1, channel.second().receiveFrom(in, oneFd));
            assertTrue(oneFd.controlTruncated());
            int arrived = oneFd.droppedFileDescriptors();
            assertTrue(arrived >= 1 && arrived < 100, "those that fit arrived and were closed; the kernel dropped the rest: " + arrived);
            assertEquals(0, oneFd.fileDescriptorCount());
            // NoFdLeaks checks that none of them is left open in this process

            // descriptors not taken are closed by the next receive
            MessageInfo info = new MessageInfo();
            channel.first().sendWithFds(text(arena, "y"), b.sink());
            channel.first().sendWithFds(text(arena, "z"));
            assertTrue(await(channel.second().fd(), Poll.POLLIN, 5000));
            channel.second().receiveFrom(in, info);
            assertEquals(1, info.fileDescriptorCount());
            channel.second().receiveFrom(in, info);
            assertEquals(0, info.fileDescriptorCount());
        }
    }

    @Test
    void peerCredentialsAndPassedCredentialsNameThisProcess() throws Exception {
        Credentials me = Credentials.ofThisProcess();
        assertEquals(ProcessHandle.current().pid(), me.pid());
        Socket[] pair = connect(UnixAddress.abstractName("panio-cred-" + System.nanoTime()), Socket.Type.STREAM);
        try (Socket client = pair[0]; Socket server = pair[1]; Arena arena = Arena.ofConfined()) {
            assertEquals(me, server.peerCredentials());
            assertEquals(me, client.getOption(LinuxSocketOptions.SO_PEERCRED));

            server.setOption(LinuxSocketOptions.SO_PASSCRED, true);
            assertTrue(server.getOption(LinuxSocketOptions.SO_PASSCRED));
            client.write(text(arena, "who"));
            MessageInfo info = new MessageInfo(0);
            assertTrue(await(server.fd(), Poll.POLLIN, 5000));
            assertEquals(3, server.receiveFrom(arena.allocate(8), info));
            assertEquals(me, info.credentials());
        }
    }

    @Test
    void heapMessagesOverTheStagingBufferAreNeitherCutNorLost() throws Exception {
        try (Socket.Pair seq = Socket.pair(Socket.Type.SEQPACKET); Socket.Pair dgram = Socket.pair(Socket.Type.DATAGRAM);
                Arena arena = Arena.ofConfined()) {
            for (Socket s : new Socket[] {seq.first(), seq.second(), dgram.first(), dgram.second()}) {
                s.setOption(java.net.StandardSocketOptions.SO_SNDBUF, 1 << 20);
                s.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
            }
            // a heap message larger than the 64 KiB staging buffer leaves whole, not cut (and not
            // refused: the reactor's datagram queue holds heap copies and would lose it)
            byte[] heap = new byte[100_000];
            heap[99_999] = 9;
            assertEquals(100_000, seq.first().write(MemorySegment.ofArray(heap)));
            assertEquals(100_000, dgram.first().sendTo(MemorySegment.ofArray(heap), null));
            for (Socket to : new Socket[] {seq.second(), dgram.second()}) {
                assertTrue(await(to.fd(), Poll.POLLIN, 5000));
                byte[] into = new byte[200_000];
                assertEquals(100_000, to.read(MemorySegment.ofArray(into)));
                assertEquals(9, into[99_999]);
            }
            // a message that fits the caller's heap buffer arrives whole, by read and by receiveFrom
            MemorySegment big = arena.allocate(100_000);
            big.fill((byte) 7);
            for (int round = 0; round < 2; round++) {
                assertEquals(100_000, dgram.first().write(big));
                assertTrue(await(dgram.second().fd(), Poll.POLLIN, 5000));
                byte[] into = new byte[200_000];
                long n = round == 0 ? dgram.second().read(MemorySegment.ofArray(into))
                        : dgram.second().receiveFrom(MemorySegment.ofArray(into), new MessageInfo(0));
                assertEquals(100_000, n);
                assertEquals(7, into[99_999]);
            }
        }
    }

    @Test
    void aDatagramSocketClosedUnderABlockedReceiveReturnsEndOfStreamNotEmptyDatagrams() throws Exception {
        for (int kind = 0; kind < 3; kind++) {
            int k = kind;
            try (Socket.Pair p = Socket.pair(Socket.Type.DATAGRAM, false); DatagramBatch batch = new DatagramBatch(8, 64)) {
                java.util.concurrent.CompletableFuture<Long> got = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                    try (Arena a = Arena.ofConfined()) {
                        MemorySegment buf = a.allocate(64);
                        return switch (k) {
                            case 0 -> p.second().read(buf);
                            case 1 -> p.second().receiveFrom(buf, new MessageInfo(0));
                            default -> (long) p.second().receiveBatch(batch);
                        };
                    } catch (Exception e) {
                        throw new RuntimeException(e);
                    }
                });
                Thread.sleep(200); // blocked in the receive by now
                p.second().close();
                long r = got.get(10, java.util.concurrent.TimeUnit.SECONDS);
                assertEquals(FileDescriptor.EOF, r, "receive kind " + k);
            }
        }
    }

    @Test
    void aBlockingBatchReceiveReturnsOnceOneDatagramHasCome() throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.DATAGRAM, false); DatagramBatch batch = new DatagramBatch(8, 64);
                Arena arena = Arena.ofConfined()) {
            p.first().write(text(arena, "one"));
            java.util.concurrent.CompletableFuture<Integer> got = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                try {
                    return p.second().receiveBatch(batch);
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            // MSG_WAITFORONE: without it this waits for eight datagrams that never come
            assertEquals(1, got.get(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals(3, batch.length(0));
        }
    }

    @Test
    void descriptorsSentToABatchAreClosedNotLeaked() throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.DATAGRAM); Pipe pipe = Pipe.open(true); Arena arena = Arena.ofConfined();
                DatagramBatch batch = new DatagramBatch(8, 64)) {
            int before = dev.panio.testkit.Fds.open().size();
            FileDescriptor[] eight = new FileDescriptor[8];
            java.util.Arrays.fill(eight, pipe.source());
            for (int i = 0; i < 4; i++) p.first().sendWithFds(text(arena, "x"), eight);
            assertTrue(await(p.second().fd(), Poll.POLLIN, 5000));
            assertEquals(4, p.second().receiveBatch(batch));
            assertEquals(before, dev.panio.testkit.Fds.open().size(), "the 32 passed descriptors were closed");
        }
    }

    @Test
    void misuseIsRefusedBeforeAnyCall() throws Exception {
        try (Socket.Pair stream = Socket.pair(Socket.Type.STREAM); Socket tcp = Socket.tcp(Socket.Family.INET);
                Pipe pipe = Pipe.open(true); Arena arena = Arena.ofConfined()) {
            IllegalArgumentException notUnix = assertThrows(IllegalArgumentException.class,
                    () -> tcp.sendWithFds(text(arena, "x"), pipe.source()));
            assertTrue(notUnix.getMessage().contains("Unix"), notUnix.getMessage());
            assertThrows(IllegalArgumentException.class, () -> stream.first().sendWithFds(arena.allocate(0), pipe.source()),
                    "a stream socket needs a byte to carry descriptors");
            FileDescriptor[] tooMany = new FileDescriptor[MessageInfo.MAX_FDS + 1];
            java.util.Arrays.fill(tooMany, pipe.source());
            assertThrows(IllegalArgumentException.class, () -> stream.first().sendWithFds(text(arena, "x"), tooMany));
            assertThrows(IllegalArgumentException.class, () -> new MessageInfo(MessageInfo.MAX_FDS + 1));
            assertThrows(IllegalArgumentException.class, () -> stream.first().connect(new InetSocketAddress("127.0.0.1", 1)),
                    "an IP address for a Unix socket");
            assertThrows(IllegalArgumentException.class, () -> tcp.bind(UnixAddress.of("/tmp/x")));
            assertThrows(IllegalArgumentException.class, () -> Socket.tcp(Socket.Family.UNIX));
            assertThrows(IllegalStateException.class, () -> stream.first().localPort());
            // a closed descriptor to send is a Java exception, not EBADF from the kernel
            Pipe closed = Pipe.open(true);
            closed.close();
            assertThrows(dev.panio.io.ClosedException.class, () -> stream.first().sendWithFds(text(arena, "x"), closed.source()));
            try (Socket lonely = Socket.unix(Socket.Type.STREAM)) {
                ErrnoException refused = assertThrows(ErrnoException.class,
                        () -> lonely.connect(UnixAddress.of(dir.resolve("nobody.sock"))));
                assertEquals(Errno.ENOENT, refused.errno());
            }
        }
    }
}
