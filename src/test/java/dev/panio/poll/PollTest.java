package dev.panio.poll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import dev.panio.io.Pipe;
import dev.panio.testkit.NoFdLeaks;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class PollTest {
    @Test
    void reportsReadinessAndHangup() throws Exception {
        try (Pipe p = Pipe.open(true); Poll poll = new Poll(2)) {
            int r = poll.add(p.source(), Poll.POLLIN, 11);
            int w = poll.add(p.sink(), Poll.POLLOUT, 22);
            assertEquals(1, poll.poll(0));
            assertEquals(0, poll.revents(r));
            assertEquals(Poll.POLLOUT, poll.revents(w));
            p.sink().write(ByteBuffer.wrap(new byte[] {1}));
            assertEquals(2, poll.poll(0));
            assertEquals(Poll.POLLIN, poll.revents(r));
            assertEquals(11, poll.data(r));
            poll.remove(w);
            p.sink().close();
            assertEquals(1, poll.poll(0));
            assertEquals(Poll.POLLIN | Poll.POLLHUP, poll.revents(r));
        }
    }

    @Test
    void removeMovesTheLastEntryIntoTheHole() throws Exception {
        try (Pipe a = Pipe.open(true); Pipe b = Pipe.open(true); Poll poll = new Poll(1)) {
            poll.add(a.source(), Poll.POLLIN, 1);
            poll.add(a.sink(), Poll.POLLOUT, 2);
            poll.add(b.source(), Poll.POLLIN, 3); // grows past the initial capacity
            assertEquals(2, poll.remove(0));
            assertEquals(2, poll.size());
            assertSame(b.source(), poll.descriptor(0));
            assertEquals(3, poll.data(0));
            assertEquals(Poll.POLLIN, poll.events(0));
            assertEquals(-1, poll.remove(1));
            poll.modify(0, Poll.POLLOUT);
            assertEquals(0, poll.poll(0), "a pipe's read end is never writable");
        }
    }

    /** The seeds' multiplexing claim: one ready fd among 10,000 watched ones is found. */
    @Test
    void findsTheOneReadyFdAmongTenThousand() throws Exception {
        List<EventFd> fds = new ArrayList<>();
        try (Poll poll = new Poll(16)) {
            for (int i = 0; i < 10_000; i++) {
                EventFd e = EventFd.open();
                fds.add(e);
                poll.add(e.fd(), Poll.POLLIN, i);
            }
            assertEquals(0, poll.poll(0));
            fds.get(7_777).signal(1);
            assertEquals(1, poll.poll(1000));
            int found = -1;
            for (int i = 0; i < poll.size(); i++) {
                if (poll.revents(i) != 0) found = (int) poll.data(i);
            }
            assertEquals(7_777, found);
        } finally {
            for (EventFd e : fds) e.close();
        }
    }

    @Test
    void waitRespectsItsTimeout() throws Exception {
        try (Pipe p = Pipe.open(true); Poll poll = new Poll(1)) {
            poll.add(p.source(), Poll.POLLIN, 0);
            assertEquals(0, poll.poll(20));
        }
    }

    @Test
    void closedFdIsReportedAsPollnval() throws Exception {
        Pipe p = Pipe.open(true);
        try (Poll poll = new Poll(1)) {
            poll.add(p.source(), Poll.POLLIN, 0);
            p.close();
            assertEquals(1, poll.poll(0));
            assertTrue((poll.revents(0) & Poll.POLLNVAL) != 0);
        }
    }
}
