package dev.panio.select;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.io.ResourceLimits;
import dev.panio.testkit.NoFdLeaks;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class SelectTest {
    @Test
    void fdSetSizeIs1024() {
        assertEquals(1024, Select.FD_SETSIZE);
    }

    @Test
    void reportsReadableAndWritableEnds() throws Exception {
        try (Pipe p = Pipe.open(true); Select sel = new Select()) {
            sel.add(p.source(), Select.READ);
            sel.add(p.sink(), Select.WRITE);
            assertEquals(1, sel.select(0), "only the write end is ready");
            assertEquals(Select.WRITE, sel.readyOps(p.sink().intValue()));
            assertEquals(0, sel.readyOps(p.source().intValue()));

            p.sink().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(2, sel.select(1000));
            assertEquals(Select.READ, sel.readyOps(p.source().intValue()));
            int first = sel.nextReady(0);
            int second = sel.nextReady(first + 1);
            assertEquals(Math.min(p.source().intValue(), p.sink().intValue()), first);
            assertEquals(Math.max(p.source().intValue(), p.sink().intValue()), second);
            assertEquals(-1, sel.nextReady(second + 1));

            sel.remove(p.sink());
            assertEquals(1, sel.size());
            assertEquals(1, sel.select(0));
        }
    }

    @Test
    void timesOutWithNothingReady() throws Exception {
        try (Pipe p = Pipe.open(true); Select sel = new Select()) {
            sel.add(p.source(), Select.READ);
            assertEquals(0, sel.select(20));
        }
    }

    /** glibc's FD_SET would write past the 128-byte set; panio refuses before any native call. */
    @Test
    void refusesAnFdAtOrAboveFdSetSize() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        ResourceLimits.raiseOpenFilesToHard();
        try (Pipe p = Pipe.open(true); FileDescriptor high = p.source().duplicate(1500); Select sel = new Select()) {
            assertTrue(high.intValue() >= 1024);
            ErrnoException e = assertThrows(ErrnoException.class, () -> sel.add(high, Select.READ));
            assertSame(Errno.EINVAL, e.errno());
            assertEquals("select", e.call());
            assertEquals(high.intValue(), e.fd());
            assertTrue(e.getMessage().contains("FD_SETSIZE"), e.getMessage());
            assertEquals(0, sel.size());
            // the set is still usable for fds that fit
            sel.add(p.sink(), Select.WRITE);
            assertEquals(1, sel.select(0));
        } finally {
            ResourceLimits.setOpenFiles(original);
        }
    }

    @Test
    void aWatchedFdClosedBehindSelectsBackIsNamed() throws Exception {
        Pipe p = Pipe.open(true);
        try (Select sel = new Select()) {
            sel.add(p.source(), Select.READ);
            int fd = p.source().intValue();
            p.close();
            ErrnoException e = assertThrows(ErrnoException.class, () -> sel.select(0));
            assertSame(Errno.EBADF, e.errno());
            assertEquals(fd, e.fd());
        }
    }
}
