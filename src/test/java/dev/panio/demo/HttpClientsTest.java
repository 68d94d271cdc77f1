package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.demo.HttpServerTest.Server;
import dev.panio.reactor.Backend;
import dev.panio.testkit.NoFdLeaks;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The demo server driven by HTTP clients nobody here wrote: curl, ApacheBench, h2load,
 * Python's http.client and a headless Chromium. They are installed from Debian's packages by
 * {@code scripts/test-tools.sh} when missing; where that is impossible the tests skip and say
 * why. Run on the default backend and on a thread backend.
 */
@NoFdLeaks
@Timeout(300)
class HttpClientsTest {
    private static String missingTools;

    @TempDir
    static Path tmp;

    @BeforeAll
    static void tools() throws Exception {
        Process p = new ProcessBuilder("scripts/test-tools.sh", "curl", "ab", "h2load", "python3", "chromium")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        missingTools = p.waitFor() == 0 ? null : out;
    }

    /** The demo server's default and its {@code --backend virtual} (the coroutine server). */
    static Stream<HttpServerTest.Served> backends() {
        return Stream.of(new HttpServerTest.Served(Backend.AUTO), HttpServerTest.Served.COROUTINE);
    }

    private static void need(String tool) {
        assumeTrue(missingTools == null || !missingTools.contains(tool), () -> missingTools);
    }

    /** Runs a command to completion (at most 120 s); its standard output and error, merged. */
    private static String run(List<String> cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("did not finish: " + cmd);
        }
        String text = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), () -> cmd + "\n" + text);
        return text;
    }

    private static String url(Server s, String path) {
        return s.uri(path).toString();
    }

    @ParameterizedTest
    @MethodSource("backends")
    void curlReusesTheConnectionSpeaksHttp10AndUploads(HttpServerTest.Served b) throws Exception {
        need("curl");
        try (Server s = Server.start(b, null)) {
            // keep-alive: two URLs, one connection
            String two = run(List.of("curl", "-sSv", "--max-time", "20", url(s, "/plaintext"), url(s, "/plaintext")));
            assertTrue(two.contains("Re-using existing connection") || two.contains("Reusing existing"), two);
            // HTTP/1.0, with and without keep-alive
            String ten = run(List.of("curl", "-sS", "--max-time", "20", "--http1.0", url(s, "/plaintext")));
            assertEquals("Hello, World!", ten);
            String tenKa = run(List.of("curl", "-sSv", "--max-time", "20", "--http1.0", "-H", "Connection: keep-alive",
                    url(s, "/plaintext"), url(s, "/plaintext")));
            assertTrue(tenKa.contains("Connection: keep-alive") && tenKa.contains("Re"), tenKa);
            // HEAD
            String head = run(List.of("curl", "-sSI", "--max-time", "20", url(s, "/plaintext")));
            assertTrue(head.startsWith("HTTP/1.1 200") && head.contains("Content-Length: 13"), head);
            // chunked upload with 100-continue, echoed back byte-exact
            byte[] body = new byte[2 << 20]; // over 1 MiB: curl sends Expect: 100-continue by itself
            new Random(8).nextBytes(body);
            Path in = tmp.resolve("upload-" + b), out = tmp.resolve("echo-" + b);
            Files.write(in, body);
            String up = run(List.of("curl", "-sSv", "--max-time", "30", "-H", "Transfer-Encoding: chunked",
                    "-H", "Expect: 100-continue", "--data-binary", "@" + in, "-o", out.toString(), url(s, "/echo")));
            assertTrue(up.contains("HTTP/1.1 100 Continue"), "the server answered the expectation: " + up);
            assertTrue(java.util.Arrays.equals(body, Files.readAllBytes(out)), "chunked upload echoed byte-exact");
            // a plain 2 MiB upload: curl asks for 100-continue itself and gets it at once (not after its 1 s wait)
            String plain = run(List.of("curl", "-sSv", "--max-time", "30", "--data-binary", "@" + in, "-o", out.toString(),
                    url(s, "/echo")));
            assertTrue(plain.contains("HTTP/1.1 100 Continue"), plain);
            assertTrue(java.util.Arrays.equals(body, Files.readAllBytes(out)));
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void apacheBenchWithKeepAliveCompletesEveryRequest(HttpServerTest.Served b) throws Exception {
        need("ab");
        try (Server s = Server.start(b, null)) {
            // ab speaks HTTP/1.0: keep-alive must be announced in the response, or it waits for a close
            String out = run(List.of("ab", "-k", "-q", "-n", "2000", "-c", "8", "-s", "20", url(s, "/plaintext")));
            assertEquals(2000, number(out, "Complete requests:\\s+(\\d+)"), out);
            assertEquals(0, number(out, "Failed requests:\\s+(\\d+)"), out);
            assertEquals(2000, number(out, "Keep-Alive requests:\\s+(\\d+)"), out);
        }
    }

    @ParameterizedTest
    @MethodSource("backends")
    void h2loadPipelinedOverHttp11Succeeds(HttpServerTest.Served b) throws Exception {
        need("h2load");
        try (Server s = Server.start(b, null)) {
            String out = run(List.of("h2load", "--h1", "-m", "10", "-n", "5000", "-c", "10", url(s, "/plaintext")));
            Matcher m = Pattern.compile("requests: (\\d+) total, \\d+ started, (\\d+) done, (\\d+) succeeded, (\\d+) failed, (\\d+) errored")
                    .matcher(out);
            assertTrue(m.find(), out);
            assertEquals("5000", m.group(3), out); // succeeded
            assertEquals("0", m.group(4), out);    // failed
            assertEquals("0", m.group(5), out);    // errored
        }
    }

    /** Python's http.client sends a whole 8 MiB body before reading: it still gets the 413, not a broken pipe. */
    @ParameterizedTest
    @MethodSource("backends")
    void pythonReadsA413WhileStillSending(HttpServerTest.Served b) throws Exception {
        need("python3");
        try (Server s = Server.start(b, null)) {
            String script = String.join("\n",
                    "import http.client, sys",
                    "c = http.client.HTTPConnection('127.0.0.1', int(sys.argv[1]), timeout=30)",
                    "c.request('POST', '/plaintext', body=b'x' * (8 << 20))",
                    "r = c.getresponse()",
                    "print(r.status, r.read().decode().strip())");
            String out = run(List.of("python3", "-c", script, String.valueOf(s.port())));
            assertEquals("413 Content Too Large", out.trim());
        }
    }

    /** The /status page in a real browser, under load: its chart has a rate in requests per second above zero. */
    @ParameterizedTest
    @MethodSource("backends")
    void theStatusPageShowsTheRequestRateInABrowser(HttpServerTest.Served b) throws Exception {
        need("chromium");
        try (Server s = Server.start(b, null)) {
            Thread load = Thread.ofPlatform().daemon().start(() -> {
                try (java.net.Socket sock = s.raw()) {
                    byte[] req = "GET /plaintext HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
                    long until = System.nanoTime() + 20_000_000_000L;
                    while (System.nanoTime() < until && !Thread.currentThread().isInterrupted()) {
                        sock.getOutputStream().write(req);
                        HttpServerTest.Response.read(sock.getInputStream());
                    }
                } catch (Exception e) {
                    // the server closes at the end of the test
                }
            });
            try {
                Path profile = Files.createTempDirectory(tmp, "chromium");
                String dom = run(List.of("chromium", "--headless", "--no-sandbox", "--disable-gpu", "--user-data-dir=" + profile,
                        "--virtual-time-budget=4000", "--dump-dom", url(s, "/status")));
                Matcher m = Pattern.compile("<td id=\"rate\">(\\d+)</td>").matcher(dom);
                assertTrue(m.find(), "the page computed a rate: " + dom.substring(0, Math.min(2000, dom.length())));
                assertTrue(Long.parseLong(m.group(1)) > 0, "requests per second under load: " + m.group(1));
                assertTrue(dom.contains("<canvas id=\"c\""), "the chart is there");
            } finally {
                load.interrupt();
                load.join(30_000);
            }
        }
    }

    private static long number(String text, String regex) {
        Matcher m = Pattern.compile(regex).matcher(text);
        if (!m.find()) throw new AssertionError("no " + regex + " in:\n" + text);
        return Long.parseLong(m.group(1));
    }
}
