package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.net.LinuxSocketOptions;
import dev.panio.net.UnixAddress;
import dev.panio.testkit.NoFdLeaks;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Unix listeners and connects, addresses, and socket options per listener and connection, on every backend. */
@NoFdLeaks
@Timeout(120)
class ReactorSocketsTest {
    static final InetSocketAddress ANY = ReactorSuiteTest.ANY;

    @TempDir
    Path dir;

    static java.util.stream.Stream<Backend> backends() {
        return ReactorSuiteTest.backends();
    }

    /** Collects what a connection receives; completes once {@code expected} bytes came. */
    static final class Collector implements ConnectionHandler {
        final ByteArrayOutputStream got = new ByteArrayOutputStream();
        final CompletableFuture<byte[]> done = new CompletableFuture<>();
        final int expected;

        Collector(int expected) {
            this.expected = expected;
        }

        @Override
        public synchronized void onData(Connection c, MemorySegment data) {
            got.writeBytes(data.toArray(ValueLayout.JAVA_BYTE));
            if (got.size() >= expected) done.complete(got.toByteArray());
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException error) {
            done.completeExceptionally(new IOException("closed (" + cause + ") after " + got.size() + " bytes", error));
        }
    }

    /** An echo handler that also records the addresses its connection reports. */
    static final class AddressEcho extends EchoHandler {
        final CompletableFuture<SocketAddress[]> addresses = new CompletableFuture<>();

        @Override
        public void onOpen(Connection c) {
            addresses.complete(new SocketAddress[] {c.localAddress(), c.remoteAddress()});
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void unixStreamListenersAndConnectsEchoOnAPathAndAnAbstractName(Backend b) throws Exception {
        UnixAddress path = UnixAddress.of(dir.resolve("echo.sock"));
        UnixAddress name = UnixAddress.abstractName("panio-reactor-" + b + "-" + System.nanoTime());
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            for (UnixAddress where : new UnixAddress[] {path, name}) {
                AddressEcho[] servers = new AddressEcho[1];
                try (Listener l = g.listen(where, () -> servers[0] = new AddressEcho())) {
                    assertEquals(where, l.localAddress());
                    assertThrows(IllegalStateException.class, l::port);
                    byte[] payload = ReactorSuiteTest.random(300_000, where.hashCode());
                    Collector client = new Collector(payload.length);
                    Connection c = g.connect(where, client, 5000).get(10, TimeUnit.SECONDS);
                    assertEquals(where, c.remoteAddress());
                    assertEquals(UnixAddress.unnamed(), c.localAddress());
                    c.write(MemorySegment.ofArray(payload));
                    assertArrayEquals(payload, client.done.get(30, TimeUnit.SECONDS), "echoed whole over " + where);
                    SocketAddress[] seen = servers[0].addresses.get(5, TimeUnit.SECONDS);
                    assertEquals(where, seen[0], "the accepted connection's local address");
                    assertEquals(UnixAddress.unnamed(), seen[1], "an unbound client has no name");
                    c.close();
                }
            }
            // a second listener on the same path is refused: the file exists
            dev.panio.io.ErrnoException inUse = assertThrows(dev.panio.io.ErrnoException.class,
                    () -> g.listen(path, EchoHandler::new));
            assertEquals(dev.panio.io.Errno.EADDRINUSE, inUse.errno());
            // connecting where nobody listens fails the future, and no handler is left behind
            ExecutionException refused = assertThrows(ExecutionException.class,
                    () -> g.connect(UnixAddress.of(dir.resolve("nobody.sock")), new Collector(1), 5000).get(10, TimeUnit.SECONDS));
            assertInstanceOf(dev.panio.io.ErrnoException.class, refused.getCause());
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void optionsGivenAtListenAndConnectAreOnTheSocketsAndBindBeforeConnectPicksTheSource(Backend b) throws Exception {
        SocketOptionSet listenerOptions = SocketOptionSet.none().with(LinuxSocketOptions.TCP_DEFER_ACCEPT, 1);
        SocketOptionSet perConnection = SocketOptionSet.none()
                .with(StandardSocketOptions.SO_KEEPALIVE, true)
                .with(LinuxSocketOptions.TCP_KEEPIDLE, 33)
                .with(LinuxSocketOptions.TCP_USER_TIMEOUT, 4_321);
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            CompletableFuture<Object[]> serverSide = new CompletableFuture<>();
            try (Listener l = g.listen(ANY, () -> new EchoHandler() {
                @Override
                public void onOpen(Connection c) {
                    try {
                        serverSide.complete(new Object[] {c.getOption(StandardSocketOptions.SO_KEEPALIVE),
                                c.getOption(LinuxSocketOptions.TCP_KEEPIDLE), c.getOption(LinuxSocketOptions.TCP_USER_TIMEOUT),
                                c.remoteAddress()});
                    } catch (IOException e) {
                        serverSide.completeExceptionally(e);
                    }
                }
            }, listenerOptions, perConnection)) {
                InetSocketAddress source = new InetSocketAddress(InetAddress.getByName("127.0.0.2"), 0);
                SocketOptionSet clientOptions = SocketOptionSet.none().with(LinuxSocketOptions.TCP_KEEPCNT, 4)
                        .with(StandardSocketOptions.TCP_NODELAY, false);
                Collector client = new Collector(5);
                Connection c = g.connect(l.localAddress(), client, 5000, clientOptions, source).get(10, TimeUnit.SECONDS);
                assertEquals(4, c.getOption(LinuxSocketOptions.TCP_KEEPCNT));
                assertEquals(InetAddress.getByName("127.0.0.2"), ((InetSocketAddress) c.localAddress()).getAddress());
                // TCP_DEFER_ACCEPT: the server accepts once data comes
                c.write(MemorySegment.ofArray("hello".getBytes()));
                assertArrayEquals("hello".getBytes(), client.done.get(10, TimeUnit.SECONDS));
                Object[] seen = serverSide.get(5, TimeUnit.SECONDS);
                assertEquals(true, seen[0]);
                assertEquals(33, seen[1]);
                assertEquals(4_321, seen[2]);
                assertEquals(c.localAddress(), seen[3], "the server sees the bound source address");
                c.setOption(LinuxSocketOptions.TCP_KEEPCNT, 6);
                assertEquals(6, c.getOption(LinuxSocketOptions.TCP_KEEPCNT));
                c.close();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void aBadOptionFailsListenOrConnectUpFrontAndLeavesNothingOpen(Backend b) throws Exception {
        try (EventLoopGroup g = ReactorSuiteTest.start(b, ReactorSuiteTest.opts())) {
            UnixAddress where = UnixAddress.abstractName("panio-bad-" + b + "-" + System.nanoTime());
            UnsupportedOperationException notForUnix = assertThrows(UnsupportedOperationException.class,
                    () -> g.listen(where, EchoHandler::new, SocketOptionSet.none(),
                            SocketOptionSet.none().with(StandardSocketOptions.TCP_NODELAY, true)));
            assertTrue(notForUnix.getMessage().contains("TCP_NODELAY"), notForUnix.getMessage());
            assertThrows(IllegalArgumentException.class, () -> g.listen(ANY, EchoHandler::new,
                    SocketOptionSet.none().with(StandardSocketOptions.SO_RCVBUF, -5), SocketOptionSet.none()));
            try (Listener l = g.listen(ANY, EchoHandler::new)) {
                Collector never = new Collector(1);
                ExecutionException e = assertThrows(ExecutionException.class, () -> g.connect(l.localAddress(), never, 5000,
                        SocketOptionSet.none().with(LinuxSocketOptions.TCP_KEEPCNT, 0), null).get(10, TimeUnit.SECONDS));
                assertInstanceOf(IllegalArgumentException.class, e.getCause());
                assertTrue(e.getCause().getMessage().contains("TCP_KEEPCNT"), e.getCause().getMessage());
                assertTrue(!never.done.isDone(), "no connection existed, so no handler heard anything");
                ExecutionException bind = assertThrows(ExecutionException.class, () -> g.connect(l.localAddress(), never, 5000,
                        SocketOptionSet.none(), new InetSocketAddress(InetAddress.getByName("192.0.2.1"), 0)).get(10, TimeUnit.SECONDS));
                assertEquals(dev.panio.io.Errno.EADDRNOTAVAIL, ((dev.panio.io.ErrnoException) bind.getCause()).errno());
            }
            assertThrows(NullPointerException.class, () -> SocketOptionSet.none().with(StandardSocketOptions.SO_LINGER, null));
            // a name that did not resolve is refused on the caller's thread, naming the address
            IllegalArgumentException unresolved = assertThrows(IllegalArgumentException.class,
                    () -> g.connect(InetSocketAddress.createUnresolved("example.invalid", 80), new Collector(1), 5000));
            assertTrue(unresolved.getMessage().contains("example.invalid") && unresolved.getMessage().contains("unresolved"),
                    unresolved.getMessage());
        }
    }
}
