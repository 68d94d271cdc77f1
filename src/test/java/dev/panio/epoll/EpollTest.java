package dev.panio.epoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class EpollTest {
    /**
     * The seeds' example: write 2 KiB into a pipe, read 1 KiB, wait again. Level-triggered
     * epoll reports the fd again because data is still there; edge-triggered does not,
     * until new data arrives.
     */
    @Test
    void levelTriggeredReportsAgainEdgeTriggeredOnlyOnNewData() throws Exception {
        for (boolean edge : new boolean[] {false, true}) {
            try (Pipe p = Pipe.open(true); Epoll ep = Epoll.open(4); Arena arena = Arena.ofConfined()) {
                Interest in = edge ? Interest.READ.with(Interest.EDGE_TRIGGERED) : Interest.READ;
                ep.add(p.source(), in, 1);
                assertEquals(2048, p.sink().write(arena.allocate(2048)));
                assertEquals(1, ep.epollWait(1000));
                assertEquals(1024, p.source().read(arena.allocate(1024)));
                assertEquals(1024, p.source().available());

                assertEquals(edge ? 0 : 1, ep.epollWait(50), edge ? "ET: no new edge" : "LT: data remains");

                p.sink().write(arena.allocate(1));
                assertEquals(1, ep.epollWait(1000), "new data is a new edge for both");
            }
        }
    }

    @Test
    void oneshotReportsOnceUntilRearmed() throws Exception {
        try (Pipe p = Pipe.open(true); Epoll ep = Epoll.open(4)) {
            ep.add(p.source(), Interest.READ.with(Interest.ONESHOT), 5);
            p.sink().write(MemorySegment.ofArray(new byte[10]));
            assertEquals(1, ep.epollWait(1000));
            assertEquals(0, ep.epollWait(0), "disabled after one report");
            ep.modify(p.source(), Interest.READ.with(Interest.ONESHOT), 6);
            assertEquals(1, ep.epollWait(0));
            assertEquals(6, ep.data(0));
        }
    }

    @Test
    void rdhupAfterPeerShutsDownItsOutput() throws Exception {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        try (Socket listener = Socket.listen(any, 4);
             Socket client = Socket.tcp(Socket.Family.INET, false);
             Epoll ep = Epoll.open(4)) {
            assertTrue(client.connect(listener.localAddress()), "a blocking connect completes at once");
            ep.add(listener.fd(), Interest.READ, 0);
            assertEquals(1, ep.epollWait(5000));
            try (Socket server = listener.accept()) {
                ep.add(server.fd(), Interest.READ.with(Interest.RDHUP), 1);
                assertEquals(0, ep.epollWait(0));
                client.shutdownOutput();
                assertEquals(1, ep.epollWait(5000));
                int ev = ep.events(0);
                assertTrue((ev & Epoll.EPOLLRDHUP) != 0, "events " + Integer.toHexString(ev));
                assertEquals(FileDescriptor.EOF, server.read(MemorySegment.ofArray(new byte[8])));
            }
        }
    }

    /** One ready fd among 10,000 registered: epoll reports exactly it, with its user value. */
    @Test
    void findsTheOneReadyFdAmongTenThousand() throws Exception {
        List<EventFd> fds = new ArrayList<>();
        try (Epoll ep = Epoll.open(64)) {
            for (int i = 0; i < 10_000; i++) {
                EventFd e = EventFd.open();
                fds.add(e);
                ep.add(e.fd(), Interest.READ, 1_000_000L + i);
            }
            assertEquals(0, ep.epollWait(0));
            fds.get(9_321).signal(1);
            assertEquals(1, ep.epollWait(1000));
            assertEquals(1_000_000L + 9_321, ep.data(0));
            assertEquals(Epoll.EPOLLIN, ep.events(0));
        } finally {
            for (EventFd e : fds) e.close();
        }
    }

    @Test
    void ctlErrorsNameTheOperationTheFdAndTheErrno() throws Exception {
        try (Pipe p = Pipe.open(true); Epoll ep = Epoll.open(4)) {
            ep.add(p.source(), Interest.READ, 0);
            ErrnoException dup = assertThrows(ErrnoException.class, () -> ep.add(p.source(), Interest.READ, 0));
            assertSame(Errno.EEXIST, dup.errno());
            assertEquals("epoll_ctl(ADD, fd=" + p.source().intValue() + "): EEXIST (File exists)", dup.getMessage());
            ErrnoException missing = assertThrows(ErrnoException.class, () -> ep.modify(p.sink(), Interest.WRITE, 0));
            assertSame(Errno.ENOENT, missing.errno());
            p.close();
            ClosedException closed = assertThrows(ClosedException.class, () -> ep.delete(p.source()));
            assertEquals("epoll_ctl on fd=" + p.source().intValue() + ": closed", closed.getMessage());
        }
    }

    @Test
    void timeoutZeroAndPositiveReturnNothingWhenIdle() throws Exception {
        try (Pipe p = Pipe.open(true); Epoll ep = Epoll.open(1)) {
            ep.add(p.source(), Interest.READ, 0);
            assertEquals(0, ep.epollWait(0));
            assertEquals(0, ep.epollWait(30));
            assertThrows(IndexOutOfBoundsException.class, () -> ep.events(0));
        }
    }
}
