package dev.panio.coroutine;

import static dev.panio.coroutine.ReadinessTest.cause;
import static dev.panio.coroutine.ReadinessTest.on;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import java.io.EOFException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Blocking}'s socket calls with a timeout and {@code sendfile}, on virtual and platform
 * threads: what the kernel really moved is checked from the other end.
 */
@NoFdLeaks
@Timeout(60)
class BlockingTest {
    static Stream<Boolean> virtualAndPlatform() {
        return Stream.of(true, false);
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aReadThatTimesOutReadsNothingAndTheSocketStaysUsable(boolean virtual) throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM); Arena arena = Arena.ofShared()) {
            MemorySegment buf = arena.allocate(64);
            Throwable t = cause(on(virtual, () -> {
                try {
                    return Blocking.read(p.first(), buf, 50_000_000L);
                } finally {
                    assertFalse(Thread.currentThread().isInterrupted(), "a timeout is not an interrupt");
                }
            }));
            SocketTimeoutException e = assertInstanceOf(SocketTimeoutException.class, t);
            assertTrue(e.getMessage().startsWith("read(fd=" + p.first().fd().intValue() + ")"), e.getMessage());
            assertEquals(0, e.bytesTransferred);
            p.second().write(MemorySegment.ofArray("hi".getBytes()));
            assertEquals(2L, on(virtual, () -> Blocking.read(p.first(), buf, 5_000_000_000L)).get(10, TimeUnit.SECONDS));
            assertEquals('h', buf.get(ValueLayout.JAVA_BYTE, 0));
        }
    }

    /** A peer that stops reading: the write ends after the timeout, saying how much the kernel took, which the peer then reads. */
    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void aWriteThatTimesOutSaysHowMuchWasWritten(boolean virtual) throws Exception {
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM); Arena arena = Arena.ofShared()) {
            p.first().setSendBufferSize(16 * 1024);
            MemorySegment big = arena.allocate(4 << 20);
            SocketTimeoutException e = assertInstanceOf(SocketTimeoutException.class,
                    cause(on(virtual, () -> Blocking.write(p.first(), big, 100_000_000L))));
            assertTrue(e.bytesTransferred > 0 && e.bytesTransferred < big.byteSize(), "written: " + e.bytesTransferred);
            long got = 0;
            MemorySegment buf = arena.allocate(64 * 1024);
            for (long n; (n = p.second().read(buf)) > 0; ) got += n;
            assertEquals(e.bytesTransferred, got, "the peer finds exactly what the exception reported");
        }
    }

    @ParameterizedTest
    @MethodSource("virtualAndPlatform")
    void sendFileSendsTheWholeRangeAndReportsAFileThatEndsFirst(boolean virtual, @TempDir Path tmp) throws Exception {
        byte[] data = new byte[3 << 20];
        new Random(3).nextBytes(data);
        Path file = java.nio.file.Files.write(tmp.resolve("data.bin"), data);
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM); FileDescriptor f = LinuxFiles.openRead(file); Arena arena = Arena.ofShared()) {
            var sent = on(virtual, () -> {
                Blocking.sendFile(p.first(), f, 1000, data.length - 1000, 5_000_000_000L);
                return true;
            });
            MemorySegment got = arena.allocate(data.length - 1000);
            on(true, () -> {
                Blocking.readFully(p.second().fd(), got);
                return true;
            }).get(30, TimeUnit.SECONDS);
            assertTrue(sent.get(30, TimeUnit.SECONDS));
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, data.length), got.toArray(ValueLayout.JAVA_BYTE));
            // 10 bytes asked past the end: the 6 there are sent, then the end is an error, not a hang
            Throwable t = cause(on(virtual, () -> {
                Blocking.sendFile(p.first(), f, data.length - 6, 16, 5_000_000_000L);
                return true;
            }));
            EOFException eof = assertInstanceOf(EOFException.class, t);
            assertTrue(eof.getMessage().contains("after 6 of 16 bytes"), eof.getMessage());
        }
    }
}
