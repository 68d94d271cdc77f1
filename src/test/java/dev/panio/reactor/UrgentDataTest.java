package dev.panio.reactor;

import static dev.panio.reactor.ReactorSuiteTest.ANY;
import static dev.panio.reactor.ReactorSuiteTest.client;
import static dev.panio.reactor.ReactorSuiteTest.start;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * TCP urgent data makes recv stop short at the urgent mark
 * while more bytes are queued behind it: every backend still delivers what follows (an
 * edge-triggered loop that took the short read for "queue empty" never did: no new arrival,
 * no new edge). Found by an adversarial review of the short-read rule.
 */
@Timeout(60)
class UrgentDataTest {
    /**
     * Keeps what its connection receives; optionally suspends reading and writes
     * {@code writeAtOpen} bytes when the connection opens. The end of input is recorded (the
     * bytes received by then), not answered with a close.
     */
    private static final class Receiver implements ConnectionHandler {
        private final boolean suspend;
        private final int writeAtOpen;
        private final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final CompletableFuture<Connection> opened = new CompletableFuture<>();
        final CompletableFuture<Integer> ended = new CompletableFuture<>();

        Receiver(boolean suspend, int writeAtOpen) {
            this.suspend = suspend;
            this.writeAtOpen = writeAtOpen;
        }

        @Override
        public void onOpen(Connection c) {
            if (suspend) c.suspendReading();
            if (writeAtOpen > 0) c.write(MemorySegment.ofArray(new byte[writeAtOpen]));
            opened.complete(c);
        }

        @Override
        public void onData(Connection c, MemorySegment data) {
            synchronized (got) {
                got.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
            }
        }

        @Override
        public void onInputClosed(Connection c) {
            synchronized (got) {
                ended.complete(got.size());
            }
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException e) {}

        String text() {
            synchronized (got) {
                return got.toString(StandardCharsets.US_ASCII);
            }
        }

        /** The text once it ends with {@code suffix}, or as it is after 3 s. */
        String awaitEnding(String suffix, long pollMillis) throws InterruptedException {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
            String seen;
            do {
                Thread.sleep(pollMillis);
                seen = text();
            } while (!seen.endsWith(suffix) && System.nanoTime() < deadline);
            return seen;
        }
    }

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "EPOLL_ET", "POLL", "SELECT", "SIGNAL", "IO_URING", "BLOCKING", "VIRTUAL"})
    void bytesAfterUrgentMarkAreDelivered(Backend b) throws Exception {
        Receiver r = new Receiver(false, 0);
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> r);
            // hold the loop so that everything has arrived before the connection is accepted and read
            CountDownLatch held = new CountDownLatch(1);
            g.loops().get(0).execute(() -> {
                held.countDown();
                try { Thread.sleep(500); } catch (InterruptedException e) { }
            });
            held.await();
            try (Socket s = client(l)) {
                s.setTcpNoDelay(true);
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(50);
                s.sendUrgentData('X');
                Thread.sleep(50);
                s.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                // without SO_OOBINLINE the urgent byte is taken out of the stream
                assertEquals("helloworld", r.awaitEnding("world", 50), b + ": bytes after the urgent mark were never read");
            }
        }
    }

    /**
     * Urgent data that arrives while reading is suspended waits, like any other byte, without
     * the loop spinning on it: select reports pending urgent data as an exception condition
     * for as long as it is unread, so a select loop still watching for it turned without pause.
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "EPOLL_ET", "POLL", "SELECT", "SIGNAL", "IO_URING", "BLOCKING", "VIRTUAL"})
    void urgentDataWhileReadingIsSuspendedDoesNotSpinTheLoop(Backend b) throws Exception {
        Receiver r = new Receiver(true, 0);
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> r);
            try (Socket s = client(l)) {
                Connection c = r.opened.get(10, TimeUnit.SECONDS);
                s.setTcpNoDelay(true);
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.sendUrgentData('X');
                s.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(100); // all of it queued at the server
                long turns = turns(g, 500);
                assertTrue(turns < 1000, b + ": the loop turned " + turns + " times in 500 ms over unread urgent data");
                c.resumeReading();
                assertEquals("helloworld", r.awaitEnding("world", 20), b + ": after resuming");
            }
        }
    }

    /**
     * Reading suspended with writes queued (write interest only), then the writes drained (no
     * interest at all), urgent data pending throughout, then bytes and the end arriving while
     * the connection is out of every set: no spinning in either state, and on resuming every
     * byte and the end come, in order. Adapted from a review of the select fix, which found the
     * write-only state spun too before it (106,050 turns in 300 ms).
     */
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"SELECT", "POLL", "EPOLL", "EPOLL_ET", "SIGNAL", "IO_URING"})
    void suspendedThroughWriteOnlyAndNoInterestLosesNothing(Backend b) throws Exception {
        int big = 6 << 20;
        Receiver r = new Receiver(true, big); // more than the socket takes: queued
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1).withWatermarks(32 << 10, 256 << 10, 16 << 20));
                Listener l = g.listen(ANY, () -> r);
                Socket s = client(l)) {
            Connection c = r.opened.get(10, TimeUnit.SECONDS);
            s.setTcpNoDelay(true);
            s.getOutputStream().write("abc".getBytes(StandardCharsets.US_ASCII));
            s.sendUrgentData('X');
            s.getOutputStream().write("def".getBytes(StandardCharsets.US_ASCII));
            Thread.sleep(100);
            assertTrue(c.queuedBytes() > 0, b + ": the server's writes are queued");
            long turns = turns(g, 300);
            assertTrue(turns < 1000, b + ": write interest only, urgent data pending: " + turns + " turns in 300 ms");
            byte[] buf = new byte[65536];
            long total = 0;
            for (int n; total < big && (n = s.getInputStream().read(buf)) > 0; ) total += n;
            assertEquals(big, total);
            Thread.sleep(100);
            assertEquals(0, c.queuedBytes());
            turns = turns(g, 300);
            assertTrue(turns < 1000, b + ": no interest, urgent data pending: " + turns + " turns in 300 ms");
            s.getOutputStream().write("ghi".getBytes(StandardCharsets.US_ASCII));
            s.shutdownOutput();
            Thread.sleep(100);
            turns = turns(g, 300);
            assertTrue(turns < 1000, b + ": no interest, the end pending: " + turns + " turns in 300 ms");
            assertEquals(0, r.text().length(), b + ": nothing delivered while suspended");
            c.resumeReading();
            assertEquals(9, r.ended.get(5, TimeUnit.SECONDS));
            assertEquals("abcdefghi", r.text(), b.name());
        }
    }

    private static long turns(EventLoopGroup g, long millis) throws InterruptedException {
        long before = g.metrics().turns();
        Thread.sleep(millis);
        return g.metrics().turns() - before;
    }
}
