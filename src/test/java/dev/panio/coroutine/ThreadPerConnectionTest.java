package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.net.Socket;
import dev.panio.testkit.NoFdLeaks;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class ThreadPerConnectionTest {
    static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    /** A blocking listener is refused when the server is made, not found out by an acceptor that then accepts nothing. */
    @Test
    void aBlockingListenerIsRefusedUpFrontAndStaysTheCallers() throws Exception {
        try (Socket listener = Socket.listen(ANY, 16)) {
            listener.fd().setNonBlocking(false);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> new ThreadPerConnection(listener, "t", s -> { }));
            assertTrue(e.getMessage().contains("fd=" + listener.fd().intValue()) && e.getMessage().contains("blocking"), e.getMessage());
            assertTrue(listener.fd().isOpen(), "not taken: the caller still owns and closes it");
            listener.close();
            IllegalArgumentException closed = assertThrows(IllegalArgumentException.class,
                    () -> new ThreadPerConnection(listener, "t", s -> { }));
            assertTrue(closed.getMessage().contains("closed"), closed.getMessage());
        }
    }

    /**
     * A socket that is not listening (bound but never listened on, or a datagram socket) is
     * refused when the server is made: its acceptor would fail at once, a hundred times a
     * second, and serve nothing.
     */
    @Test
    void aSocketThatIsNotListeningIsRefusedUpFront() throws Exception {
        try (Socket bound = Socket.tcp(Socket.Family.INET, true);
                Socket udp = Socket.open(Socket.Family.INET, Socket.Type.DATAGRAM, true)) {
            bound.bind(ANY);
            for (Socket s : new Socket[] {bound, udp}) {
                assertEquals(false, s.isListening());
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                        () -> new ThreadPerConnection(s, "t", c -> { }));
                assertTrue(e.getMessage().contains("fd=" + s.fd().intValue()) && e.getMessage().contains("not a listening socket"),
                        e.getMessage());
                assertTrue(s.fd().isOpen(), "not taken: the caller still owns and closes it");
            }
        }
        try (Socket listener = Socket.listen(ANY, 16)) {
            assertTrue(listener.isListening());
        }
    }

    /** Closing the server closes every connection it serves, each thread wakes, and the clients see the end. */
    @Test
    void closeEndsEveryConnection() throws Exception {
        ThreadPerConnection server = new ThreadPerConnection(Socket.listen(ANY, 16), "t", s -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment one = arena.allocate(1);
                one.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, (byte) 'x');
                Blocking.write(s, one);
                while (Blocking.read(s, arena.allocate(64)) > 0) { } // until close() ends it
            }
        });
        java.net.Socket[] clients = new java.net.Socket[8];
        try {
            for (int i = 0; i < clients.length; i++) {
                clients[i] = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port());
                clients[i].setSoTimeout(10_000);
                assertEquals('x', clients[i].getInputStream().read(), "served");
            }
            assertEquals(clients.length, server.connections());
            server.close();
            assertEquals(0, server.connections());
            for (java.net.Socket c : clients) {
                InputStream in = c.getInputStream();
                assertEquals(-1, in.read(), "the server closed it");
            }
        } finally {
            for (java.net.Socket c : clients) if (c != null) c.close();
        }
        assertArrayEquals(new long[] {8, 0}, new long[] {server.accepted(), server.acceptErrors()});
    }
}
