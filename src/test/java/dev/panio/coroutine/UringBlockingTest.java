package dev.panio.coroutine;

import static dev.panio.coroutine.ReadinessTest.cause;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.io.Pipe;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testing.PinnedEvents;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The completion model for virtual threads: operations handed to the shared ring, the thread
 * parked until the kernel completes them. What was read or written is checked against the
 * file or the peer; cancellation by interrupt, timeout and close; memory the kernel could
 * outlive is refused.
 */
@NoFdLeaks
@Timeout(60)
class UringBlockingTest {
    @BeforeAll
    static void ring() {
        assumeTrue(UringBlocking.available(), () -> "io_uring: " + dev.panio.uring.IoUring.availability().reason());
    }

    /** Runs {@code body} on a new virtual thread. */
    static <T> CompletableFuture<T> virtual(ReadinessTest.ThrowingSupplier<T> body) {
        return ReadinessTest.on(true, body);
    }

    /**
     * 64 virtual threads read and write one regular file at their own offsets (epoll cannot
     * wait on a file) on two carriers; each reads back what it wrote, the file holds all of it,
     * and no thread was pinned by panio's calls.
     */
    @Test
    void virtualThreadsReadAndWriteARegularFileAtOffsetsUnpinned(@TempDir Path tmp) throws Exception {
        int threads = 64, part = 64 * 1024;
        Path path = tmp.resolve("data.bin");
        byte[] want = new byte[threads * part];
        new Random(9).nextBytes(want);
        java.nio.file.Files.write(path, new byte[want.length]);
        PinnedEvents.Found pinned = PinnedEvents.during(() -> {
            try (FileDescriptor rw = LinuxFiles.openReadWrite(path)) {
                List<CompletableFuture<byte[]>> all = new ArrayList<>();
                for (int i = 0; i < threads; i++) {
                    int at = i * part;
                    all.add(virtual(() -> {
                        try (Arena arena = Arena.ofConfined()) {
                            MemorySegment buf = arena.allocate(part);
                            MemorySegment.copy(want, at, buf, ValueLayout.JAVA_BYTE, 0, part);
                            assertEquals(part, UringBlocking.write(rw, buf, at));
                            buf.fill((byte) 0);
                            long n = 0;
                            while (n < part) n += UringBlocking.read(rw, buf.asSlice(n), at + n);
                            return buf.toArray(ValueLayout.JAVA_BYTE);
                        }
                    }));
                }
                for (int i = 0; i < threads; i++) {
                    assertArrayEquals(java.util.Arrays.copyOfRange(want, i * part, (i + 1) * part), all.get(i).get(30, TimeUnit.SECONDS));
                }
                try (Arena arena = Arena.ofConfined()) { // the end of the file, read from a platform thread
                    assertEquals(FileDescriptor.EOF, UringBlocking.read(rw, arena.allocate(16), want.length));
                }
            }
        });
        assertEquals(List.of(), pinned.panio(), "pinned by panio's calls");
        assertArrayEquals(want, java.nio.file.Files.readAllBytes(path));
    }

    /** A seqpacket peer's close reads as EOF, as Socket.read has it (0 would make a read-until-EOF loop spin). */
    @Test
    void aSeqpacketPeersCloseReadsAsEofAndADatagramsEmptyMessageAsZero() throws Exception {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            try (Socket.Pair p = Socket.pair(Socket.Type.SEQPACKET)) {
                assertEquals(5, p.first().write(arena.allocateFrom("hello").asSlice(0, 5)));
                p.first().close();
                assertEquals(5, UringBlocking.read(p.second(), buf, -1));
                assertEquals(FileDescriptor.EOF, UringBlocking.read(p.second(), buf, -1));
                assertEquals(FileDescriptor.EOF, p.second().read(buf), "the same as Socket.read");
            }
            try (Socket.Pair p = Socket.pair(Socket.Type.DATAGRAM)) {
                assertEquals(0, p.first().write(arena.allocate(0)));
                assertEquals(0, UringBlocking.read(p.second(), buf, -1), "an empty datagram is a datagram");
            }
        }
    }

    @Test
    void aSocketReadParksUntilDataComesAndASendReachesThePeer() throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM)) {
            CompletableFuture<String> got = virtual(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(64);
                    long n = UringBlocking.read(p.first(), buf, -1);
                    MemorySegment reply = arena.allocateFrom("pong", java.nio.charset.StandardCharsets.US_ASCII);
                    UringBlocking.write(p.first(), reply.asSlice(0, 4));
                    return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
                }
            });
            Thread.sleep(100);
            assertFalse(got.isDone(), "nothing sent yet");
            p.second().write(MemorySegment.ofArray("ping".getBytes()));
            assertEquals("ping", got.get(10, TimeUnit.SECONDS));
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16);
                assertEquals(4, Blocking.read(p.second(), buf));
                assertEquals("pong", new String(buf.asSlice(0, 4).toArray(ValueLayout.JAVA_BYTE)));
            }
            p.second().close();
            assertEquals(FileDescriptor.EOF, (long) virtual(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return UringBlocking.read(p.first(), arena.allocate(16), -1);
                }
            }).get(10, TimeUnit.SECONDS));
        }
    }

    /** A non-blocking pipe (io_uring answers EAGAIN at once): the read waits with POLL_ADD and then reads. */
    @Test
    void aNonBlockingPipeIsReadOnceTheWriterWrites() throws Exception {
        try (Pipe pipe = Pipe.open(true)) {
            CompletableFuture<Long> got = virtual(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return UringBlocking.read(pipe.source(), arena.allocate(64), -1);
                }
            });
            Thread.sleep(100);
            assertFalse(got.isDone());
            pipe.sink().write(MemorySegment.ofArray("hello".getBytes()));
            assertEquals(5L, got.get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void aTimeoutCancelsTheReadAndTheSocketStaysUsable() throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM)) {
            Throwable t = cause(virtual(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    return UringBlocking.read(p.first(), arena.allocate(16), 50_000_000L);
                }
            }));
            assertInstanceOf(SocketTimeoutException.class, t);
            // the cancelled RECV took nothing: the next byte goes to the next read
            p.second().write(MemorySegment.ofArray(new byte[] {42}));
            assertEquals(42, (int) virtual(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment b = arena.allocate(16);
                    assertEquals(1, UringBlocking.read(p.first(), b, 5_000_000_000L));
                    return (int) b.get(ValueLayout.JAVA_BYTE, 0);
                }
            }).get(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void anInterruptCancelsTheReadAndStaysSet() throws Exception {
        try (EventFd e = EventFd.open(0, false, false)) { // blocking: the READ waits in the kernel
            CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
            Thread t = Thread.ofVirtual().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    UringBlocking.read(e.fd(), arena.allocate(8), -1);
                    stillInterrupted.completeExceptionally(new AssertionError("read returned"));
                } catch (InterruptedIOException expected) {
                    stillInterrupted.complete(Thread.currentThread().isInterrupted());
                } catch (Throwable other) {
                    stillInterrupted.completeExceptionally(other);
                }
            });
            Thread.sleep(100);
            t.interrupt();
            assertTrue(stillInterrupted.get(10, TimeUnit.SECONDS), "the interrupt status stays set");
            // the cancelled READ took nothing: a value signalled now is all there
            e.signal(5);
            assertEquals(5, e.drain());
        }
    }

    @Test
    void closingTheFdFromAnotherThreadCancelsTheWaitWithClosedException() throws Exception {
        EventFd e = EventFd.open(0, false, false);
        CompletableFuture<Long> read = virtual(() -> {
            try (Arena arena = Arena.ofConfined()) {
                return UringBlocking.read(e.fd(), arena.allocate(8), -1);
            }
        });
        Thread.sleep(100);
        e.close();
        assertInstanceOf(ClosedException.class, cause(read));
        assertFalse(e.fd().isOpen());
    }

    @Test
    void awaitReportsReadinessTimeoutAndInterrupt() throws Exception {
        try (EventFd e = EventFd.open()) {
            assertFalse(virtual(() -> UringBlocking.await(e.fd(), Readiness.IN, 50_000_000L)).get(10, TimeUnit.SECONDS));
            assertTrue(virtual(() -> UringBlocking.await(e.fd(), Readiness.OUT, -1)).get(10, TimeUnit.SECONDS));
            CompletableFuture<Boolean> woken = virtual(() -> UringBlocking.await(e.fd(), Readiness.IN, -1));
            Thread.sleep(100);
            e.signal(1);
            assertTrue(woken.get(10, TimeUnit.SECONDS));
            Thread.currentThread().interrupt();
            assertThrows(InterruptedException.class, () -> UringBlocking.await(e.fd(), Readiness.IN, -1));
            assertFalse(Thread.interrupted(), "cleared, as Readiness.await does");
        }
    }

    /** Memory another thread could free under the kernel is refused before anything is submitted. */
    @Test
    void memoryTheKernelCouldOutliveIsRefused(@TempDir Path tmp) throws Exception {
        Path path = java.nio.file.Files.write(tmp.resolve("f"), new byte[16]);
        try (FileDescriptor f = LinuxFiles.openRead(path); Arena shared = Arena.ofShared()) {
            for (MemorySegment bad : new MemorySegment[] {MemorySegment.ofArray(new byte[16]), shared.allocate(16), Arena.global().allocate(16),
                    Arena.ofAuto().allocate(16)}) {
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UringBlocking.read(f, bad, 0));
                assertTrue(e.getMessage().startsWith("read(fd=" + f.intValue() + "): the buffer must be off-heap memory of a live confined arena"),
                        e.getMessage());
            }
            try (Arena other = Arena.ofConfined()) { // confined to this thread, handed to another
                MemorySegment mine = other.allocate(16);
                assertInstanceOf(IllegalArgumentException.class, cause(virtual(() -> UringBlocking.read(f, mine, 0))));
            }
            assertThrows(IllegalArgumentException.class, () -> {
                try (Arena a = Arena.ofConfined()) {
                    UringBlocking.read(f, a.allocate(16), -2);
                }
            });
        }
    }
}
