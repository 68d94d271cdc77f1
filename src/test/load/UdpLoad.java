import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;

/**
 * UDP request/response load from a separate process, on the JDK alone
 * (java UdpLoad.java HOST PORT WINDOW SECONDS SIZE): keeps WINDOW datagrams of SIZE bytes
 * in flight to an echo server, sending one for each that comes back, for SECONDS. A
 * datagram lost (none comes back for 200 ms) is replaced, so the window never drains.
 * Prints "responses=N rps=R lost=L".
 */
public class UdpLoad {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int window = Integer.parseInt(args[2]);
        long nanos = Long.parseLong(args[3]) * 1_000_000_000L;
        int size = Integer.parseInt(args[4]);
        try (DatagramChannel ch = DatagramChannel.open(); Selector sel = Selector.open()) {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.connect(server);
            ch.configureBlocking(false);
            ch.register(sel, SelectionKey.OP_READ);
            ByteBuffer out = ByteBuffer.allocateDirect(size), in = ByteBuffer.allocateDirect(65536);
            for (int i = 0; i < window; i++) send(ch, out);
            long start = System.nanoTime(), end = start + nanos, responses = 0, lost = 0;
            long lastResponse = start;
            while (System.nanoTime() < end) {
                if (sel.select(50) == 0) {
                    if (System.nanoTime() - lastResponse > 200_000_000L) { // the window was lost: refill it
                        for (int i = 0; i < window; i++) send(ch, out);
                        lost += window;
                        lastResponse = System.nanoTime();
                    }
                    continue;
                }
                sel.selectedKeys().clear();
                for (;;) {
                    in.clear();
                    if (ch.read(in) <= 0) break;
                    responses++;
                    send(ch, out);
                }
                lastResponse = System.nanoTime();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("responses=%d rps=%.0f lost=%d%n", responses, responses / secs, lost);
        }
    }

    private static void send(DatagramChannel ch, ByteBuffer out) throws Exception {
        out.clear();
        ch.write(out);
    }
}
