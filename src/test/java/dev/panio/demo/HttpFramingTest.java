package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.demo.HttpServerTest.Response;
import dev.panio.demo.HttpServerTest.Server;
import dev.panio.reactor.Backend;
import dev.panio.testkit.NoFdLeaks;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Framing as RFC 9112 says, on the wire, on every backend: each case is the exact bytes a
 * client sends and the exact statuses it must get back, in number and order (a different
 * number of responses than requests is how request smuggling starts behind a proxy).
 */
@NoFdLeaks
@Timeout(300)
class HttpFramingTest {
    static Stream<HttpServerTest.Served> backends() {
        return HttpServerTest.backends();
    }

    /** A chunked POST to a route that buffers its body (and then answers 405: /plaintext is GET only). */
    private static final String CHUNKED_POST = "POST /plaintext HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    /** The same to /echo, which streams the body back as it is decoded. */
    private static final String CHUNKED_ECHO = "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n";
    private static final String NEXT = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n";

    /** {request bytes, expected statuses in order}; every refusal closes the connection after its response. */
    static final Object[][] CASES = {
        // trailers are field lines: anything else is refused, nothing after it is answered
        {CHUNKED_POST + "5\r\nhello\r\n0\r\n\nGET /stats HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5\r\nhello\r\n0\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\nX : y\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\nX: a\u0000b\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\nX: a\rb\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\nX y\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\n \r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "0\r\nX-Trailer: fine\r\n\r\n" + NEXT, new int[] {405, 200}}, // a valid trailer is ignored
        // chunk extensions follow their grammar
        {CHUNKED_POST + "c;a\nX\r\nhello world!\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5;a\rX\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5;a\u0000\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5;=b\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5;a=b c\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {CHUNKED_POST + "5 ; a = b ; c=\"q \\\" d\"\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {405, 200}},
        // bare LF: refused at once, wherever it is (not a 408 ten seconds later)
        {"GET /plaintext HTTP/1.1\nHost: x\n\n", new int[] {400}},
        {"GET /plaintext HTTP/1.1\r\nHost: x\n\r\n", new int[] {400}},
        {"GET /plaintext HTTP/1.1\r\nHost: x\r\n\n", new int[] {400}},
        {CHUNKED_POST + "5\nhello\r\n0\r\n\r\n", new int[] {400}},
        {"GET /plaintext HTTP/1.1\rHost: x\r\n\r\n", new int[] {400}}, // bare CR
        // valid, so answered
        {"GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Latin: caf\u00e9 \u00ff\r\n\r\n", new int[] {200}},   // obs-text
        {"GET http://127.0.0.1/plaintext HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", new int[] {200}},     // absolute-form
        {"GET http://127.0.0.1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", new int[] {200}},               // no path: "/"
        {"\r\nGET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n", new int[] {200}},                          // leading empty line
        {NEXT + "\r\n" + NEXT, new int[] {200, 200}},
        // HTTP/1.0 with Transfer-Encoding is faulty framing: refused, closed
        {"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" + NEXT, new int[] {400}},
        {"POST /echo HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\nContent-Length: 1\r\n\r\nx", new int[] {417}},
        {"POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n", new int[] {413}},
        {"GET /plaintext HTTP/1.1\r\nHost: a b\r\n\r\n", new int[] {400}},
        {"GET /plaintext#frag HTTP/1.1\r\nHost: x\r\n\r\n", new int[] {400}},
        // a later HTTP/1 minor is served as 1.1 (RFC 9110 §2.5); the asterisk-form is for OPTIONS only
        {"GET /plaintext HTTP/1.2\r\nHost: x\r\n\r\n", new int[] {200}},
        {"GET * HTTP/1.1\r\nHost: x\r\n\r\n" + NEXT, new int[] {400}},
        // a request line over the limit is 414 even after empty lines
        {"\r\n\r\nGET /" + "a".repeat(HttpParser.MAX_HEADER_BYTES) + " HTTP/1.1\r\nHost: x\r\n\r\n", new int[] {414}},
    };

    /**
     * {request, where to split it}: the same bytes must get the same answers whether they come
     * in one piece or in two (found split-dependent by an adversarial review).
     */
    static Object[][] splitCases() {
        // a header section whose final LF is the first byte past the limit
        String head = "GET /plaintext HTTP/1.1\r\nHost: a\r\nX: ";
        String atLimit = head + "a".repeat(HttpParser.MAX_HEADER_BYTES - head.length() - 3) + "\r\n\r\n";
        // a chunk-size line whose LF is the first byte past the chunk-line limit
        String chunkLine = "5;" + "a".repeat(HttpParser.MAX_CHUNK_LINE - 3) + "\r\nhello\r\n0\r\n\r\n";
        // a chunked body whose bytes, with the next request's, pass the pending limit, though its own do not
        StringBuilder big = new StringBuilder(CHUNKED_POST);
        String chunk = "1;" + "e".repeat(100) + "\r\nx\r\n";
        while (big.length() + chunk.length() + 5 < HttpParser.MAX_HEADER_BYTES + 2 * HttpParser.MAX_BODY_BYTES - 100) big.append(chunk);
        big.append("0\r\n\r\n");
        return new Object[][] {
            {atLimit + NEXT, atLimit.length() - 1},
            {CHUNKED_POST + chunkLine + NEXT, CHUNKED_POST.length() + chunkLine.indexOf('\n')},
            {CHUNKED_ECHO + chunkLine + NEXT, CHUNKED_ECHO.length() + chunkLine.indexOf('\n')},
            {big + NEXT, big.length()},
        };
    }

    /** Reads every response until the server closes; a reset after at least the expected responses counts as closed. */
    private static List<Integer> statuses(Socket sock) throws Exception {
        List<Integer> got = new ArrayList<>();
        InputStream in = sock.getInputStream();
        try {
            Response r;
            while ((r = Response.read(in)) != null) {
                got.add(r.status());
                if (r.headers().contains("Connection: close")) {
                    assertEquals(-1, in.read(), "end of stream after Connection: close");
                    break;
                }
            }
        } catch (SocketException reset) {
            got.add(-1); // a reset: the client may have lost responses
        } catch (java.io.EOFException cut) {
            got.add(-2); // a response cut short (a streamed echo ended by bad bytes)
        }
        return got;
    }

    @ParameterizedTest
    @MethodSource("backends")
    void everyCaseGetsExactlyItsResponses(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null)) {
            for (Object[] c : CASES) {
                String request = (String) c[0];
                int[] want = (int[]) c[1];
                try (Socket sock = s.raw()) {
                    sock.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
                    if (want[want.length - 1] == 200) sock.shutdownOutput(); // valid cases end with this side's close
                    List<Integer> got = statuses(sock);
                    List<Integer> expected = java.util.Arrays.stream(want).boxed().toList();
                    assertEquals(expected, got, () -> "for " + printable(request));
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void theSameBytesGetTheSameAnswersHoweverTheyAreSplit(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null)) {
            for (Object[] c : splitCases()) {
                byte[] request = ((String) c[0]).getBytes(StandardCharsets.ISO_8859_1);
                int at = (int) c[1];
                List<Integer> whole, split;
                try (Socket sock = s.raw()) {
                    sock.getOutputStream().write(request);
                    sock.shutdownOutput();
                    whole = statuses(sock);
                }
                try (Socket sock = s.raw()) {
                    sock.getOutputStream().write(request, 0, at);
                    sock.getOutputStream().flush();
                    Thread.sleep(300); // the server reads the first part on its own
                    boolean resetSeen = false;
                    try {
                        sock.getOutputStream().write(request, at, request.length - at);
                        sock.shutdownOutput();
                    } catch (SocketException refusedAlready) {
                        // the server answered the first part and closed: what it sent is below
                        resetSeen = refusedAlready.getMessage().contains("reset");
                    }
                    split = statuses(sock);
                    // The kernel reports a reset once: if this side's send took it, the read
                    // that follows finds the stream merely ended where the reset cut it.
                    if (resetSeen && !split.isEmpty() && split.getLast() == -2) split.set(split.size() - 1, -1);
                }
                assertEquals(whole, split, () -> "split at " + at + " of " + printable(((String) c[0]).substring(0, Math.min(200, at))));
            }
        }
    }

    /**
     * The malformed chunked cases again, to /echo, which has sent its 200 before the body is
     * decoded: the bad bytes end the connection before the last chunk (the client sees an
     * incomplete response) and nothing after them is answered.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void aStreamedEchoEndsAtMalformedChunksAndAnswersNothingAfter(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null)) {
            for (Object[] c : CASES) {
                String request = (String) c[0];
                int[] want = (int[]) c[1];
                if (!request.startsWith(CHUNKED_POST) || want[0] != 400) continue;
                String echo = CHUNKED_ECHO + request.substring(CHUNKED_POST.length());
                try (Socket sock = s.raw()) {
                    sock.getOutputStream().write(echo.getBytes(StandardCharsets.ISO_8859_1));
                    InputStream in = sock.getInputStream();
                    String head = HttpServerTest.readHeadOnly(in);
                    assertTrue(head.startsWith("HTTP/1.1 200"), head);
                    byte[] rest;
                    try {
                        rest = in.readAllBytes();
                    } catch (SocketException reset) {
                        rest = new byte[0];
                    }
                    String tail = new String(rest, StandardCharsets.ISO_8859_1);
                    assertTrue(!tail.contains("0\r\n\r\n") && !tail.contains("HTTP/1.1"),
                            "no last chunk and no further response for " + printable(echo) + ": " + printable(tail));
                }
            }
        }
    }

    private static String printable(String s) {
        return s.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
    }

    /** An HTTP/1.0 client asking for keep-alive gets it, and is told so (ab -k waits for a close otherwise). */
    @ParameterizedTest
    @MethodSource("backends")
    void http10KeepAliveIsHonouredAndAnnounced(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null); Socket sock = s.raw()) {
            OutputStream out = sock.getOutputStream();
            InputStream in = sock.getInputStream();
            for (int i = 0; i < 3; i++) {
                out.write("GET /plaintext HTTP/1.0\r\nConnection: keep-alive\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                Response r = Response.read(in);
                assertEquals(200, r.status());
                assertTrue(r.headers().contains("Connection: keep-alive"), r.headers());
            }
            out.write("GET /plaintext HTTP/1.0\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Response last = Response.read(in);
            assertTrue(last.headers().contains("Connection: close"), last.headers());
            assertEquals(-1, in.read());
        }
    }

    /** Expect: 100-continue is answered before the body is sent, and a refused body gets its final status at once. */
    @ParameterizedTest
    @MethodSource("backends")
    void expectContinueIsAnswered(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null); Socket sock = s.raw()) {
            OutputStream out = sock.getOutputStream();
            InputStream in = sock.getInputStream();
            out.write("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
            Response interim = Response.read(in);
            assertEquals(100, interim.status(), "100 Continue before the body");
            out.write("hello".getBytes(StandardCharsets.ISO_8859_1));
            Response r = Response.read(in);
            assertEquals(200, r.status());
            assertEquals("hello", r.text());
            // a route that buffers its body refuses one over 1 MiB: at once, before the client sends it
            out.write(("POST /plaintext HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: " + (HttpParser.MAX_BODY_BYTES + 1)
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            assertEquals(413, Response.read(in).status(), "too large: the final status at once, no 100");
        }
    }

    /**
     * The timeouts, shortened: a header section trickling in a byte at a time is answered 408
     * once its time is up in all (while bytes are still coming: a deadline per read would
     * never pass), and a silent connection and an unused keep-alive one are closed without a
     * response.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void slowHeadersAndSilentConnectionsAreEnded(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null, -1, new HttpService.Timeouts(300, 500, 5_000))) {
            try (Socket sock = s.raw()) {
                OutputStream out = sock.getOutputStream();
                out.write("GET /plaintext HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.ISO_8859_1));
                java.util.concurrent.atomic.AtomicBoolean answered = new java.util.concurrent.atomic.AtomicBoolean();
                java.util.concurrent.atomic.AtomicInteger trickled = new java.util.concurrent.atomic.AtomicInteger();
                int bytes = 200; // 10 s at one byte per 50 ms
                Thread trickle = Thread.ofPlatform().start(() -> {
                    try {
                        while (!answered.get() && trickled.get() < bytes) {
                            out.write('a');
                            trickled.incrementAndGet();
                            Thread.sleep(50);
                        }
                    } catch (Exception e) {
                        // closed: the reader reports what came
                    }
                });
                List<Integer> got = statuses(sock);
                answered.set(true);
                trickle.join(20_000);
                assertEquals(List.of(408), got);
                assertTrue(trickled.get() < bytes, "the 408 came while the header section was still trickling in: " + trickled.get() + " bytes");
            }
            try (Socket sock = s.raw()) {
                assertEquals(-1, sock.getInputStream().read(), "a silent connection is closed without a response");
            }
            try (Socket sock = s.raw()) {
                sock.getOutputStream().write(NEXT.getBytes(StandardCharsets.ISO_8859_1));
                InputStream in = sock.getInputStream();
                assertEquals(200, Response.read(in).status());
                assertEquals(-1, in.read(), "an unused keep-alive connection is closed without a response");
            }
        }
    }

    /**
     * An error response reaches the client although the client is still sending (lingering
     * close): without it the server's close with unread input makes the kernel send a reset,
     * which destroys the response.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void anErrorResponseSurvivesAClientStillSending(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null)) {
            String[] requests = {
                "GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(64 * 1024) + "\r\n\r\n",              // 431
                "GET /" + "a".repeat(64 * 1024) + " HTTP/1.1\r\nHost: x\r\n\r\n",                      // 414
                "POST /plaintext HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999\r\n\r\n" + "b".repeat(512 * 1024), // 413
            };
            int[] want = {431, 414, 413};
            for (int i = 0; i < requests.length; i++) {
                try (Socket sock = s.raw()) {
                    byte[] bytes = requests[i].getBytes(StandardCharsets.ISO_8859_1);
                    Thread writer = Thread.ofPlatform().start(() -> {
                        try {
                            sock.getOutputStream().write(bytes);
                        } catch (Exception e) {
                            // the server may close after lingering: the test reads what came back
                        }
                    });
                    Response r = Response.read(sock.getInputStream());
                    assertEquals(want[i], r == null ? -1 : r.status(), "request " + i);
                    writer.join(10_000);
                }
            }
        }
    }

    /** POST /echo streams: 64 MiB come back byte-exact while the client is still sending, in bounded server memory. */
    @ParameterizedTest
    @MethodSource("backends")
    void aLargeBodyEchoesByteExactAsItStreams(HttpServerTest.Served b) throws Exception {
        int size = 64 << 20;
        byte[] body = new byte[size];
        new java.util.Random(5).nextBytes(body);
        try (Server s = Server.start(b, null); Socket sock = s.raw()) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    OutputStream out = sock.getOutputStream();
                    out.write(("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + size + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                    for (int off = 0; off < size; off += 1 << 20) out.write(body, off, 1 << 20);
                } catch (Exception e) {
                    // the read side reports what went wrong
                }
            });
            InputStream in = sock.getInputStream();
            String head = HttpServerTest.readHeadOnly(in);
            assertTrue(head.startsWith("HTTP/1.1 200") && head.contains("Content-Length: " + size), head);
            byte[] got = in.readNBytes(size);
            writer.join(30_000);
            assertTrue(java.util.Arrays.equals(body, got), "the echo is byte-exact");
            long open = s.open();
            assertTrue(open <= 1, "connections: " + open);
        }
    }

    /** A chunked body echoes back chunked, byte-exact, then the connection serves the next request. */
    @ParameterizedTest
    @MethodSource("backends")
    void aChunkedBodyEchoesChunked(HttpServerTest.Served b) throws Exception {
        java.util.Random rnd = new java.util.Random(6);
        java.io.ByteArrayOutputStream request = new java.io.ByteArrayOutputStream();
        java.io.ByteArrayOutputStream body = new java.io.ByteArrayOutputStream();
        request.write(CHUNKED_ECHO.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < 200; i++) {
            byte[] chunk = new byte[1 + rnd.nextInt(40_000)];
            rnd.nextBytes(chunk);
            request.write((Integer.toHexString(chunk.length) + (i % 3 == 0 ? ";ext=\"v\"" : "") + "\r\n").getBytes(StandardCharsets.ISO_8859_1));
            request.write(chunk);
            request.write("\r\n".getBytes(StandardCharsets.ISO_8859_1));
            body.write(chunk);
        }
        request.write(("0\r\nX-Checksum: ignored\r\n\r\n" + NEXT).getBytes(StandardCharsets.ISO_8859_1));
        try (Server s = Server.start(b, null); Socket sock = s.raw()) {
            byte[] all = request.toByteArray();
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    sock.getOutputStream().write(all);
                } catch (Exception e) {
                    // reported by the read side
                }
            });
            InputStream in = sock.getInputStream();
            String head = HttpServerTest.readHeadOnly(in);
            assertTrue(head.contains("Transfer-Encoding: chunked"), head);
            java.io.ByteArrayOutputStream echoed = new java.io.ByteArrayOutputStream();
            for (;;) {
                String line = readLine(in);
                int n = Integer.parseInt(line, 16);
                if (n == 0) {
                    assertEquals("", readLine(in));
                    break;
                }
                echoed.write(in.readNBytes(n));
                assertEquals("", readLine(in));
            }
            assertTrue(java.util.Arrays.equals(body.toByteArray(), echoed.toByteArray()), "the chunked echo is byte-exact");
            assertEquals(200, Response.read(in).status(), "the pipelined request after it is answered");
            writer.join(10_000);
        }
    }

    private static String readLine(InputStream in) throws Exception {
        StringBuilder sb = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new java.io.EOFException();
            if (c != '\r') sb.append((char) c);
        }
        return sb.toString();
    }

    /** --max-body: an /echo body over the limit is refused with 413 before it is read. */
    @ParameterizedTest
    @MethodSource("backends")
    void maxBodyRefusesALargerEcho(HttpServerTest.Served b) throws Exception {
        try (Server s = Server.start(b, null, 1000)) {
            try (Socket sock = s.raw()) {
                sock.getOutputStream().write("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                assertEquals(413, Response.read(sock.getInputStream()).status());
            }
            // chunked, the limit is found while streaming: not one byte past it is echoed
            try (Socket sock = s.raw()) {
                sock.setSoTimeout(10_000);
                String body = "a".repeat(600);
                sock.getOutputStream().write(("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "258\r\n" + body + "\r\n" + "258\r\n" + body + "\r\n0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
                byte[] all = sock.getInputStream().readAllBytes(); // until the abort
                String got = new String(all, StandardCharsets.ISO_8859_1);
                String echoed = got.substring(got.indexOf("\r\n\r\n") + 4);
                int as = (int) echoed.chars().filter(ch -> ch == 'a').count();
                assertEquals(600, as, "the first 600-byte chunk is echoed, the one that passes 1000 is not: " + got.length() + " bytes");
            } catch (SocketException reset) {
                // the abort may reset before the read ends: the count above is then not checked
            }
        }
    }
}
