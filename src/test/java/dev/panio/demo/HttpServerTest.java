package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.reactor.Backend;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import dev.panio.testing.NoFdLeaks;
import dev.panio.uring.IoUring;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The demo server's HTTP behaviour, on every backend, against real clients over loopback. */
@ExtendWith(NoFdLeaks.class)
@Timeout(120)
class HttpServerTest {
    static Stream<Backend> backends() {
        return Stream.of(Backend.SELECT, Backend.POLL, Backend.EPOLL, Backend.EPOLL_ET, Backend.IO_URING,
                Backend.SIGNAL, Backend.BLOCKING, Backend.VIRTUAL);
    }

    /** A running server for one test. */
    record Server(EventLoopGroup group, Listener listener) implements AutoCloseable {
        static Server start(Backend b) throws Exception {
            if (b == Backend.IO_URING) assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
            EventLoopGroup g = EventLoopGroup.start(b, ReactorOptions.defaults().withLoops(2));
            return new Server(g, g.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> new HttpHandler(g)));
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + listener.localAddress().getPort() + path);
        }

        Socket raw() throws Exception {
            Socket s = new Socket(listener.localAddress().getAddress(), listener.localAddress().getPort());
            s.setSoTimeout(20_000);
            return s;
        }

        @Override
        public void close() {
            group.close();
        }
    }

    /** Reads one response (status line, headers, Content-Length body); null at end of stream. */
    record Response(int status, String headers, byte[] body) {
        static Response read(InputStream in) throws Exception {
            ByteArrayOutputStream head = new ByteArrayOutputStream();
            int c, state = 0;
            while (state < 4 && (c = in.read()) >= 0) {
                head.write(c);
                state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3)) ? state + 1 : 0;
            }
            if (head.size() == 0) return null;
            String h = head.toString(StandardCharsets.ISO_8859_1);
            int status = Integer.parseInt(h.substring(9, 12));
            int cl = 0;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) cl = Integer.parseInt(line.substring(15).trim());
            }
            return new Response(status, h, cl == 0 ? new byte[0] : in.readNBytes(cl));
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void keepAliveClientsGetPlaintextConcurrently(Backend b) throws Exception {
        try (Server s = Server.start(b); HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
            List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                all.add(client.sendAsync(HttpRequest.newBuilder(s.uri(i % 2 == 0 ? "/plaintext" : "/")).build(), HttpResponse.BodyHandlers.ofString()));
            }
            for (var f : all) {
                HttpResponse<String> r = f.get();
                assertEquals(200, r.statusCode());
                assertEquals("Hello, World!", r.body());
                assertEquals("13", r.headers().firstValue("content-length").orElseThrow());
            }
            HttpResponse<String> echo = client.send(HttpRequest.newBuilder(s.uri("/echo")).POST(HttpRequest.BodyPublishers.ofString("round trip")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals("round trip", echo.body());
            HttpResponse<String> stats = client.send(HttpRequest.newBuilder(s.uri("/stats")).build(), HttpResponse.BodyHandlers.ofString());
            assertTrue(stats.body().startsWith("{\"backend\":\""), stats.body());
            assertEquals(404, client.send(HttpRequest.newBuilder(s.uri("/nope")).build(), HttpResponse.BodyHandlers.ofString()).statusCode());
            assertTrue(client.send(HttpRequest.newBuilder(s.uri("/status")).build(), HttpResponse.BodyHandlers.ofString()).body().contains("<canvas"));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void requestsSplitByteByByteAndPipelinedAreAnsweredInOrder(Backend b) throws Exception {
        try (Server s = Server.start(b); Socket sock = s.raw()) {
            sock.setTcpNoDelay(true);
            OutputStream out = sock.getOutputStream();
            byte[] one = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes();
            for (byte x : one) {
                out.write(x);
                out.flush();
            }
            InputStream in = sock.getInputStream();
            assertEquals("Hello, World!", Response.read(in).text());
            StringBuilder batch = new StringBuilder();
            for (int i = 0; i < 16; i++) {
                batch.append(i % 2 == 0 ? "GET / HTTP/1.1\r\nHost: x\r\n\r\n"
                        : "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + String.valueOf(i).length() + "\r\n\r\n" + i);
            }
            out.write(batch.toString().getBytes());
            for (int i = 0; i < 16; i++) {
                Response r = Response.read(in);
                assertEquals(200, r.status());
                assertEquals(i % 2 == 0 ? "Hello, World!" : String.valueOf(i), r.text(), "response " + i);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void chunkedAndLargeBodiesHeadAndHttp10(Backend b) throws Exception {
        try (Server s = Server.start(b); Socket sock = s.raw()) {
            OutputStream out = sock.getOutputStream();
            InputStream in = sock.getInputStream();
            out.write("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n".getBytes());
            assertEquals("hello world", Response.read(in).text());
            byte[] big = new byte[900_000];
            new Random(5).nextBytes(big);
            out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + big.length + "\r\n\r\n").getBytes());
            out.write(big);
            assertArrayEquals(big, Response.read(in).body());
            out.write("HEAD /plaintext HTTP/1.1\r\nHost: x\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            Response headR = readHead(in);
            assertTrue(headR.headers().contains("Content-Length: 13"), headR.headers());
            assertEquals("Hello, World!", Response.read(in).text(), "HEAD had no body: the next response follows at once");
        }
        try (Server s = Server.start(b); Socket sock = s.raw()) {
            sock.getOutputStream().write("GET / HTTP/1.0\r\n\r\n".getBytes());
            assertEquals("Hello, World!", Response.read(sock.getInputStream()).text());
            assertEquals(-1, sock.getInputStream().read(), "HTTP/1.0 without keep-alive is closed");
        }
    }

    private static Response readHead(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) head.write(in.read());
        return new Response(200, head.toString(StandardCharsets.ISO_8859_1), new byte[0]);
    }

    static final Object[][] BAD = {
        {"GARBAGE\r\n\r\n", 400},
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\n\r\n", 400},                                              // no Host
        {"GET / HTTP/1.1\r\nHost: x\r\nBad Header: v\r\n\r\n", 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n", 400},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
        {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(9000) + "\r\n\r\n", 431},
    };

    @ParameterizedTest
    @MethodSource("backends")
    void badInputGetsItsStatusAndAClose(Backend b) throws Exception {
        try (Server s = Server.start(b)) {
            for (Object[] bad : BAD) {
                try (Socket sock = s.raw()) {
                    sock.getOutputStream().write(((String) bad[0]).getBytes(StandardCharsets.ISO_8859_1));
                    Response r = Response.read(sock.getInputStream());
                    assertEquals(bad[1], r.status(), () -> "for " + ((String) bad[0]).substring(0, Math.min(60, ((String) bad[0]).length())));
                    boolean wellFormed = r.status() == 405 || ((String) bad[0]).startsWith("BREW");
                    if (!wellFormed) { // an unsupported method in a well-formed request may keep the connection
                        assertTrue(r.headers().contains("Connection: close"), r.headers());
                        assertEquals(-1, sock.getInputStream().read(), "closed after the error");
                    }
                }
            }
        }
    }
}
