package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.reactor.Backend;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import dev.panio.testkit.NoFdLeaks;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The demo server's HTTP behaviour, on every backend, against real clients over loopback. */
@NoFdLeaks
@Timeout(120)
class HttpServerTest {
    /** HttpHandler on every reactor backend, and the coroutine server (the demo server's {@code --backend virtual}). */
    static Stream<Served> backends() {
        return Stream.concat(Stream.of(Backend.SELECT, Backend.POLL, Backend.EPOLL, Backend.EPOLL_ET, Backend.IO_URING,
                Backend.SIGNAL, Backend.BLOCKING, Backend.VIRTUAL).map(Served::new), Stream.of(Served.COROUTINE));
    }

    /** What serves HTTP in a test: {@link HttpHandler} on a reactor backend, or (backend null) {@link CoroutineHttpServer}. */
    record Served(Backend backend) {
        static final Served COROUTINE = new Served(null);

        @Override
        public String toString() {
            return backend == null ? "COROUTINE" : backend.name();
        }
    }

    @TempDir
    static Path tmp;
    static Path files;
    static byte[] big;

    /** The directory /files/ serves, a secret beside it, and links that lead in and out. */
    @BeforeAll
    static void filesToServe() throws Exception {
        files = Files.createDirectories(tmp.resolve("www/sub"));
        files = files.getParent();
        Files.writeString(files.resolve("hello.txt"), "hello from a file\n");
        Files.writeString(files.resolve("sub/page.html"), "<p>page</p>");
        Files.writeString(files.resolve("with space ü.txt"), "encoded name");
        big = new byte[2_500_000];
        new Random(11).nextBytes(big);
        Files.write(files.resolve("big.bin"), big);
        Files.writeString(tmp.resolve("secret.txt"), "SECRET");
        Files.createSymbolicLink(files.resolve("escape"), tmp.resolve("secret.txt"));
        Files.createSymbolicLink(files.resolve("inside"), Path.of("hello.txt"));
    }

    /** A running server for one test: a reactor group with its HttpService, or the coroutine server. */
    record Server(EventLoopGroup group, HttpService service, CoroutineHttpServer coroutine, int port) implements AutoCloseable {
        static Server start(Served b) throws Exception {
            return start(b, files);
        }

        /** A server with {@code root} under /files/ (null: none). */
        static Server start(Served b, Path root) throws Exception {
            return start(b, root, -1);
        }

        /** ... and {@code POST /echo} bodies up to {@code maxBody} bytes (-1: no limit). */
        static Server start(Served b, Path root, long maxBody) throws Exception {
            return start(b, root, maxBody, HttpService.Timeouts.DEFAULT);
        }

        /** ... with other header, idle and linger timeouts. */
        static Server start(Served b, Path root, long maxBody, HttpService.Timeouts timeouts) throws Exception {
            InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
            if (b.backend() == null) {
                CoroutineHttpServer c = CoroutineHttpServer.start(any, root, maxBody, timeouts);
                return new Server(null, null, c, c.port());
            }
            if (b.backend() == Backend.IO_URING) assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
            EventLoopGroup g = EventLoopGroup.start(b.backend(), ReactorOptions.defaults().withLoops(2));
            HttpService service = new HttpService(g, root, maxBody).withTimeouts(timeouts);
            return new Server(g, service, null, g.listen(any, () -> new HttpHandler(service)).port());
        }

        /** Connections open now. */
        long open() {
            return group != null ? group.metrics().open() : coroutine.metrics().open();
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        Socket raw() throws Exception {
            Socket s = new Socket(java.net.InetAddress.getLoopbackAddress(), port);
            s.setSoTimeout(20_000);
            return s;
        }

        @Override
        public void close() throws Exception {
            if (coroutine != null) {
                coroutine.close();
                return;
            }
            group.close();
            service.close();
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
            boolean chunked = false;
            for (String line : h.split("\r\n")) {
                if (line.toLowerCase().startsWith("content-length:")) cl = Integer.parseInt(line.substring(15).trim());
                if (line.equalsIgnoreCase("transfer-encoding: chunked")) chunked = true;
            }
            if (status == 100) return new Response(status, h, new byte[0]); // interim: no body
            if (!chunked) return new Response(status, h, cl == 0 ? new byte[0] : in.readNBytes(cl));
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            for (;;) {
                String size = line(in);
                int semi = size.indexOf(';');
                int n = Integer.parseInt(semi < 0 ? size : size.substring(0, semi), 16);
                if (n == 0) {
                    while (!line(in).isEmpty()) { } // trailers
                    return new Response(status, h, body.toByteArray());
                }
                body.write(in.readNBytes(n));
                line(in);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        private static String line(InputStream in) throws Exception {
            StringBuilder sb = new StringBuilder();
            for (int c; (c = in.read()) != '\n'; ) {
                if (c < 0) throw new java.io.EOFException("end of stream in a chunked body");
                if (c != '\r') sb.append((char) c);
            }
            return sb.toString();
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void keepAliveClientsGetPlaintextConcurrently(Served b) throws Exception {
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
    void requestsSplitByteByByteAndPipelinedAreAnsweredInOrder(Served b) throws Exception {
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
    void chunkedAndLargeBodiesHeadAndHttp10(Served b) throws Exception {
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

    /** The status line and headers of a response, up to the empty line, without its body. */
    static String readHeadOnly(InputStream in) throws Exception {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
            int c = in.read();
            if (c < 0) throw new java.io.EOFException("end of stream in the response head: " + head);
            head.write(c);
        }
        return head.toString(StandardCharsets.ISO_8859_1);
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
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", 413},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400},
        {"DELETE / HTTP/1.1\r\nHost: x\r\n\r\n", 405},
        {"BREW / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(9000) + "\r\n\r\n", 431},
    };

    @ParameterizedTest
    @MethodSource("backends")
    void badInputGetsItsStatusAndAClose(Served b) throws Exception {
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

    /** One request on a fresh connection, sent as given (no client-side path normalisation). */
    static Response exchange(Server s, String request) throws Exception {
        try (Socket sock = s.raw()) {
            sock.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
            return Response.read(sock.getInputStream());
        }
    }

    static String get(String path) {
        return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
    }

    @ParameterizedTest
    @MethodSource("backends")
    void filesAreServedAndTraversalIsRefused(Served b) throws Exception {
        try (Server s = Server.start(b)) {
            Response hello = exchange(s, get("/files/hello.txt"));
            assertEquals(200, hello.status());
            assertEquals("hello from a file\n", hello.text());
            assertTrue(hello.headers().contains("Content-Type: text/plain"), hello.headers());
            assertEquals("<p>page</p>", exchange(s, get("/files/sub/page.html")).text());
            assertEquals("encoded name", exchange(s, get("/files/with%20space%20%C3%BC.txt")).text());
            assertEquals("hello from a file\n", exchange(s, get("/files/inside")).text(), "a link that stays inside is followed");
            assertEquals("hello from a file\n", exchange(s, get("/files/sub/../hello.txt")).text(), "'..' that stays inside is fine");
            for (String out : new String[] {"/files/../secret.txt", "/files/%2e%2e/secret.txt", "/files/sub/..%2f..%2fsecret.txt",
                    "/files/escape", "/files//etc/passwd", "/files/%2Fetc%2Fpasswd"}) {
                Response r = exchange(s, get(out));
                assertEquals(403, r.status(), out);
                assertTrue(!r.text().contains("SECRET") && !r.text().contains("root:"), out);
            }
            assertEquals(404, exchange(s, get("/files/missing.txt")).status());
            assertEquals(404, exchange(s, get("/files/sub")).status(), "a directory is not a file");
            assertEquals(400, exchange(s, get("/files/%zz")).status());
            assertEquals(400, exchange(s, get("/files/a%00b")).status());
            assertEquals(405, exchange(s, "POST /files/hello.txt HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n").status());

            // on one keep-alive connection: HEAD, a large file, then plain responses after it, in order
            try (Socket sock = s.raw()) {
                OutputStream out = sock.getOutputStream();
                InputStream in = sock.getInputStream();
                out.write(("HEAD /files/big.bin HTTP/1.1\r\nHost: x\r\n\r\n" + get("/files/big.bin") + get("/plaintext")
                        + get("/files/hello.txt")).getBytes(StandardCharsets.US_ASCII));
                Response headR = readHead(in);
                assertTrue(headR.headers().contains("Content-Length: " + big.length), headR.headers());
                Response bigR = Response.read(in);
                assertEquals(200, bigR.status());
                assertArrayEquals(big, bigR.body());
                assertEquals("Hello, World!", Response.read(in).text());
                assertEquals("hello from a file\n", Response.read(in).text());
            }
        }
    }

    /** curl, where installed, as a client the server did not grow up with. */
    @ParameterizedTest
    @MethodSource("backends")
    void curlGetsPlaintextEchoAndFilesButNotTheSecret(Served b) throws Exception {
        assumeTrue(Stream.of(System.getenv("PATH").split(":")).anyMatch(d -> Files.isExecutable(Path.of(d, "curl"))), "curl is not installed");
        try (Server s = Server.start(b)) {
            String base = "http://127.0.0.1:" + s.port();
            assertEquals("Hello, World!", curl(base + "/plaintext", "200"));
            assertEquals("Hello, World!200Hello, World!200", curl(base + "/plaintext", "", base + "/", "-w", "%{http_code}"),
                    "two requests on one connection");
            assertEquals("sent by curl", curl(base + "/echo", "200", "--data-binary", "sent by curl"));
            assertEquals("hello from a file\n", curl(base + "/files/hello.txt", "200"));
            assertEquals(String.valueOf(big.length), curl(base + "/files/big.bin", "200", "-o", "/dev/null", "-w", "%{size_download}").replace("200", ""));
            curl(base + "/files/../secret.txt", "403", "--path-as-is");
        }
    }

    /** Runs curl on {@code url} (plus {@code args}) and returns its output; asserts the status codes it printed last. */
    private static String curl(String url, String statuses, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", url));
        cmd.addAll(List.of(args));
        boolean custom = List.of(args).contains("-w");
        if (!custom) cmd.addAll(List.of("-w", "%{http_code}"));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), "curl " + cmd);
        if (custom) return out;
        assertTrue(out.endsWith(statuses), out);
        return out.substring(0, out.length() - statuses.length());
    }
}
