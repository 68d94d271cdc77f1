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
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"EPOLL", "EPOLL_ET", "POLL", "SELECT", "SIGNAL", "IO_URING", "BLOCKING", "VIRTUAL"})
    void bytesAfterUrgentMarkAreDelivered(Backend b) throws Exception {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onData(Connection c, MemorySegment data) {
                    synchronized (got) {
                        got.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {}
            });
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
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                String seen;
                do {
                    Thread.sleep(50);
                    synchronized (got) { seen = got.toString(StandardCharsets.US_ASCII); }
                } while (!seen.endsWith("world") && System.nanoTime() < deadline);
                // without SO_OOBINLINE the urgent byte is taken out of the stream
                assertEquals("helloworld", seen, b + ": bytes after the urgent mark were never read");
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
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        java.util.concurrent.CompletableFuture<Connection> opened = new java.util.concurrent.CompletableFuture<>();
        try (EventLoopGroup g = start(b, ReactorOptions.defaults().withLoops(1))) {
            Listener l = g.listen(ANY, () -> new ConnectionHandler() {
                @Override
                public void onOpen(Connection c) {
                    c.suspendReading();
                    opened.complete(c);
                }
                @Override
                public void onData(Connection c, MemorySegment data) {
                    synchronized (got) {
                        got.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
                    }
                }
                @Override
                public void onClose(Connection c, CloseCause cause, IOException e) {}
            });
            try (Socket s = client(l)) {
                Connection c = opened.get(10, TimeUnit.SECONDS);
                s.setTcpNoDelay(true);
                s.getOutputStream().write("hello".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                s.sendUrgentData('X');
                s.getOutputStream().write("world".getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
                Thread.sleep(100); // all of it queued at the server
                long before = g.metrics().turns();
                Thread.sleep(500);
                long turns = g.metrics().turns() - before;
                assertTrue(turns < 1000, b + ": the loop turned " + turns + " times in 500 ms over unread urgent data");
                c.resumeReading();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
                String seen;
                do {
                    Thread.sleep(20);
                    synchronized (got) { seen = got.toString(StandardCharsets.US_ASCII); }
                } while (!seen.endsWith("world") && System.nanoTime() < deadline);
                assertEquals("helloworld", seen, b + ": after resuming");
            }
        }
    }
}
