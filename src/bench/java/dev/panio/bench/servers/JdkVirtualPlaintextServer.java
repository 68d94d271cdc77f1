package dev.panio.bench.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * The plaintext response on the JDK's own virtual-thread sockets, written the way a JDK user
 * would: {@code java.net.ServerSocket}, a virtual thread per connection reading its
 * {@code InputStream} into a 16 KiB array, a request counted at each blank line
 * ({@code CRLF CRLF}; no header parsing, so it does less work than panio's strict parser),
 * the answers to one read gathered into one write. The reference for panio's coroutine HTTP
 * server ({@code dev.panio.demo.CoroutineHttpServer}). Usage: {@code JdkVirtualPlaintextServer PORT}.
 */
public final class JdkVirtualPlaintextServer {
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static volatile byte[] response = response();
    private static volatile long responseSecond;

    private static byte[] response() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        return ("HTTP/1.1 200 OK\r\nServer: jdk\r\nDate: " + date + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + BODY.length + "\r\n\r\nHello, World!").getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (ServerSocket ss = new ServerSocket(port, 4096, InetAddress.getByName("127.0.0.1"))) {
            System.out.println("jdk virtual-thread plaintext server on 127.0.0.1:" + port);
            for (;;) {
                Socket s = ss.accept();
                Thread.ofVirtual().start(() -> serve(s));
            }
        }
    }

    private static void serve(Socket s) {
        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            s.setTcpNoDelay(true);
            byte[] buf = new byte[16 * 1024], answers = new byte[0];
            int n, matched = 0;
            while ((n = in.read(buf)) > 0) {
                int requests = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    matched = b == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : b == '\r' ? 1 : 0;
                    if (matched == 4) {
                        requests++;
                        matched = 0;
                    }
                }
                if (requests == 0) continue;
                long sec = System.currentTimeMillis() / 1000;
                if (sec != responseSecond) {
                    response = response();
                    responseSecond = sec;
                }
                byte[] r = response;
                if (answers.length < requests * r.length) answers = new byte[requests * r.length];
                for (int i = 0; i < requests; i++) System.arraycopy(r, 0, answers, i * r.length, r.length);
                out.write(answers, 0, requests * r.length);
            }
        } catch (IOException e) {
            // the peer reset it: this connection is over
        }
    }
}
