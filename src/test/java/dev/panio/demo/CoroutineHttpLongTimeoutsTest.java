package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.TimerFd;
import dev.panio.testkit.NoFdLeaks;
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
 * closed after the idle timeout, a trickling head is answered 408 after the header timeout;
 * neither before the timeout (a timerfd armed 100 ms sooner has expired) nor a wheel turn
 * late (one armed well before a turn has not).
 */
@NoFdLeaks
@Timeout(60)
class CoroutineHttpLongTimeoutsTest {
    @Test
    void idleAndHeaderTimeoutsOnTheWheel() throws Exception {
        HttpService.Timeouts t = new HttpService.Timeouts(1_500, 1_200, 1_000);
        try (CoroutineHttpServer server = CoroutineHttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), null, -1, t);
                TimerFd sooner = TimerFd.open(); TimerFd turnLate = TimerFd.open()) {
            try (java.net.Socket c = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                out.write("GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                sooner.set(1_100_000_000L, 0);
                turnLate.set(4_000_000_000L, 0);
                byte[] buf = new byte[4096];
                int total = 0, n;
                while ((n = in.read(buf)) > 0) total += n; // the answer, then the end when the idle timeout closes it
                assertTrue(total > 0, "answered");
                assertEquals(1, sooner.expirations(), "not closed before the 1.2 s idle timeout");
                assertEquals(0, turnLate.expirations(), "nor a wheel turn after it");
            }
            try (java.net.Socket c = new java.net.Socket(InetAddress.getLoopbackAddress(), server.port())) {
                OutputStream out = c.getOutputStream();
                InputStream in = c.getInputStream();
                out.write("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.ISO_8859_1));
                sooner.set(1_400_000_000L, 0);
                turnLate.set(4_000_000_000L, 0);
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
                        int r = in.read();
                        if (r < 0) break;
                        got.append((char) r);
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
                assertTrue(got.toString().startsWith("HTTP/1.1 408"), got.toString());
                assertEquals(1, sooner.expirations(), "not answered before the 1.5 s header timeout");
                assertEquals(0, turnLate.expirations(), "nor a wheel turn after it");
            }
        }
    }
}
