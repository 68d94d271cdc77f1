package com.example.panio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.reactor.Backend;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.proxy.Direction;
import dev.panio.testkit.proxy.Fault;
import dev.panio.testkit.proxy.FaultProxy;
import dev.panio.testkit.proxy.ProxiedConnection;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An integration test with panio-testkit, as a user writes one: the echo server behind a
 * {@link FaultProxy} that slices, delays and resets, and a JDK client in front of it.
 */
@NoFdLeaks // fails the class if it leaves a descriptor open, naming each
class EchoServerUnderFaultsTest {
    EventLoopGroup group;
    Listener server;

    @BeforeEach
    void startServer() throws IOException {
        group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults().withLoops(1));
        server = EchoServer.listen(group, new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    }

    @AfterEach
    void stopServer() {
        group.close(); // closes the listener and every connection
    }

    @Test
    void everyByteComesBackThroughSmallDelayedSegments() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(server.localAddress())) {
            proxy.add(Direction.TO_UPSTREAM, Fault.slicer(7, Duration.ofMillis(1))); // the server reads 7-byte pieces
            byte[] message = "a message that arrives in pieces, seven bytes at a time\n".repeat(20).getBytes();
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(message));
                assertArrayEquals(message, readFully(c, message.length));
            }
            ProxiedConnection record = proxy.awaitEnded(1, Duration.ofSeconds(10)).get(0);
            assertEquals(message.length, record.bytesToUpstream());
            assertEquals(message.length, record.bytesToClient());
        }
    }

    @Test
    void aResetMidStreamReachesTheClientAndTheServerServesOn() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(server.localAddress())) {
            proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(10));
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(new byte[100]));
                readFully(c, 10);
                SocketException e = assertThrows(SocketException.class, () -> c.read(ByteBuffer.allocate(100)));
                assertTrue(e.getMessage().contains("reset"), e.getMessage());
            }
        }
        // the server lost a connection to a reset, and answers the next client as before
        try (SocketChannel c = SocketChannel.open(server.localAddress())) {
            c.write(ByteBuffer.wrap("still here".getBytes()));
            assertArrayEquals("still here".getBytes(), readFully(c, 10));
        }
    }

    static byte[] readFully(SocketChannel c, int n) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(n);
        while (b.hasRemaining()) {
            if (c.read(b) < 0) throw new IOException("end of stream after " + b.position() + " of " + n + " bytes");
        }
        return b.array();
    }
}
