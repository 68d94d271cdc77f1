package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.io.ResourceLimits;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.testing.Forked;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code RLIMIT_NOFILE} lowered under a running server ({@code prlimit} on a live process):
 * on every backend, connections past the new limit are shed (the client sees its connection
 * closed), none is served on an fd over the limit, and the loop goes on. io_uring's armed
 * multishot accept does not see a limit lowered after it was armed, so the driver checks.
 * In a child JVM: the whole process lives under the lowered limit meanwhile.
 */
class FdLimitTest {
    private static final int CLIENTS = 100;
    private static final int HEADROOM = 20;

    static void runForked(String name) throws Exception {
        Backend b = Backend.valueOf(name);
        if (b == Backend.IO_URING) assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        try (EventLoopGroup g = EventLoopGroup.start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), EchoHandler::new);
            // Once through everything below before the limit drops: loading a class from the
            // build's class directories needs an fd.
            try (Socket warm = Socket.tcp(Socket.Family.INET); Poll p = new Poll(1)) {
                warm.connect(l.localAddress());
                p.add(warm.fd(), Poll.POLLIN, 0);
                Thread.sleep(50);
                warm.write(MemorySegment.ofArray(new byte[] {1}));
                p.poll(5000);
                p.revents(0);
                new dev.panio.io.ErrnoException("warm", -1, dev.panio.io.Errno.EPIPE).getMessage();
                g.metrics();
            }
            for (int i = 0; i < 500 && g.metrics().open() > 0; i++) Thread.sleep(10); // the warm-up's server side is gone
            // Every client socket exists before the limit drops: connecting needs no new fd.
            Socket[] clients = new Socket[CLIENTS];
            for (int i = 0; i < CLIENTS; i++) clients[i] = Socket.tcp(Socket.Family.INET);
            int highest = dev.panio.testkit.Fds.open().keySet().stream().mapToInt(Integer::intValue).max().orElseThrow();
            ResourceLimits.Limit old = ResourceLimits.openFiles();
            long limit = highest + 1 + HEADROOM;
            long open;
            long quietErrors;
            try (Poll results = new Poll(CLIENTS)) {
                ResourceLimits.setOpenFiles(new ResourceLimits.Limit(limit, old.hard()));
                try {
                    for (Socket c : clients) {
                        c.connect(l.localAddress());
                        results.add(c.fd(), Poll.POLLIN, 0);
                    }
                    Thread.sleep(200); // connected (loopback), now accepted or shed
                    for (Socket c : clients) {
                        try {
                            c.write(MemorySegment.ofArray(new byte[] {1}));
                        } catch (dev.panio.io.ErrnoException shedAlready) {
                            // EPIPE/ECONNRESET: shed
                        }
                    }
                    // Each client hears back: the echo, or its connection closed.
                    long deadline = System.nanoTime() + 10_000_000_000L;
                    int answered;
                    do {
                        results.poll(100);
                        answered = 0;
                        for (int i = 0; i < CLIENTS; i++) if (results.revents(i) != 0) answered++;
                    } while (answered < CLIENTS && System.nanoTime() < deadline);
                    if (answered < CLIENTS) fail(name + ": " + (CLIENTS - answered) + " clients heard nothing within 10 s");
                    open = g.metrics().open();
                    // Out of fds with nothing pending: Linux fails an accept at once then (it
                    // takes the fd before it looks at the queue), so an acceptor that simply
                    // tries again spins. Count the failed accepts over a quiet second.
                    long before = g.metrics().acceptErrors();
                    Thread.sleep(1000);
                    quietErrors = g.metrics().acceptErrors() - before;
                } finally {
                    ResourceLimits.setOpenFiles(old);
                }
            } finally {
                for (Socket c : clients) c.close();
            }
            // HEADROOM + 1 free numbers under the limit (the highest fd in use + 1 ... + 21), and
            // the loop's reserve fd, whose number a connection takes if the reserve cannot be retaken
            // (without the check, io_uring's armed multishot accept served all 100)
            assertTrue(open <= HEADROOM + 2, name + ": " + open + " connections served under a limit that leaves room for "
                    + (HEADROOM + 2) + " fds");
            assertTrue(g.metrics().acceptErrors() > 0, name + ": the refused accepts are counted");
            // a back-off of 10 ms (when even the reserve fd cannot be retaken) allows 100 a second;
            // an acceptor that spins makes about 100,000
            assertTrue(quietErrors <= 300, name + ": " + quietErrors + " failed accepts in a second with no connection arriving: "
                    + "the acceptor spins at EMFILE");
            // and the loop goes on: served once the limit is back (a connection or two made
            // while the acceptor still sheds what was pending may be closed: try again)
            int attempts = 0;
            for (boolean served = false; !served; ) {
                try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), l.port())) {
                    s.setSoTimeout(5000);
                    s.getOutputStream().write(7);
                    served = s.getInputStream().read() == 7;
                } catch (java.io.IOException shed) {
                    // closed or reset by the shedding
                }
                if (!served && ++attempts == 20) fail(name + ": not served again after the limit was raised");
                if (!served) Thread.sleep(100);
            }
        }
    }

    @TestFactory
    Stream<DynamicTest> aLimitLoweredUnderARunningServerIsHonoured() throws Exception {
        List<String> names = List.of("SELECT", "POLL", "EPOLL", "EPOLL_ET", "IO_URING", "SIGNAL", "BLOCKING", "VIRTUAL");
        Map<String, Forked.Result> results = Forked.run(FdLimitTest.class, names);
        return names.stream().map(n -> DynamicTest.dynamicTest(n + " [forked JVM]", () -> {
            Forked.Result r = results.get(n);
            if (r == null) fail(n + ": no result from the child JVM");
            assumeTrue(!r.skipped(), r.detail());
            if (!r.passed()) fail(r.detail());
        }));
    }
}
