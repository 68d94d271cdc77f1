package dev.panio.uring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.io_uring_sqe;
import dev.panio.io.Errno;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.io.IoVec;
import dev.panio.io.Pipe;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@NoFdLeaks
@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: a wait stuck in a downcall ignores interrupts
class IoUringTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @BeforeAll
    static void needsIoUring() {
        Availability a = IoUring.availability();
        assumeTrue(a.available(), () -> "io_uring unavailable here: " + a.reason());
    }

    @Test
    void sqeFieldOffsetsAreTheKernelAbi() {
        assertEquals(0, io_uring_sqe.opcode$offset());
        assertEquals(4, io_uring_sqe.fd$offset());
        assertEquals(8, io_uring_sqe.off$offset());
        assertEquals(16, io_uring_sqe.addr$offset());
        assertEquals(24, io_uring_sqe.len$offset());
        assertEquals(28, io_uring_sqe.rw_flags$offset());
        assertEquals(32, io_uring_sqe.user_data$offset());
        assertEquals(40, io_uring_sqe.buf_group$offset());
        assertEquals(44, io_uring_sqe.file_index$offset());
    }

    @Test
    void nopsCompleteWithTheirUserDataInBatches() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            Completions c = new Completions(ring);
            for (int round = 0; round < 5; round++) {
                for (int i = 0; i < 8; i++) ring.sqe().nop().userData(round * 100L + i);
                assertNull(ring.sqe(), "all 8 slots are taken until submit");
                assertEquals(8, ring.submit());
                List<Completions.Cqe> got = c.await(8);
                for (int i = 0; i < 8; i++) {
                    assertEquals(round * 100L + i, got.get(i).userData());
                    assertEquals(0, got.get(i).res());
                }
            }
            assertEquals(0, ring.droppedSubmissions());
        }
    }

    @Test
    void singleIssuerDeferTaskrunRingDeliversCompletions() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.entries(8).forSingleThread()); Pipe p = Pipe.open(true);
             Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            MemorySegment in = arena.allocate(8);
            ring.sqe().read(p.source().intValue(), in, -1).userData(1);
            ring.submit();
            p.sink().write(MemorySegment.ofArray(new byte[] {42}));
            assertEquals(1, c.await(1).get(0).res(), "the deferred task work runs inside the wait");
            assertEquals(42, in.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    @Test
    void probeAndFeaturesDescribeThisKernel() throws Exception {
        try (IoUring ring = IoUring.open(4)) {
            Set<Opcode> ops = ring.supportedOps();
            for (Opcode op : Opcode.values()) assertTrue(ops.contains(op), op + " on Linux " + System.getProperty("os.version"));
            assertTrue(ring.features().contains(Feature.NODROP));
            assertTrue(ring.features().contains(Feature.EXT_ARG));
            assertTrue(ring.features().contains(Feature.SINGLE_MMAP));
        }
    }

    @Test
    void unknownSetupFlagsGiveTheClearError() {
        IoUringUnavailableException e = assertThrows(IoUringUnavailableException.class,
                () -> IoUring.open(IoUringOptions.entries(4).withFlags(1 << 30)));
        assertSame(Errno.EINVAL, e.errno());
        assertTrue(e.reason().contains("setup flags 0x4"), e.reason());
        assertTrue(e.getMessage().startsWith("io_uring_setup("), e.getMessage());
    }

    @Test
    void readAndWriteOnAPipe() throws Exception {
        try (IoUring ring = IoUring.open(4); Pipe p = Pipe.open(false); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            MemorySegment out = arena.allocateFrom("through the ring", java.nio.charset.StandardCharsets.US_ASCII);
            MemorySegment in = arena.allocate(64);
            ring.sqe().read(p.source().intValue(), in, -1).userData(1);
            ring.submit();
            assertEquals(0, ring.cqReady(), "the read waits for data");
            ring.sqe().write(p.sink().intValue(), out.asSlice(0, 16), -1).userData(2);
            c.await(2);
            assertEquals(16, c.byUserData(2).res());
            assertEquals(16, c.byUserData(1).res());
            assertEquals("through the ring", in.getString(0).substring(0, 16));
        }
    }

    @Test
    void readvAndWritevAtFileOffsets() throws Exception {
        try (IoUring ring = IoUring.open(4); FileDescriptor file = LinuxFiles.memfd("uring-vec", 0); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            IoVec out = new IoVec(arena, 2).add(arena.allocateFrom("hello ", java.nio.charset.StandardCharsets.US_ASCII).asSlice(0, 6))
                    .add(arena.allocateFrom("world", java.nio.charset.StandardCharsets.US_ASCII).asSlice(0, 5));
            ring.sqe().writev(file.intValue(), out, 100).userData(1);
            assertEquals(11, c.await(1).get(0).res());
            MemorySegment a = arena.allocate(3), b = arena.allocate(8);
            ring.sqe().readv(file.intValue(), new IoVec(arena, 2).add(a).add(b), 102).userData(2);
            assertEquals(9, c.await(1).get(0).res());
            assertEquals("llo", new String(a.toArray(ValueLayout.JAVA_BYTE)));
            assertEquals(" world", new String(b.asSlice(0, 6).toArray(ValueLayout.JAVA_BYTE)));
        }
    }

    /** 1 MiB of random bytes out and back over loopback, every step through the ring. */
    @Test
    void loopbackEchoOfOneMebibyteThroughIoUringOnly() throws Exception {
        byte[] data = new byte[1 << 20];
        new java.util.Random(3).nextBytes(data);
        try (IoUring ring = IoUring.open(32); Socket listener = Socket.listen(LOOPBACK, 8);
             Socket client = Socket.tcp(Socket.Family.INET); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            ring.sqe().accept(listener.fd().intValue(), false).userData(1);
            ring.sqe().connect(client.fd().intValue(), listener.localAddress(), false).userData(2);
            c.await(2);
            assertEquals(0, c.byUserData(2).res());
            int server = c.byUserData(1).res();
            assertTrue(server >= 0, "accept: " + server);
            try (FileDescriptor serverFd = FileDescriptor.adopt(server)) {
                MemorySegment src = arena.allocate(data.length);
                MemorySegment.copy(data, 0, src, ValueLayout.JAVA_BYTE, 0, data.length);
                MemorySegment back = arena.allocate(data.length);
                MemorySegment relay = arena.allocate(64 * 1024);
                long sent = 0, received = 0;
                boolean sending = false, relaying = false, receiving = false;
                int relayLen = 0, relayOff = 0;
                final int SEND = 10, SRV_RECV = 11, SRV_SEND = 12, CLI_RECV = 13;
                while (received < data.length) {
                    if (!sending && sent < data.length) {
                        ring.sqe().send(client.fd().intValue(), src.asSlice(sent, Math.min(128 * 1024, data.length - sent)), 0).userData(SEND);
                        sending = true;
                    }
                    if (!relaying) {
                        if (relayOff == relayLen) ring.sqe().recv(server, relay, 0).userData(SRV_RECV);
                        else ring.sqe().send(server, relay.asSlice(relayOff, relayLen - relayOff), 0).userData(SRV_SEND);
                        relaying = true;
                    }
                    if (!receiving) {
                        ring.sqe().recv(client.fd().intValue(), back.asSlice(received), 0).userData(CLI_RECV);
                        receiving = true;
                    }
                    for (Completions.Cqe e : c.await(1)) {
                        assertTrue(e.res() > 0, "op " + e.userData() + " failed: " + e.res());
                        switch ((int) e.userData()) {
                            case SEND -> { sent += e.res(); sending = false; }
                            case SRV_RECV -> { relayOff = 0; relayLen = e.res(); relaying = false; }
                            case SRV_SEND -> { relayOff += e.res(); relaying = false; }
                            case CLI_RECV -> { received += e.res(); receiving = false; }
                            default -> throw new AssertionError(e);
                        }
                    }
                }
                assertArrayEquals(data, back.toArray(ValueLayout.JAVA_BYTE));
            }
        }
    }

    /**
     * One multishot accept takes many connections. The kernel ends a multishot request when
     * its completion does not fit the CQ (a final CQE without F_MORE); the caller re-arms.
     */
    @Test
    void multishotAcceptTakesTwoHundredConnections() throws Exception {
        int n = 200;
        Socket[] clients = new Socket[n];
        Set<Integer> fds = new HashSet<>();
        try (IoUring ring = IoUring.open(IoUringOptions.entries(16).withCqEntries(64)); Socket listener = Socket.listen(LOOPBACK, 256)) {
            Completions c = new Completions(ring);
            ring.sqe().accept(listener.fd().intValue(), true).userData(7);
            ring.submit();
            for (int i = 0; i < n; i++) {
                clients[i] = Socket.tcp(Socket.Family.INET);
                clients[i].connect(listener.localAddress());
            }
            int submissions = 1;
            boolean armed = true;
            while (fds.size() < n) {
                if (!armed) {
                    ring.sqe().accept(listener.fd().intValue(), true).userData(7);
                    submissions++;
                }
                for (Completions.Cqe e : c.await(1)) {
                    assertEquals(7, e.userData());
                    assertTrue(e.res() >= 0, "accept failed: " + e.res());
                    fds.add(e.res());
                    armed = e.more();
                }
            }
            assertEquals(n, fds.size());
            assertTrue(submissions < n / 2, "multishot: " + submissions + " submissions for " + n + " connections");
            ring.sqe().cancel(7).userData(8);
            c.await(2); // the cancel and the final accept completion
        } finally {
            for (int fd : fds) FileDescriptor.adopt(fd).close();
            for (Socket s : clients) if (s != null) s.close();
        }
    }

    @Test
    void multishotRecvWithABufferRingRunsOutAndRecovers() throws Exception {
        Socket[] pair = connectedPair();
        try (Socket client = pair[0]; Socket server = pair[1]; IoUring ring = IoUring.open(8);
             BufferRing buffers = new BufferRing(ring, 3, 4, 64)) {
            Completions c = new Completions(ring);
            ring.sqe().recvSelect(server.fd().intValue(), buffers.group(), true).userData(9);
            ring.submit();
            StringBuilder seen = new StringBuilder();
            for (int i = 0; i < 4; i++) {
                client.write(MemorySegment.ofArray(("msg" + i + ";").getBytes()));
                Completions.Cqe e = c.await(1).get(0);
                assertTrue(e.res() > 0 && (e.flags() & IoUring.CQE_F_BUFFER) != 0, e.toString());
                assertTrue(e.more());
                seen.append(new String(buffers.buffer(IoUring.bufferId(e.flags())).asSlice(0, e.res()).toArray(ValueLayout.JAVA_BYTE)));
            }
            assertEquals("msg0;msg1;msg2;msg3;", seen.toString());
            // all four buffers are out: the next data finds none
            client.write(MemorySegment.ofArray("late;".getBytes()));
            Completions.Cqe nobufs = c.await(1).get(0);
            assertEquals(-Errno.ENOBUFS.code(), nobufs.res());
            assertTrue(!nobufs.more(), "ENOBUFS ends the multishot");
            // give the buffers back and re-arm: the waiting bytes arrive
            for (int id = 0; id < 4; id++) buffers.recycle(id);
            ring.sqe().recvSelect(server.fd().intValue(), buffers.group(), true).userData(10);
            Completions.Cqe late = c.await(1).get(0);
            assertEquals("late;", new String(buffers.buffer(IoUring.bufferId(late.flags())).asSlice(0, late.res()).toArray(ValueLayout.JAVA_BYTE)));
            ring.sqe().cancel(10).userData(11);
            c.await(2);
        }
    }

    @Test
    void multishotRecvmsgGivesEachDatagramItsSenderAndRealLength() throws Exception {
        try (IoUring ring = IoUring.open(8); dev.panio.net.Socket server = dev.panio.net.Socket.udp(dev.panio.net.Socket.Family.INET);
             dev.panio.net.Socket client = dev.panio.net.Socket.udp(dev.panio.net.Socket.Family.INET)) {
            org.junit.jupiter.api.Assumptions.assumeTrue(ring.has(Capability.RECV_MULTISHOT), "multishot receives need Linux 6.0");
            server.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            client.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0));
            RecvmsgTemplate template = new RecvmsgTemplate(ring, 128, 0);
            int payloadRoom = 100;
            try (BufferRing buffers = new BufferRing(ring, 5, 4, template.overhead() + payloadRoom)) {
                Completions c = new Completions(ring);
                ring.sqe().recvmsgMultishot(server.fd().intValue(), template, buffers.group(), dev.panio.internal.gen.LibC.MSG_TRUNC())
                        .userData(21);
                ring.submit();
                java.net.SocketAddress to = server.localAddress();
                int[] sizes = {0, 1, 100, 101, 3000};
                for (int size : sizes) {
                    byte[] d = new byte[size];
                    java.util.Arrays.fill(d, (byte) size);
                    client.sendTo(MemorySegment.ofArray(d), to);
                    Completions.Cqe e = c.await(1).get(0);
                    assertTrue(e.res() >= template.overhead() && (e.flags() & IoUring.CQE_F_BUFFER) != 0, e.toString());
                    assertTrue(e.more() || size == 0, "only an empty datagram ends the multishot (it reads as a stream's end would): " + e);
                    MemorySegment b = buffers.buffer(IoUring.bufferId(e.flags()));
                    assertEquals(size, RecvmsgTemplate.payloadLength(b), "the real length, with MSG_TRUNC");
                    MemorySegment stored = template.payload(b, e.res());
                    assertEquals(Math.min(size, payloadRoom), stored.byteSize());
                    for (long i = 0; i < stored.byteSize(); i++) assertEquals((byte) size, stored.get(ValueLayout.JAVA_BYTE, i));
                    assertEquals(size > payloadRoom, (RecvmsgTemplate.flags(b) & dev.panio.internal.gen.LibC.MSG_TRUNC()) != 0);
                    assertEquals(client.localAddress(), dev.panio.internal.io.SockAddrs.read(template.name(b), RecvmsgTemplate.nameLength(b)));
                    buffers.recycle(IoUring.bufferId(e.flags()));
                    if (!e.more()) {
                        ring.sqe().recvmsgMultishot(server.fd().intValue(), template, buffers.group(),
                                dev.panio.internal.gen.LibC.MSG_TRUNC()).userData(21);
                        ring.submit();
                    }
                }
                ring.sqe().cancel(21).userData(22);
                java.util.List<Completions.Cqe> end = c.await(2);
                assertTrue(end.stream().anyMatch(e -> e.userData() == 21 && e.res() == -Errno.ECANCELED.code() && !e.more()), end.toString());
            }
            IllegalArgumentException waitAll = assertThrows(IllegalArgumentException.class,
                    () -> ring.sqe().recvmsgMultishot(server.fd().intValue(), template, 5, dev.panio.internal.gen.LibC.MSG_WAITALL()));
            assertTrue(waitAll.getMessage().contains("MSG_WAITALL"), waitAll.getMessage());
        }
    }

    @Test
    void cancelOfAPendingRecv() throws Exception {
        Socket[] pair = connectedPair();
        try (Socket client = pair[0]; Socket server = pair[1]; IoUring ring = IoUring.open(4); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            ring.sqe().recv(server.fd().intValue(), arena.allocate(16), 0).userData(1);
            ring.submit();
            ring.sqe().cancel(1).userData(2);
            c.await(2);
            assertEquals(-Errno.ECANCELED.code(), c.byUserData(1).res());
            assertEquals(0, c.byUserData(2).res());
            ring.sqe().cancel(1).userData(3);
            assertEquals(-Errno.ENOENT.code(), c.await(1).get(0).res(), "nothing left to cancel");
        }
    }

    @Test
    void timeoutFiresWithEtime() throws Exception {
        try (IoUring ring = IoUring.open(4)) {
            Completions c = new Completions(ring);
            ring.sqe().timeout(10_000_000L, 0).userData(1);
            assertEquals(-Errno.ETIME.code(), c.await(1).get(0).res());
        }
    }

    @Test
    void linkTimeoutCancelsAStalledRecv() throws Exception {
        Socket[] pair = connectedPair();
        try (Socket client = pair[0]; Socket server = pair[1]; IoUring ring = IoUring.open(4); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            ring.sqe().recv(server.fd().intValue(), arena.allocate(16), 0).userData(1).link();
            ring.sqe().linkTimeout(20_000_000L).userData(2);
            c.await(2);
            assertEquals(-Errno.ECANCELED.code(), c.byUserData(1).res());
            assertEquals(-Errno.ETIME.code(), c.byUserData(2).res());
        }
    }

    @Test
    void aFailedLinkCancelsTheRestOfTheChain() throws Exception {
        try (IoUring ring = IoUring.open(4); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            ring.sqe().write(19_998, arena.allocate(1), -1).userData(1).link(); // not an open fd
            ring.sqe().nop().userData(2).link();
            ring.sqe().nop().userData(3);
            c.await(3);
            assertEquals(-Errno.EBADF.code(), c.byUserData(1).res());
            assertEquals(-Errno.ECANCELED.code(), c.byUserData(2).res());
            assertEquals(-Errno.ECANCELED.code(), c.byUserData(3).res());
        }
    }

    /** Overflow the CQ on purpose: with NODROP, every completion still arrives, in order. */
    @Test
    void completionQueueOverflowLosesNothing() throws Exception {
        try (IoUring ring = IoUring.open(IoUringOptions.entries(4).withCqEntries(8))) {
            assertEquals(8, ring.cqEntries());
            int total = 64;
            for (int i = 0; i < total; i += 4) {
                for (int j = 0; j < 4; j++) ring.sqe().nop().userData(i + j);
                assertEquals(4, ring.submit());
            }
            assertTrue(ring.cqReady() <= 8);
            Completions c = new Completions(ring);
            assertEquals(total, ring.forEachCompletion(c));
            for (int i = 0; i < total; i++) assertEquals(i, c.all.get(i).userData());
            assertEquals(0, ring.droppedCompletions());
        }
    }

    @Test
    void sqpollRingEchoes() throws Exception {
        Socket[] pair = connectedPair();
        try (Socket client = pair[0]; Socket server = pair[1];
             IoUring ring = IoUring.open(IoUringOptions.entries(8).withSqPoll(10)); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            MemorySegment buf = arena.allocate(32);
            for (int round = 0; round < 3; round++) {
                if (round > 0) Thread.sleep(30); // let the SQPOLL thread go idle: submit must wake it
                ring.sqe().send(client.fd().intValue(), arena.allocateFrom("sqpoll " + round).asSlice(0, 8), 0).userData(1);
                ring.sqe().recv(server.fd().intValue(), buf, 0).userData(2);
                ring.submit();
                c.await(2);
                assertEquals("sqpoll " + round, buf.getString(0).substring(0, 8));
                c.all.clear();
            }
        }
    }

    @Test
    void pollAddMultishotAndPollRemove() throws Exception {
        try (IoUring ring = IoUring.open(4); Pipe p = Pipe.open(true)) {
            Completions c = new Completions(ring);
            ring.sqe().pollAdd(p.source().intValue(), Poll.POLLIN, true).userData(1);
            ring.submit();
            p.sink().write(MemorySegment.ofArray(new byte[1]));
            Completions.Cqe first = c.await(1).get(0);
            assertEquals(Poll.POLLIN, first.res() & Poll.POLLIN);
            assertTrue(first.more());
            p.source().read(MemorySegment.ofArray(new byte[1]));
            p.sink().write(MemorySegment.ofArray(new byte[1]));
            assertTrue(c.await(1).get(0).more(), "still armed");
            ring.sqe().pollRemove(1).userData(2);
            c.await(2);
            assertEquals(0, c.byUserData(2).res());
        }
    }

    @Test
    void shutdownAndCloseOperations() throws Exception {
        Socket[] pair = connectedPair();
        try (Socket client = pair[0]; Socket server = pair[1]; IoUring ring = IoUring.open(4)) {
            Completions c = new Completions(ring);
            ring.sqe().shutdown(client.fd().intValue(), LibC.SHUT_WR()).userData(1);
            assertEquals(0, c.await(1).get(0).res());
            assertEquals(FileDescriptor.EOF, server.read(MemorySegment.ofArray(new byte[4])));
            int raw = server.fd().duplicate(0).detach(); // a raw fd this test owns
            ring.sqe().close(raw).userData(2);
            assertEquals(0, c.await(1).get(0).res());
            assertTrue(!dev.panio.testkit.Fds.isOpen(raw));
        }
    }

    @Test
    void fixedFilesAreUsedByIndex() throws Exception {
        try (IoUring ring = IoUring.open(4); Pipe p = Pipe.open(true); Arena arena = Arena.ofConfined()) {
            Completions c = new Completions(ring);
            ring.registerFiles(p.source().intValue(), p.sink().intValue());
            ring.sqe().write(1, arena.allocateFrom("fixed").asSlice(0, 5), -1).fixedFile().userData(1);
            assertEquals(5, c.await(1).get(0).res());
            MemorySegment in = arena.allocate(8);
            ring.sqe().read(0, in, -1).fixedFile().userData(2);
            assertEquals(5, c.await(1).get(0).res());
            assertEquals("fixed", in.getString(0).substring(0, 5));
            ring.unregisterFiles();
        }
    }

    @Test
    void closeCancelsAndReapsWhatIsInFlightBeforeFreeingRingMemory() throws Exception {
        try (Pipe p = Pipe.open(true)) {
            IoUring ring = IoUring.open(8);
            MemorySegment buf = ring.allocate(64);
            ring.sqe().read(p.source().intValue(), buf, -1).userData(1); // waits on the empty pipe
            ring.submit();
            ring.close();
            // The READ was cancelled before close returned: a byte written now stays in the pipe.
            p.sink().write(MemorySegment.ofArray(new byte[] {7}));
            assertEquals(1, p.source().available());
            assertThrows(IllegalStateException.class, () -> buf.get(ValueLayout.JAVA_BYTE, 0), "ring memory is gone with the ring");
        }
    }

    @Test
    void ringMemoryIsLeftInaccessibleWhenCloseCannotDrainTheRing() throws Exception {
        assumeTrue(IoUring.availability().has(Capability.SINGLE_ISSUER), "needs SINGLE_ISSUER (6.0)");
        try (Pipe p = Pipe.open(true)) {
            java.util.concurrent.CompletableFuture<IoUring> opened = new java.util.concurrent.CompletableFuture<>();
            java.util.concurrent.CompletableFuture<Long> address = new java.util.concurrent.CompletableFuture<>();
            Thread owner = Thread.ofPlatform().start(() -> {
                try {
                    IoUring ring = IoUring.open(IoUringOptions.entries(8).withFlags(IoUringOptions.SETUP_SINGLE_ISSUER));
                    MemorySegment buf = ring.allocate(4096);
                    ring.sqe().read(p.source().intValue(), buf, -1).userData(1);
                    ring.submit();
                    address.complete(buf.address());
                    opened.complete(ring);
                } catch (Throwable t) {
                    opened.completeExceptionally(t);
                }
            });
            IoUring ring = opened.get(10, java.util.concurrent.TimeUnit.SECONDS);
            owner.join();
            ring.close(); // from a thread that may not submit: no cancel, no drain
            long addr = address.get();
            // The mapping that holds the address (neighbouring PROT_NONE ranges may have merged into one line).
            String line = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream()
                    .filter(l -> {
                        String[] range = l.substring(0, l.indexOf(' ')).split("-");
                        return Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), addr) <= 0
                                && Long.compareUnsigned(addr, Long.parseUnsignedLong(range[1], 16)) < 0;
                    }).findFirst().orElse("");
            assertTrue(line.contains(" ---p "), "the READ's buffer is reserved PROT_NONE, not returned: '" + line + "'");
        }
    }

    @Test
    void registrationFromTwoThreadsReportsEachThreadsOwnErrno() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            int rounds = 20_000;
            java.util.concurrent.atomic.AtomicInteger wrong = new java.util.concurrent.atomic.AtomicInteger();
            Thread a = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    try {
                        ring.registerFiles(1_000_000); // not an open fd
                    } catch (dev.panio.io.ErrnoException e) {
                        if (e.errno() != Errno.EBADF) wrong.incrementAndGet();
                    }
                }
            });
            Thread b = Thread.ofPlatform().start(() -> {
                for (int i = 0; i < rounds; i++) {
                    try {
                        ring.unregisterFiles(); // nothing registered
                    } catch (dev.panio.io.ErrnoException e) {
                        if (e.errno() != Errno.ENXIO) wrong.incrementAndGet();
                    }
                }
            });
            a.join();
            b.join();
            assertEquals(0, wrong.get(), "errno read from another thread's call");
        }
    }

    @Test
    void closeNeverFreesRingMemoryThatABlockingCallElsewhereStillUses() throws Exception {
        try (Pipe p = Pipe.open(false)) {
            IoUring ring = IoUring.open(8);
            MemorySegment buf = ring.allocate(64);
            java.util.concurrent.CompletableFuture<Long> read = new java.util.concurrent.CompletableFuture<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try {
                    read.complete(p.source().read(buf)); // blocks: the pipe is empty
                } catch (Throwable t) {
                    read.completeExceptionally(t);
                }
            });
            Thread.sleep(100); // let it block
            ring.close(); // must neither throw nor free buf under the read
            p.sink().write(MemorySegment.ofArray(new byte[] {9}));
            assertEquals(1, read.get(10, java.util.concurrent.TimeUnit.SECONDS));
            reader.join();
            assertEquals(9, buf.get(ValueLayout.JAVA_BYTE, 0), "the memory stayed valid for the read");
            IoUring.open(2).close(); // a later teardown frees what was held
            assertTrue(!buf.scope().isAlive(), "freed once nothing held it");
        }
    }

    @Test
    void aRefusedSqeNeverRunsNorCompletesAsUserDataZero() throws Exception {
        try (IoUring ring = IoUring.open(8)) {
            assertThrows(IllegalArgumentException.class, () -> ring.sqe().cancel(-1));
            assertThrows(IllegalArgumentException.class, () -> ring.sqe().nop().flags(0x100));
            assertThrows(IllegalArgumentException.class, () -> ring.sqe().nop().userData(-2));
            ring.sqe().nop().userData(5);
            Completions c = new Completions(ring);
            assertEquals(5, c.await(1).get(0).userData());
            ring.submitAndWait(1, 20_000_000L);
            ring.forEachCompletion(c);
            assertEquals(1, c.all.size(), "only the NOP that was prepared: " + c.all);
        }
    }

    @Test
    void aReadvSqeTakesEntriesFromAnyNumberOfArenas() throws Exception {
        try (IoUring ring = IoUring.open(8); Pipe p = Pipe.open(true); java.lang.foreign.Arena a = java.lang.foreign.Arena.ofConfined()) {
            java.util.List<java.lang.foreign.Arena> arenas = new java.util.ArrayList<>();
            IoVec iov = new IoVec(a, 8);
            for (int i = 0; i < 8; i++) {
                java.lang.foreign.Arena each = java.lang.foreign.Arena.ofConfined();
                arenas.add(each);
                iov.add(each.allocate(2));
            }
            p.sink().write(MemorySegment.ofArray(new byte[16]));
            ring.sqe().readv(p.source().intValue(), iov, -1).userData(1);
            assertEquals(16, new Completions(ring).await(1).get(0).res());
            for (java.lang.foreign.Arena each : arenas) each.close();
        }
    }

    @Test
    void closingARingUnmapsItsRings() throws Exception {
        long before = uringMappings();
        try (IoUring ring = IoUring.open(IoUringOptions.entries(4).withCqEntries(8))) {
            assertTrue(uringMappings() > before, "the rings are mapped while open");
            assertNotNull(ring.sqe());
        }
        assertEquals(before, uringMappings());
    }

    @Test
    void spliceSendsAFileThroughAPipeToASocketWithoutUserSpaceCopies() throws Exception {
        Socket[] pair = connectedPair();
        byte[] data = new byte[200_000];
        new java.util.Random(9).nextBytes(data);
        try (Socket client = pair[0]; Socket server = pair[1]; IoUring ring = IoUring.open(8); Pipe pipe = Pipe.open(false);
             FileDescriptor file = LinuxFiles.memfd("splice", 0); Arena arena = Arena.ofConfined()) {
            for (long w = 0; w < data.length; ) w += file.write(MemorySegment.ofArray(data).asSlice(w));
            Completions c = new Completions(ring);
            java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
            MemorySegment buf = arena.allocate(65536);
            long sent = 0;
            while (sent < data.length) {
                int want = (int) Math.min(65536, data.length - sent);
                ring.sqe().splice(file.intValue(), sent, pipe.sink().intValue(), -1, want).userData(1);
                ring.submit();
                int inPipe = c.await(1).get(0).res();
                assertTrue(inPipe > 0, "file to pipe moved " + inPipe);
                while (inPipe > 0) {
                    ring.sqe().splice(pipe.source().intValue(), -1, server.fd().intValue(), -1, inPipe).userData(2);
                    ring.submit();
                    int out = c.await(1).get(0).res();
                    assertTrue(out > 0, "pipe to socket moved " + out);
                    inPipe -= out;
                    sent += out;
                    long n;
                    while ((n = client.read(buf)) > 0) got.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            }
            while (got.size() < data.length) {
                long n = client.read(buf);
                if (n > 0) got.write(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            }
            assertArrayEquals(data, got.toByteArray());
            ring.sqe().splice(file.intValue(), data.length, pipe.sink().intValue(), -1, 100).userData(3);
            ring.submit();
            assertEquals(0, c.await(1).get(0).res(), "end of file");
        }
    }

    private static long uringMappings() throws Exception {
        return java.nio.file.Files.readAllLines(Path.of("/proc/self/maps")).stream().filter(l -> l.contains("io_uring")).count();
    }

    static Socket[] connectedPair() throws Exception {
        try (Socket listener = Socket.listen(LOOPBACK, 4)) {
            Socket client = Socket.tcp(Socket.Family.INET, false);
            client.connect(listener.localAddress());
            client.fd().setNonBlocking(true);
            Socket server = null;
            for (int i = 0; i < 1000 && server == null; i++) {
                server = listener.accept();
                if (server == null) Thread.sleep(1);
            }
            assertNotNull(server);
            return new Socket[] {client, server};
        }
    }
}
