package dev.panio.demo;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The demo server's request parser and response writer without sockets: the cost per
 * request and, with {@code -prof gc}, the proof that neither allocates. The reference is a
 * plain copy of the same request bytes, the least any server does with them.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class HttpBench {
    private static final String WRK = "GET /plaintext HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n";
    private static final String BROWSER = "GET /plaintext?x=1 HTTP/1.1\r\nHost: localhost:8080\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n"
            + "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\nAccept-Language: en-US,en;q=0.5\r\n"
            + "Accept-Encoding: gzip, deflate\r\nConnection: keep-alive\r\nCache-Control: max-age=0\r\n\r\n";
    private static final byte[] TEXT = "text/plain".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);

    private final HttpParser parser = new HttpParser();
    private final ResponseWriter writer = new ResponseWriter();
    private byte[] wrk, browser, browser2, pipelined16, scratch;
    private boolean flip;

    @Setup
    public void setup() {
        wrk = WRK.getBytes(StandardCharsets.US_ASCII);
        browser = BROWSER.getBytes(StandardCharsets.US_ASCII);
        browser2 = BROWSER.replace("max-age=0", "max-age=1").getBytes(StandardCharsets.US_ASCII);
        pipelined16 = WRK.repeat(16).getBytes(StandardCharsets.US_ASCII);
        scratch = new byte[pipelined16.length];
    }

    @Benchmark
    public int reference_copyRequest() {
        System.arraycopy(wrk, 0, scratch, 0, wrk.length);
        return scratch[wrk.length - 1];
    }

    @Benchmark
    public int parseWrkRequest() {
        if (parser.parse(wrk, 0, wrk.length) != HttpParser.OK) throw new AssertionError();
        return parser.consumed();
    }

    @Benchmark
    public int parseBrowserRequest() {
        if (parser.parse(browser, 0, browser.length) != HttpParser.OK) throw new AssertionError();
        return parser.consumed();
    }

    /**
     * Two browser requests whose header fields differ in one byte, in turn: the parser's kept
     * field section never matches, so every line is checked and the section copied (the cost
     * of a request whose fields are new, against {@link #parseBrowserRequest}'s repeat).
     */
    @Benchmark
    public int parseBrowserRequestFieldsChanging() {
        byte[] b = (flip = !flip) ? browser : browser2;
        if (parser.parse(b, 0, b.length) != HttpParser.OK) throw new AssertionError();
        return parser.consumed();
    }

    @Benchmark
    public int parseAndRespond() {
        if (parser.parse(wrk, 0, wrk.length) != HttpParser.OK) throw new AssertionError();
        writer.reset();
        writer.start(200, TEXT, HELLO.length).endHeaders(!parser.keepAlive).body(HELLO, 0, HELLO.length);
        return writer.length();
    }

    /** Sixteen pipelined requests from one read, each parsed and answered; time is per batch. */
    @Benchmark
    public int pipelined16ParseAndRespond() {
        int at = 0;
        writer.reset();
        while (at < pipelined16.length) {
            if (parser.parse(pipelined16, at, pipelined16.length) != HttpParser.OK) throw new AssertionError();
            at = parser.consumed();
            writer.start(200, TEXT, HELLO.length).endHeaders(false).body(HELLO, 0, HELLO.length);
        }
        return writer.length(); // the sixteen responses, gathered for one write
    }
}
