package dev.panio.internal.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.panio.internal.sys.CallState;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link OwnedStream#send} passes the source segment itself, with the count, when it sends from
 * the start: exactly the asked bytes go, from heap and native memory alike, and a range outside
 * the segment is refused before the call (found by a review of that change).
 */
@NoFdLeaks
class OwnedStreamTest {
    static byte[] drain(Socket s) throws Exception {
        MemorySegment buf = MemorySegment.ofArray(new byte[4096]);
        long n = OwnedStream.read(new CallState(), s, buf);
        if (n == FileDescriptor.WOULD_BLOCK) return new byte[0];
        return Arrays.copyOf(buf.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE), (int) n);
    }

    @Test
    void sendsExactlyTheRangeAndRefusesOneOutsideTheSegment() throws Exception {
        CallState cs = new CallState();
        try (Socket.Pair p = Socket.pair(Socket.Type.STREAM, true); Arena a = Arena.ofConfined()) {
            byte[] data = {1, 2, 3, 4, 5, 6, 7, 8};
            for (MemorySegment src : new MemorySegment[] {MemorySegment.ofArray(data), a.allocate(8).copyFrom(MemorySegment.ofArray(data))}) {
                assertEquals(3, OwnedStream.send(cs, p.first(), src, 0, 3));
                assertArrayEquals(new byte[] {1, 2, 3}, drain(p.second()));
                assertEquals(3, OwnedStream.send(cs, p.first(), src, 5, 3));
                assertArrayEquals(new byte[] {6, 7, 8}, drain(p.second()));
                assertEquals(0, OwnedStream.send(cs, p.first(), src, 0, 0));
                assertEquals(0, OwnedStream.send(cs, p.first(), src, 8, 0));
                for (long[] bad : new long[][] {{0, 9}, {0, -1}, {-1, 2}, {1, 8}, {9, 0}, {Long.MAX_VALUE, 2}, {2, Long.MAX_VALUE}}) {
                    assertThrows(IndexOutOfBoundsException.class, () -> OwnedStream.send(cs, p.first(), src, bad[0], bad[1]),
                            Arrays.toString(bad));
                }
                assertArrayEquals(new byte[0], drain(p.second()), "nothing sent by the refused calls");
                // the segment passed whole with a count: a 0-length segment
                assertEquals(0, OwnedStream.send(cs, p.first(), MemorySegment.ofArray(new byte[0]), 0, 0));
            }
            Arena closed = Arena.ofConfined();
            MemorySegment dead = closed.allocate(8);
            closed.close();
            // a segment of a closed arena is refused by the downcall, whole or sliced, sending nothing
            assertThrows(IllegalStateException.class, () -> OwnedStream.send(cs, p.first(), dead, 0, 8));
            assertThrows(IllegalStateException.class, () -> OwnedStream.send(cs, p.first(), dead, 0, 4));
            assertThrows(IllegalStateException.class, () -> OwnedStream.send(cs, p.first(), dead, 2, 4));
            assertArrayEquals(new byte[0], drain(p.second()));
        }
    }
}
