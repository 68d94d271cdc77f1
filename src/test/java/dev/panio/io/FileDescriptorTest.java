package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.testkit.Fds;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class FileDescriptorTest {
    private static final int O_NONBLOCK = 04000;
    private static final int O_CLOEXEC = 02000000;

    @Test
    void emptyNonBlockingPipeReadIsWouldBlockThenDataThenEof() throws Exception {
        try (Pipe p = Pipe.open(true); Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(64);
            assertEquals(FileDescriptor.WOULD_BLOCK, p.source().read(buf));
            assertEquals(3, p.sink().write(arena.allocateFrom("abc", StandardCharsets.US_ASCII).asSlice(0, 3)));
            assertEquals(3, p.source().read(buf));
            assertEquals("abc", buf.getString(0, StandardCharsets.US_ASCII).substring(0, 3));
            p.sink().close();
            assertEquals(FileDescriptor.EOF, p.source().read(buf));
        }
    }

    @Test
    void fullNonBlockingPipeWriteIsWouldBlock() throws Exception {
        try (Pipe p = Pipe.open(true); Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(4096);
            long total = 0;
            long n;
            while ((n = p.sink().write(chunk)) > 0) total += n;
            assertEquals(FileDescriptor.WOULD_BLOCK, n);
            assertEquals(p.capacity(), total, "the kernel took exactly the pipe's capacity");
        }
    }

    @Test
    void nonBlockingAndCloseOnExecFlagsAreWhatTheKernelReports() throws Exception {
        try (Pipe p = Pipe.open(false)) {
            int fd = p.source().intValue();
            assertFalse(p.source().isNonBlocking());
            assertEquals(0, Fds.statusFlags(fd) & O_NONBLOCK);
            assertTrue(p.source().isCloseOnExec());
            assertEquals(O_CLOEXEC, Fds.statusFlags(fd) & O_CLOEXEC);

            p.source().setNonBlocking(true);
            assertTrue(p.source().isNonBlocking());
            assertEquals(O_NONBLOCK, Fds.statusFlags(fd) & O_NONBLOCK);
            p.source().setCloseOnExec(false);
            assertEquals(0, Fds.statusFlags(fd) & O_CLOEXEC);
        }
    }

    @Test
    void useAfterCloseThrowsClosedNamingCallAndFd() throws Exception {
        Pipe p = Pipe.open(true);
        int fd = p.source().intValue();
        p.close();
        assertFalse(Fds.isOpen(fd));
        ClosedException e = assertThrows(ClosedException.class, () -> p.source().read(MemorySegment.ofArray(new byte[1])));
        assertEquals("read", e.call());
        assertEquals("read on fd=" + fd + ": closed", e.getMessage());
    }

    @Test
    void doubleCloseIsHarmlessAndDoesNotCloseAReusedNumber() throws Exception {
        Pipe p = Pipe.open(true);
        int fd = p.source().intValue();
        p.close();
        try (Pipe reused = Pipe.open(true)) {
            assertEquals(fd, reused.source().intValue(), "Linux hands out the lowest free number");
            p.source().close();
            p.close();
            assertTrue(Fds.isOpen(fd), "second close must not touch the new owner of the number");
        }
    }

    @Test
    void closeWhileInUseDefersCloseSoTheNumberIsNotReused() throws Exception {
        Pipe p = Pipe.open(true);
        int fd = p.source().acquire("test");
        p.source().close();
        assertFalse(p.source().isOpen());
        assertTrue(Fds.isOpen(fd), "close(2) waits for the call in flight");
        try (Pipe other = Pipe.open(true)) {
            assertTrue(other.source().intValue() != fd && other.sink().intValue() != fd);
        }
        p.source().release();
        assertFalse(Fds.isOpen(fd));
        p.close();
    }

    @Test
    void collectedOpenDescriptorIsClosedByTheCleaner() throws Exception {
        int fd;
        try (Pipe p = Pipe.open(true)) {
            fd = dropDuplicate(p.source());
        }
        for (int i = 0; i < 200 && Fds.isOpen(fd); i++) {
            System.gc();
            Thread.sleep(10);
        }
        assertFalse(Fds.isOpen(fd), "an unreachable open FileDescriptor must be closed");
    }

    private static int dropDuplicate(FileDescriptor fd) throws ErrnoException {
        return fd.duplicate(0).intValue();
    }

    @Test
    void detachHandsOverTheNumberWithoutClosingIt() throws Exception {
        try (Pipe p = Pipe.open(true)) {
            FileDescriptor dup = p.source().duplicate(0);
            int raw = dup.detach();
            assertFalse(dup.isOpen());
            assertTrue(Fds.isOpen(raw));
            dup.close(); // closed already: must not touch the number
            assertTrue(Fds.isOpen(raw));
            assertEquals("detach", assertThrows(ClosedException.class, dup::detach).call());
            FileDescriptor.adopt(raw).close();
            assertFalse(Fds.isOpen(raw));
        }
    }

    @Test
    void heapBuffersAndSegmentsAreStagedThroughNativeMemory() throws Exception {
        try (Pipe p = Pipe.open(true)) {
            ByteBuffer out = ByteBuffer.wrap("hello heap".getBytes(StandardCharsets.US_ASCII));
            assertEquals(10, p.sink().write(out));
            assertEquals(10, out.position());
            byte[] in = new byte[5];
            assertEquals(5, p.source().read(MemorySegment.ofArray(in)));
            assertEquals("hello", new String(in, StandardCharsets.US_ASCII));
            ByteBuffer rest = ByteBuffer.allocate(16);
            assertEquals(5, p.source().read(rest));
            assertEquals(5, rest.position());
            assertEquals(" heap", new String(rest.array(), 0, 5, StandardCharsets.US_ASCII));
            ByteBuffer direct = ByteBuffer.allocateDirect(4).put((byte) 7).flip();
            assertEquals(1, p.sink().write(direct));
            assertEquals(1, p.source().read(ByteBuffer.allocateDirect(4)));
        }
    }

    @Test
    void readvAndWritevScatterAndGather() throws Exception {
        try (Pipe p = Pipe.open(true); Arena arena = Arena.ofConfined()) {
            IoVec out = new IoVec(arena, 3);
            out.add(arena.allocateFrom("ab", StandardCharsets.US_ASCII).asSlice(0, 2))
               .add(arena.allocateFrom("cde", StandardCharsets.US_ASCII).asSlice(0, 3))
               .add(arena.allocateFrom("f", StandardCharsets.US_ASCII).asSlice(0, 1));
            assertEquals(6, p.sink().writev(out));
            MemorySegment a = arena.allocate(4);
            MemorySegment b = arena.allocate(4);
            IoVec in = new IoVec(arena, 2).add(a).add(b);
            assertEquals(6, p.source().readv(in));
            assertArrayEquals("abcd".getBytes(), a.toArray(ValueLayout.JAVA_BYTE));
            assertArrayEquals(new byte[] {'e', 'f'}, b.asSlice(0, 2).toArray(ValueLayout.JAVA_BYTE));
            assertEquals(FileDescriptor.WOULD_BLOCK, p.source().readv(in));
        }
    }

    @Test
    void availableCountsUnreadBytes() throws Exception {
        try (Pipe p = Pipe.open(true)) {
            assertEquals(0, p.source().available());
            p.sink().write(ByteBuffer.wrap(new byte[123]));
            assertEquals(123, p.source().available());
        }
    }

    @Test
    void readvKeepsTheArenasOfItsEntriesAliveWhileItWaits() throws Exception {
        try (Pipe p = Pipe.open(false)) {
            Arena entryArena = Arena.ofShared();
            MemorySegment buf = entryArena.allocate(64);
            java.util.concurrent.CompletableFuture<Long> read = new java.util.concurrent.CompletableFuture<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                try (Arena mine = Arena.ofConfined()) {
                    read.complete(p.source().readv(new IoVec(mine, 1).add(buf)));
                } catch (Throwable t) {
                    read.completeExceptionally(t);
                }
            });
            Thread.sleep(100); // let it block in readv
            // The kernel will write into buf: its arena must not go away under the call.
            IllegalStateException e = assertThrows(IllegalStateException.class, entryArena::close);
            assertTrue(e.getMessage().contains("acquired"), e.getMessage());
            p.sink().write(MemorySegment.ofArray(new byte[] {1, 2, 3}));
            assertEquals(3, read.get(10, java.util.concurrent.TimeUnit.SECONDS));
            reader.join();
            assertEquals(2, buf.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 1));
            entryArena.close(); // free now that the call has returned
        }
    }

    @Test
    void anIoVecEntryConfinedToAnotherThreadIsRefused() throws Exception {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment mine = a.allocate(8);
            java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
            Thread.ofPlatform().start(() -> {
                try (Arena other = Arena.ofConfined()) {
                    new IoVec(other, 1).add(mine);
                } catch (Throwable t) {
                    thrown.set(t);
                }
            }).join();
            assertTrue(thrown.get() instanceof WrongThreadException, String.valueOf(thrown.get()));
        }
    }
}
