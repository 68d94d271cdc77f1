import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Echo load from a separate process, on the JDK alone
 * (java ManyConnectionsEchoLoad.java HOST PORT CONNECTIONS SECONDS SIZE): opens CONNECTIONS connections,
 * prints "connected", waits for a line on stdin (the caller measures the idle server), then
 * keeps one SIZE-byte message in flight on every connection for SECONDS, sending the next
 * when the echo of the last is whole. Prints "messages=N rate=R failed=F"; one selector
 * thread.
 */
public class ManyConnectionsEchoLoad {
    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args[0], Integer.parseInt(args[1]));
        int n = Integer.parseInt(args[2]);
        long nanos = Long.parseLong(args[3]) * 1_000_000_000L;
        int size = Integer.parseInt(args[4]);
        List<SocketChannel> channels = new ArrayList<>(n);
        int failed = 0;
        for (int i = 0; i < n; i++) {
            try {
                SocketChannel c = SocketChannel.open();
                c.setOption(StandardSocketOptions.TCP_NODELAY, true);
                c.setOption(StandardSocketOptions.SO_LINGER, 0);
                c.connect(server);
                channels.add(c);
            } catch (IOException e) {
                failed++;
            }
        }
        System.out.println("connected " + channels.size());
        System.in.read(); // the caller reads the idle server's memory now
        ByteBuffer out = ByteBuffer.allocateDirect(size);
        ByteBuffer in = ByteBuffer.allocateDirect(64 * 1024);
        long messages = 0;
        try (Selector sel = Selector.open()) {
            for (SocketChannel c : channels) {
                c.configureBlocking(false);
                c.register(sel, SelectionKey.OP_READ, new int[] {0}); // bytes of the echo still to come
            }
            for (SocketChannel c : channels) send(c, out, sel);
            long start = System.nanoTime(), end = start + nanos;
            while (System.nanoTime() < end) {
                if (sel.select(100) == 0) continue;
                for (SelectionKey k : sel.selectedKeys()) {
                    SocketChannel c = (SocketChannel) k.channel();
                    int[] left = (int[]) k.attachment();
                    in.clear();
                    int r = c.read(in);
                    if (r < 0) {
                        k.cancel();
                        failed++;
                        continue;
                    }
                    left[0] -= r;
                    if (left[0] <= 0) {
                        messages++;
                        left[0] += size;
                        out.clear();
                        while (out.hasRemaining()) c.write(out);
                    }
                }
                sel.selectedKeys().clear();
            }
            double secs = (System.nanoTime() - start) / 1e9;
            System.out.printf("messages=%d rate=%.0f failed=%d%n", messages, messages / secs, failed);
        }
        for (SocketChannel c : channels) c.close();
    }

    private static void send(SocketChannel c, ByteBuffer out, Selector sel) throws IOException {
        out.clear();
        while (out.hasRemaining()) c.write(out);
        SelectionKey k = c.keyFor(sel);
        ((int[]) k.attachment())[0] = out.capacity();
    }
}
