import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Echo request/response load from a separate process (java EchoLoad.java HOST PORT CONNS
 * SECONDS SIZE): each connection sends SIZE bytes and waits for them back, as fast as it
 * can, for SECONDS. Prints "requests=N rps=R p99us=P" with latencies in 1 µs buckets.
 */
public class EchoLoad {
    public static void main(String[] args) throws Exception {
        String host = args[0];
        int port = Integer.parseInt(args[1]), conns = Integer.parseInt(args[2]);
        long nanos = Long.parseLong(args[3]) * 1_000_000_000L;
        int size = Integer.parseInt(args[4]);
        AtomicLongArray hist = new AtomicLongArray(200_000); // µs buckets up to 200 ms; the last takes the rest
        long[] count = new long[conns];
        List<Thread> threads = new ArrayList<>();
        long end = System.nanoTime() + nanos;
        for (int i = 0; i < conns; i++) {
            int id = i;
            threads.add(Thread.ofVirtual().start(() -> {
                byte[] msg = new byte[size], back = new byte[size];
                try (Socket s = new Socket(host, port)) {
                    s.setTcpNoDelay(true);
                    OutputStream out = s.getOutputStream();
                    InputStream in = s.getInputStream();
                    while (System.nanoTime() < end) {
                        long t0 = System.nanoTime();
                        out.write(msg);
                        int got = 0;
                        while (got < size) {
                            int n = in.read(back, got, size - got);
                            if (n < 0) throw new IllegalStateException("server closed");
                            got += n;
                        }
                        hist.incrementAndGet((int) Math.min(hist.length() - 1, (System.nanoTime() - t0) / 1000));
                        count[id]++;
                    }
                } catch (Exception e) {
                    System.err.println("connection " + id + ": " + e);
                }
            }));
        }
        for (Thread t : threads) t.join();
        long total = 0;
        for (long c : count) total += c;
        long seen = 0, p99 = 0;
        for (int i = 0; i < hist.length(); i++) {
            seen += hist.get(i);
            if (seen >= total * 0.99) {
                p99 = i;
                break;
            }
        }
        System.out.printf("requests=%d rps=%.0f p99us=%d%n", total, total / (nanos / 1e9), p99);
    }
}
