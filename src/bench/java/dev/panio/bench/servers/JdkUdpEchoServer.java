package dev.panio.bench.servers;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * UDP echo on the JDK's own {@link DatagramChannel}, the way a JDK user writes it: one
 * thread, a blocking receive into a direct buffer, the datagram sent back to its sender.
 * Usage: {@code JdkUdpEchoServer PORT}.
 */
public final class JdkUdpEchoServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress("127.0.0.1", port));
            System.out.println("jdk udp echo on 127.0.0.1:" + port);
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            for (;;) {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                buf.flip();
                ch.send(buf, from);
            }
        }
    }
}
