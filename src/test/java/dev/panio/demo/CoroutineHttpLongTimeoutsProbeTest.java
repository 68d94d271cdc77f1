package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The coroutine HTTP server's timeouts of a second and more (the deadline wheel's range; the
 * other tests use shorter ones, which park with parkNanos): an idle keep-alive connection is
 * closed after the idle timeout, a trickling head is answered 408 after the header timeout,
 * neither early nor a wheel turn late.
 */
@Timeout(60)
class CoroutineHttpLongTimeoutsProbeTest {
    @Test
    void idleAndHeaderTimeoutsOnTheWheel() throws Exception {
        HttpService.Timeouts t = new HttpService.Timeouts(1_500, Long.getLong("probe.idle", 1_200), 1_000);
        try (CoroutineHttpServer server = CoroutineHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, -1, t)) {
            try (java.net.Socket c = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                out.write("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                long t0 = System.nanoTime();
                byte[] buf = new byte[4096];
                int total = 0, n;
                while ((n = in.read(buf)) > 0) total += n; // the answer, then the end when the idle timeout closes it
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("probe: idle close after " + ms + " ms (" + total + " bytes)");
                assertTrue(total > 0);
                long idle = Long.getLong("probe.idle", 1_200);
                assertTrue(ms >= idle - 10 && ms < idle + 200, "idle " + idle + " ms: closed after " + ms + " ms");
            }
            try (java.net.Socket c = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                long t0 = System.nanoTime();
                out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
                c.setSoTimeout(200);
                StringBuilder got = new StringBuilder();
                for (int i = 0; i < 40; i++) { // a header byte every 200 ms, for 8 s at most
                    try {
                        out.write('X');
                        out.flush();
                    } catch (java.io.IOException closed) {
                        break;
                    }
                    try {
                        int n = in.read();
                        if (n < 0) break;
                        got.append((char) n);
                        byte[] rest = new byte[4096];
                        c.setSoTimeout(1000);
                        int m;
                        while ((m = in.read(rest)) > 0) got.append(new String(rest, 0, m, StandardCharsets.ISO_8859_1));
                        break;
                    } catch (java.net.SocketTimeoutException more) {
                        // nothing yet
                    } catch (java.io.IOException reset) {
                        break;
                    }
                }
                long ms = (System.nanoTime() - t0) / 1_000_000;
                System.out.println("probe: trickling head answered after " + ms + " ms: " + got.toString().lines().findFirst().orElse("(nothing)"));
                assertTrue(got.toString().startsWith("HTTP/1.1 408"), got.toString());
                assertTrue(ms >= 1_490 && ms < 1_900, "header 1500 ms: answered after " + ms + " ms");
            }
        }
    }
}
