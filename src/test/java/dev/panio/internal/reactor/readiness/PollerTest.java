package dev.panio.internal.reactor.readiness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.internal.reactor.Waker;
import dev.panio.io.Pipe;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testing.OwnThread;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@link Poller} against a real pipe: what it reports for a token, how interest and
 * removal change that, and (level vs edge) whether readiness is reported again without a
 * change. Each poller runs on a thread of its own, as on a loop (the signal poller directs
 * its signals at the thread that made it).
 */
@NoFdLeaks
class PollerTest {
    interface Maker {
        Poller make() throws Exception;
    }

    record Kind(String name, Maker maker) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<Kind> pollers() {
        return Stream.of(new Kind("select", SelectPoller::new), new Kind("poll", PollPoller::new),
                new Kind("epoll", () -> new EpollPoller(false)), new Kind("epoll-et", () -> new EpollPoller(true)),
                new Kind("signal", SignalPoller::new));
    }

    private record Event(long token, int events) {}

    private static List<Event> poll(Poller p, long timeoutNanos) throws Exception {
        List<Event> got = new ArrayList<>();
        p.poll(timeoutNanos, (token, events) -> got.add(new Event(token, events)));
        return got;
    }

    private static void onOwnThread(Kind kind, PollerBody body) throws Exception {
        OwnThread.run(() -> {
            Poller p = kind.maker().make();
            try {
                body.run(p);
            } finally {
                p.close();
            }
        });
    }

    interface PollerBody {
        void run(Poller p) throws Exception;
    }

    private static final long MS = 1_000_000L;

    @ParameterizedTest
    @MethodSource("pollers")
    void reportsTheTokenOfAReadyFdAndHonoursInterestAndRemoval(Kind kind) throws Exception {
        onOwnThread(kind, p -> {
            try (Pipe pipe = Pipe.open(true)) {
                p.add(pipe.source(), 77, Poller.READ);
                p.add(pipe.sink(), 88, Poller.WRITE);
                List<Event> first = poll(p, 1000 * MS);
                assertTrue(first.contains(new Event(88, Poller.WRITE)), kind + ": an empty pipe's write end is writable: " + first);
                // (the signal poller reports a newly added fd once at once, in case it was ready before)
                if (!kind.name().equals("signal")) {
                    assertTrue(first.stream().noneMatch(e -> e.token() == 77), kind + ": nothing to read yet: " + first);
                }

                p.remove(pipe.sink());
                pipe.sink().write(MemorySegment.ofArray(new byte[] {1}));
                List<Event> second = poll(p, 1000 * MS);
                assertTrue(second.stream().anyMatch(e -> e.token() == 77 && (e.events() & Poller.READ) != 0), kind + ": " + second);
                assertTrue(second.stream().noneMatch(e -> e.token() == 88), kind + ": the removed fd is not reported: " + second);

                // Level-triggered pollers report the unread byte again; edge-triggered ones do not.
                List<Event> again = poll(p, 50 * MS);
                boolean reportedAgain = again.stream().anyMatch(e -> e.token() == 77);
                assertEquals(!p.edgeTriggered(), reportedAgain, kind + ": " + again);

                if (!p.edgeTriggered()) {
                    p.modify(pipe.source(), 77, 0);
                    assertTrue(poll(p, 50 * MS).isEmpty(), kind + ": no interest, no report");
                    p.modify(pipe.source(), 77, Poller.READ);
                    assertTrue(poll(p, 1000 * MS).contains(new Event(77, Poller.READ)), kind + ": interest back, reported again");
                }
                p.remove(pipe.source());
            }
        });
    }

    @ParameterizedTest
    @MethodSource("pollers")
    void aHangUpIsReportedWhateverTheInterest(Kind kind) throws Exception {
        onOwnThread(kind, p -> {
            Pipe pipe = Pipe.open(true);
            try {
                p.add(pipe.source(), 5, Poller.READ);
                poll(p, 0); // the signal poller reports a new fd once at once
                pipe.sink().close(); // the reader sees end of file: readable, with POLLHUP
                List<Event> got = poll(p, 1000 * MS);
                assertTrue(got.stream().anyMatch(e -> e.token() == 5 && (e.events() & (Poller.READ | Poller.ERROR)) != 0), kind + ": " + got);
            } finally {
                p.remove(pipe.source());
                pipe.close();
            }
        });
    }

    @ParameterizedTest
    @MethodSource("pollers")
    void aWaitEndsAtItsTimeoutOrWhenWoken(Kind kind) throws Exception {
        onOwnThread(kind, p -> {
            assertTrue(poll(p, 30 * MS).isEmpty());
            Waker w = p.waker();
            if (w == null) return; // woken by the driver's eventfd, tested with the loops
            Thread waker = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ignored) {
                    return;
                }
                w.wake();
            });
            poll(p, -1); // returns only because of the wake
            waker.join();
        });
    }
}
