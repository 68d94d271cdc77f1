package dev.panio.bench.servers;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * UDP echo on the JDK's own {@link DatagramChannel}, the way a JDK user writes it: one
 * thread, a blocking receive into a direct buffer, the datagram sent back to its sender.
 * With {@code sink}, datagrams are counted, not answered, but for a query ('?' first), which
 * gets the count (8 bytes, big-endian). Usage: {@code JdkUdpEchoServer PORT [sink]}.
 */
public final class JdkUdpEchoServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        boolean sink = args.length > 1 && args[1].equals("sink");
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.bind(new InetSocketAddress("127.0.0.1", port));
            System.out.println("jdk udp " + (sink ? "sink" : "echo") + " on 127.0.0.1:" + port);
            ByteBuffer buf = ByteBuffer.allocateDirect(65536);
            ByteBuffer answer = ByteBuffer.allocateDirect(8);
            long received = 0;
            for (;;) {
                buf.clear();
                SocketAddress from = ch.receive(buf);
                buf.flip();
                if (!sink) {
                    ch.send(buf, from);
                } else if (buf.hasRemaining() && buf.get(0) == '?') {
                    answer.clear();
                    answer.putLong(0, received);
                    ch.send(answer, from);
                } else {
                    received++;
                }
            }
        }
    }
}
