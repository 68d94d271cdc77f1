package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.coroutine.Blocking;
import dev.panio.internal.reactor.Fds;
import dev.panio.io.ResourceLimits;
import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testing.PinnedEvents;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Timeout;

/**
 * The seeds' coroutine server ({@link CoroutineEchoServer}: a virtual thread per connection
 * in straight-line {@link Blocking} calls) on this machine's two carriers: with every
 * connection's thread parked in a read no carrier is held (another virtual thread still
 * runs), 10,000 connections from a client in another process are all answered, and JFR
 * records no pinned virtual thread caused by panio's calls.
 */
@NoFdLeaks
@Timeout(300)
class CoroutineEchoServerTest {
    static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @Test
    void aThousandConnectionsParkedInReadsHoldNoCarrierAndAreAllEchoed() throws Exception {
        int n = 1_000;
        PinnedEvents.Found pinned = PinnedEvents.during(() -> {
            List<Socket> clients = new ArrayList<>();
            try (CoroutineEchoServer server = CoroutineEchoServer.start(LOOPBACK)) {
                InetSocketAddress at = new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
                // the clients are virtual threads too, connecting all at once
                List<CompletableFuture<Socket>> made = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    CompletableFuture<Socket> f = new CompletableFuture<>();
                    made.add(f);
                    Thread.ofVirtual().start(() -> {
                        Socket c = null;
                        try {
                            c = Socket.tcp(Socket.Family.INET);
                            Blocking.connect(c, at, 10_000);
                            f.complete(c);
                        } catch (Throwable t) {
                            if (c != null) Fds.closeQuietly(c.fd());
                            f.completeExceptionally(t);
                        }
                    });
                }
                try {
                    for (CompletableFuture<Socket> f : made) clients.add(f.get(60, TimeUnit.SECONDS));
                    for (int i = 0; i < 100 && server.connections() < n; i++) Thread.sleep(50);
                    assertEquals(n, server.connections(), "every connection has its server thread");

                    // All server threads are parked in Blocking.read now. If any held its
                    // carrier in a blocking system call, the two carriers would be gone and
                    // this virtual thread could not run.
                    CompletableFuture<String> stillRuns = new CompletableFuture<>();
                    Thread.ofVirtual().start(() -> stillRuns.complete("ran"));
                    assertEquals("ran", stillRuns.get(10, TimeUnit.SECONDS));

                    List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
                    for (int i = 0; i < n; i++) {
                        Socket c = clients.get(i);
                        byte[] line = ("connection " + i + "\n").getBytes();
                        CompletableFuture<byte[]> f = new CompletableFuture<>();
                        echoes.add(f);
                        Thread.ofVirtual().start(() -> {
                            try (Arena arena = Arena.ofConfined()) {
                                Blocking.write(c, MemorySegment.ofArray(line));
                                MemorySegment back = arena.allocate(line.length);
                                Blocking.readFully(c.fd(), back);
                                f.complete(back.toArray(ValueLayout.JAVA_BYTE));
                            } catch (Throwable t) {
                                f.completeExceptionally(t);
                            }
                        });
                    }
                    for (int i = 0; i < n; i++) {
                        assertArrayEquals(("connection " + i + "\n").getBytes(), echoes.get(i).get(30, TimeUnit.SECONDS));
                    }
                    for (Socket c : clients) c.close(); // each server thread sees its end
                    for (int i = 0; i < 200 && server.connections() > 0; i++) Thread.sleep(50);
                    assertEquals(0, server.connections(), "every server thread saw its end and closed its socket");
                } finally {
                    for (Socket c : clients) Fds.closeQuietly(c.fd());
                }
            }
        });
        assertEquals(List.of(), pinned.panio(), "jdk.VirtualThreadPinned in panio's calls (besides " + pinned.linkage()
                + " waits on first-use class initialisation or linkage)");
    }

    /** Readiness (epoll) and completion (io_uring: every read a RECV in the shared ring) alike. */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void tenThousandConnectionsFromAnotherProcessEachOnAVirtualThreadAreAllAnswered(boolean uring) throws Exception {
        if (uring) assumeTrue(dev.panio.coroutine.UringBlocking.available(), "no io_uring");
        int n = 10_000;
        ResourceLimits.Limit before = ResourceLimits.openFiles();
        try {
            ResourceLimits.raiseOpenFilesToHard();
            PinnedEvents.Found pinned = PinnedEvents.during(() -> {
                try (CoroutineEchoServer server = CoroutineEchoServer.start(LOOPBACK, uring)) {
                    String java = ProcessHandle.current().info().command().orElse("java");
                    Process client = new ProcessBuilder(java, Path.of("src/test/load/LoadClient.java").toString(), "127.0.0.1",
                            String.valueOf(server.port()), String.valueOf(n)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                    try {
                        BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
                        assertEquals("echoed=" + n + " failed=0", out.readLine(), "every connection answered");
                        assertEquals(n, server.connections(), "all held at once, a virtual thread each");
                        try (OutputStream in = client.getOutputStream()) {
                            in.write('\n'); // the client closes them all
                        }
                        assertTrue(client.waitFor(60, TimeUnit.SECONDS));
                    } finally {
                        client.destroyForcibly();
                    }
                    for (int i = 0; i < 1000 && server.connections() > 0; i++) Thread.sleep(10);
                    assertEquals(0, server.connections(), "every server thread saw its end");
                }
            });
            assertEquals(List.of(), pinned.panio(), "jdk.VirtualThreadPinned in panio's calls (besides " + pinned.linkage()
                    + " waits on first-use class initialisation or linkage)");
        } finally {
            ResourceLimits.setOpenFiles(before);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void closeEndsTheAcceptorAndEveryConnection(boolean uring) throws Exception {
        if (uring) assumeTrue(dev.panio.coroutine.UringBlocking.available(), "no io_uring");
        CoroutineEchoServer server = CoroutineEchoServer.start(LOOPBACK, uring);
        try (Socket c = Socket.tcp(Socket.Family.INET)) {
            CompletableFuture<Void> done = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    Blocking.connect(c, new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), 5_000);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            done.get(10, TimeUnit.SECONDS);
            for (int i = 0; i < 100 && server.connections() < 1; i++) Thread.sleep(10);
            server.close();
            assertEquals(0, server.connections());
        }
    }
}
