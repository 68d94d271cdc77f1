package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ClosedException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.testing.NoFdLeaks;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The seeds' coroutine server in straight-line code: a virtual thread per connection that
 * reads and writes with {@link Blocking}, 1,000 connections at once on this machine's two
 * carriers. Shows that no carrier is held while they wait (another virtual thread still runs
 * with all 1,000 parked in reads) and that JFR records no pinned virtual thread in panio's
 * calls.
 */
@ExtendWith(NoFdLeaks.class)
@Timeout(120)
public class CoroutineEchoTest {
    static final int CONNECTIONS = 1_000;

    /** Whether a frame's class is panio's own code (not a test's, which runs its own lambdas). */
    public static boolean isPanio(String type) {
        return type.startsWith("dev.panio.") && !type.contains("Test");
    }

    /** The whole server: accept, and per connection read and write back until the end. */
    static void serve(Socket listener, ConcurrentLinkedQueue<Socket> open) {
        for (;;) {
            Socket s;
            try {
                s = Blocking.accept(listener);
            } catch (IOException | ClosedException e) {
                return; // the listener was closed: the server ends
            }
            open.add(s);
            Thread.ofVirtual().start(() -> {
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment buf = arena.allocate(4096);
                    long n;
                    while ((n = Blocking.read(s, buf)) > 0) Blocking.write(s, buf.asSlice(0, n));
                } catch (IOException | ClosedException e) {
                    // the connection ended under us (the test closes everything at the end)
                } finally {
                    open.remove(s);
                    try {
                        s.close();
                    } catch (IOException ignored) {
                        // closed already
                    }
                }
            });
        }
    }

    @Test
    void aThousandConnectionsEachOnAVirtualThreadParkedInAReadHoldNoCarrier() throws Exception {
        Path jfr = Files.createTempFile("panio-pinned", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            ConcurrentLinkedQueue<Socket> serverSide = new ConcurrentLinkedQueue<>();
            List<Socket> clients = new ArrayList<>();
            Socket listener = Socket.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 4096);
            Thread acceptor = Thread.ofVirtual().start(() -> serve(listener, serverSide));
            try {
                InetSocketAddress at = (InetSocketAddress) listener.localAddress();
                // connect them all from virtual threads too
                CountDownLatch connected = new CountDownLatch(CONNECTIONS);
                List<CompletableFuture<Socket>> made = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
                    CompletableFuture<Socket> f = new CompletableFuture<>();
                    made.add(f);
                    Thread.ofVirtual().start(() -> {
                        Socket c = null;
                        try {
                            c = Socket.tcp(Socket.Family.INET);
                            Blocking.connect(c, at, 10_000);
                            f.complete(c);
                        } catch (Throwable t) {
                            if (c != null) dev.panio.internal.reactor.Fds.closeQuietly(c.fd());
                            f.completeExceptionally(t);
                        } finally {
                            connected.countDown();
                        }
                    });
                }
                assertTrue(connected.await(60, TimeUnit.SECONDS));
                for (CompletableFuture<Socket> f : made) clients.add(f.get());
                for (int i = 0; i < 100 && serverSide.size() < CONNECTIONS; i++) Thread.sleep(50);
                assertEquals(CONNECTIONS, serverSide.size(), "every connection has its server thread");

                // All 1,000 server threads are parked in Blocking.read now. If any held its
                // carrier in a blocking system call, the two carriers would be gone and this
                // virtual thread could not run.
                CompletableFuture<String> stillRuns = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> stillRuns.complete("ran"));
                assertEquals("ran", stillRuns.get(10, TimeUnit.SECONDS));

                // every client sends a line and reads it back, concurrently
                List<CompletableFuture<byte[]>> echoes = new ArrayList<>();
                for (int i = 0; i < CONNECTIONS; i++) {
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
                for (int i = 0; i < CONNECTIONS; i++) {
                    assertArrayEquals(("connection " + i + "\n").getBytes(), echoes.get(i).get(30, TimeUnit.SECONDS));
                }
                // a client's close ends its server thread with the end of stream
                for (Socket c : clients) c.close();
                for (int i = 0; i < 200 && !serverSide.isEmpty(); i++) Thread.sleep(50);
                assertEquals(0, serverSide.size(), "every server thread saw its end and closed its socket");
            } finally {
                for (Socket c : clients) c.fd().close();
                listener.close(); // ends the acceptor's wait with ClosedException
                acceptor.join(10_000);
                for (Socket s : serverSide) s.fd().close();
            }
            recording.stop();
            recording.dump(jfr);
            dev.panio.testing.PinnedEvents.Found pinned = dev.panio.testing.PinnedEvents.read(jfr);
            assertEquals(List.of(), pinned.panio(), "jdk.VirtualThreadPinned in panio's calls (besides "
                    + pinned.linkage() + " waits on first-use class initialisation or linkage)");
        } finally {
            Files.deleteIfExists(jfr);
        }
    }

    @Test
    void theAcceptorEndsWhenItsListenerIsClosedUnderIt() throws Exception {
        Socket listener = Socket.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        CompletableFuture<Throwable> ended = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                Blocking.accept(listener);
                ended.complete(null);
            } catch (Throwable t) {
                ended.complete(t);
            }
        });
        Thread.sleep(100);
        listener.close();
        Throwable t = ended.get(10, TimeUnit.SECONDS);
        assertTrue(t instanceof ClosedException, String.valueOf(t));
    }
}
