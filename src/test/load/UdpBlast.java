import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;

/**
 * One-way UDP load from a separate process, on the JDK alone
 * (java UdpBlast.java HOST PORT SECONDS SIZE): sends datagrams of SIZE bytes to a counting
 * server (DemoServer --mode udp-sink and the like) as fast as one thread can for SECONDS,
 * then asks the server how many it took (a datagram starting with '?', answered with the
 * count as 8 bytes, big-endian), before and after, so that only this run's are counted.
 * Prints "sent=N received=M rate=R" (R: datagrams the server took per second).
 */
public class UdpBlast {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        long nanos = Long.parseLong(args[2]) * 1_000_000_000L;
        int size = Integer.parseInt(args[3]);
        try (DatagramChannel ch = DatagramChannel.open()) {
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 4 << 20);
            ch.connect(server);
            ByteBuffer out = ByteBuffer.allocateDirect(Math.max(1, size));
            for (int i = 0; i < size; i++) out.put(i, (byte) 'x');
            long before = count(ch);
            long start = System.nanoTime(), end = start + nanos, sent = 0;
            while (System.nanoTime() < end) {
                for (int i = 0; i < 64; i++) { // the clock every 64 sends
                    out.clear().limit(size);
                    ch.write(out);
                }
                sent += 64;
            }
            double secs = (System.nanoTime() - start) / 1e9;
            Thread.sleep(200); // what is still queued at the server is taken or dropped by now
            long received = count(ch) - before;
            System.out.printf("sent=%d received=%d rate=%.0f%n", sent, received, received / secs);
        }
    }

    /** The server's count, asked up to 10 times (a query can be dropped like any datagram). */
    private static long count(DatagramChannel ch) throws Exception {
        ByteBuffer in = ByteBuffer.allocate(64);
        for (int attempt = 0; attempt < 10; attempt++) {
            ch.write(ByteBuffer.wrap(new byte[] {'?'}));
            ch.configureBlocking(false);
            long deadline = System.nanoTime() + 500_000_000L;
            while (System.nanoTime() < deadline) {
                in.clear();
                if (ch.read(in) == 8) {
                    ch.configureBlocking(true);
                    return in.getLong(0);
                }
                Thread.sleep(1);
            }
            ch.configureBlocking(true);
        }
        throw new IllegalStateException("the server did not answer a count query");
    }
}
