package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.AsynchronousServerSocketChannel;
import java.nio.channels.AsynchronousSocketChannel;
import java.nio.channels.Pipe;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * {@link NoFdLeaks} on test classes run inside this one (JUnit's engine test kit): a class
 * that leaks a pipe and a listening socket fails, naming both with what they are; a class
 * that closes what it opens passes.
 */
@NoFdLeaks
class NoFdLeaksTest {
    /** What the leaking class left open, closed again by this test (so that it leaks nothing itself). */
    static final List<AutoCloseable> LEFT = new ArrayList<>();

    @NoFdLeaks
    static class Leaks {
        @Test
        void leavesAPipeAndAListeningSocketOpen() throws IOException {
            Pipe p = Pipe.open();
            LEFT.add(p.source());
            LEFT.add(p.sink());
            LEFT.add(new ServerSocket(0, 1, InetAddress.getLoopbackAddress()));
        }
    }

    @NoFdLeaks(origins = true)
    static class LeaksWithOrigins {
        @Test
        void leavesAPanioPipeOpen() throws IOException {
            dev.panio.io.Pipe p = dev.panio.io.Pipe.open(false);
            LEFT.add(p.source());
            LEFT.add(p.sink());
        }
    }

    @NoFdLeaks
    static class Tidy {
        @Test
        void closesWhatItOpens() throws IOException {
            Pipe p = Pipe.open();
            p.source().close();
            p.sink().close();
        }
    }

    /** Closes its channels; the JDK's default asynchronous channel group they start stays for the JVM's life. */
    @NoFdLeaks
    static class TidyAsync {
        @Test
        void closesItsAsynchronousChannels() throws Exception {
            try (AsynchronousServerSocketChannel server = AsynchronousServerSocketChannel.open()
                    .bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
                 AsynchronousSocketChannel client = AsynchronousSocketChannel.open()) {
                Future<AsynchronousSocketChannel> accepted = server.accept();
                client.connect(server.getLocalAddress()).get(5, TimeUnit.SECONDS);
                accepted.get(5, TimeUnit.SECONDS).close();
            }
        }
    }

    @Test
    void aClassThatLeavesDescriptorsFailsNamingEach() throws Exception {
        try {
            Events classes = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Leaks.class)).execute().containerEvents();
            Optional<Throwable> failure = classes.failed().stream()
                    .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).flatMap(r -> r.getThrowable()))
                    .flatMap(Optional::stream).findFirst();
            assertTrue(failure.isPresent(), "the class failed");
            String message = failure.get().getMessage();
            assertTrue(message.contains("leaked file descriptors"), message);
            assertEquals(2, message.split("pipe:\\[", -1).length - 1, "both ends of the pipe named: " + message);
            assertTrue(message.matches("(?s).*socket:\\[\\d+\\] \\(tcp (127\\.0\\.0\\.1|\\[::1\\]):\\d+ -> \\S+:0 LISTEN\\).*"),
                    "the listening socket named with its address and state: " + message);
        } finally {
            for (AutoCloseable c : LEFT) c.close();
            LEFT.clear();
        }
    }

    @Test
    void withOriginsALeakIsNamedWithTheCodeThatOpenedIt() throws Exception {
        try {
            Events classes = EngineTestKit.engine("junit-jupiter").selectors(selectClass(LeaksWithOrigins.class)).execute().containerEvents();
            String message = classes.failed().stream()
                    .map(e -> e.getPayload(org.junit.platform.engine.TestExecutionResult.class).flatMap(r -> r.getThrowable()))
                    .flatMap(Optional::stream).findFirst().orElseThrow().getMessage();
            assertEquals(2, message.split("opened at\\n\\s+dev\\.panio\\.testkit\\.NoFdLeaksTest\\$LeaksWithOrigins\\.leavesAPanioPipeOpen", -1).length - 1,
                    "both ends named with the test method that opened them: " + message);
            assertFalse(dev.panio.io.FdOrigins.isTracking(), "tracking is off again after the class");
        } finally {
            for (AutoCloseable c : LEFT) c.close();
            LEFT.clear();
        }
    }

    @Test
    void aClassThatClosesWhatItOpensPasses() {
        Events classes = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Tidy.class)).execute().containerEvents();
        assertFalse(classes.failed().count() > 0, () -> "failed: " + classes.failed().list());
        assertEquals(1, EngineTestKit.engine("junit-jupiter").selectors(selectClass(Tidy.class)).execute().testEvents().succeeded().count());
    }

    @Test
    void theJdksDefaultAsynchronousChannelGroupIsNotALeak() {
        Events classes = EngineTestKit.engine("junit-jupiter").selectors(selectClass(TidyAsync.class)).execute().containerEvents();
        assertFalse(classes.failed().count() > 0, () -> "failed: " + classes.failed().list());
    }

    @AfterAll
    static void nothingLeftBehind() throws Exception {
        for (AutoCloseable c : LEFT) c.close();
    }
}
