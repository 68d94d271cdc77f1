package com.example.plain;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panio.reactor.Backend;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.Peer;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** panio and panio-testkit from the class path, in a test. */
@NoFdLeaks
class MainTest {
    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"AUTO", "EPOLL", "SELECT"})
    void theEchoComesBackWhole(Backend backend) throws Exception {
        byte[] message = "x".repeat(300_000).getBytes();
        assertArrayEquals(message, Main.echo(backend, message));
    }

    @Test
    void theTestkitsEchoPeerWorksFromTheClassPathToo() throws Exception {
        try (Peer peer = Peer.echo(); SocketChannel c = SocketChannel.open(peer.address())) {
            c.write(ByteBuffer.wrap("ping".getBytes()));
            ByteBuffer b = ByteBuffer.allocate(4);
            while (b.hasRemaining() && c.read(b) > 0) { }
            assertEquals("ping", new String(b.array()));
        }
    }
}
