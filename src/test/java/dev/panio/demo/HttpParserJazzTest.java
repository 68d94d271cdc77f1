package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzzing of the HTTP parser with Jazzer, against the invariants that catch
 * request smuggling. In {@code mvn test} this replays the seeds and the corpus committed under
 * {@code src/test/resources/dev/panio/demo/HttpParserJazzTestInputs/}; with {@code JAZZER_FUZZ=1}
 * it fuzzes ({@code scripts/fuzz-http.sh}). For any input:
 *
 * <ul>
 * <li>no exception escapes the parser;
 * <li>the same bytes split at any position frame the same requests (a server framing the
 *     first part, then all of it, agrees with one that got everything at once);
 * <li>nothing past a refusal is framed;
 * <li>two valid requests glued to the input's front yield exactly those two requests first;
 * <li>one parser frames as a new parser for each request would (what it keeps of the last
 *     field section changes no answer).
 * </ul>
 */
class HttpParserJazzTest {
    private static final byte[] VALID_PAIR = ("GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);

    /** {@link #frames} of all of {@code b} by one parser that first sees {@code b[0, split)}. */
    static List<String> framesInTwoReads(byte[] b, int split) {
        List<String> out = new ArrayList<>();
        HttpParser p = new HttpParser();
        int at = 0;
        for (int to : new int[] {split, b.length}) {
            while (at < to) {
                int r = p.parse(b, at, to);
                if (r == HttpParser.NEED_MORE) break;
                if (r == HttpParser.ERROR) {
                    out.add("refused " + p.status);
                    return out;
                }
                out.add(frame(p, b));
                at = p.consumed();
            }
        }
        return out;
    }

    /** One framed request, with what a server acts on besides its bytes. */
    private static String frame(HttpParser p, byte[] b) {
        return p.methodName(b) + " " + p.target(b) + " " + Arrays.hashCode(p.body()) + " @" + p.consumed()
                + (p.keepAlive ? " keep-alive" : " close") + (p.expectContinue ? " 100-continue" : "") + (p.chunkedBody ? " chunked" : "");
    }

    /** What a server would frame from {@code b[0, len)}: each request, or the refusal that ends it. */
    static List<String> frames(byte[] b, int len) {
        return frames(b, len, false);
    }

    /**
     * {@link #frames}, by one parser (as a connection has) or by a new parser for each request
     * ({@code freshEach}): a parser keeps the last field section it accepted, and must frame
     * as one that never saw it.
     */
    static List<String> frames(byte[] b, int len, boolean freshEach) {
        List<String> out = new ArrayList<>();
        HttpParser p = new HttpParser();
        int at = 0;
        while (at < len) {
            if (freshEach) p = new HttpParser();
            int r = p.parse(b, at, len);
            if (r == HttpParser.NEED_MORE) break;
            if (r == HttpParser.ERROR) {
                assertTrue(p.status >= 400 && p.status < 600, "status " + p.status);
                out.add("refused " + p.status);
                return out;
            }
            assertEquals(HttpParser.OK, r);
            assertTrue(p.consumed() > at && p.consumed() <= len, "progress within the input");
            out.add(frame(p, b));
            at = p.consumed();
        }
        return out;
    }

    // A fuzzing run (JAZZER_FUZZ=1) stops after 10.5 million inputs or 5 hours, whichever
    // comes first; the jazzer.max_duration property does not override these in jazzer-junit
    // 0.24. Regression runs replay the corpus and stop.
    @FuzzTest(maxDuration = "300m", maxExecutions = 10_500_000)
    void framingIsTheSameHoweverTheBytesArrive(byte[] input) {
        if (input.length > 9 * 1024) return; // past the 8 KiB header limit, and the chunk-line one
        List<String> whole = frames(input, input.length);
        assertEquals(whole, frames(input, input.length, true), "a new parser for each request");
        // Every split of a short input; of a longer one, 48 spread over it (16 past 1 KiB, 8
        // past 2 KiB) and the last bytes, so that each run stays quick and the fuzzer explores
        // more inputs.
        int step = input.length <= 64 ? 1 : input.length / (input.length > 2048 ? 8 : input.length > 1024 ? 16 : 48);
        for (int split = 1; split < input.length; split = split + step < input.length - 8 ? split + step : split + 1) {
            List<String> first = frames(input, split);
            // a prefix frames a prefix of the same requests, or the same refusal
            List<String> expected = whole.subList(0, Math.min(first.size(), whole.size()));
            assertEquals(expected, first, "split at " + split);
            // and one parser that gets the prefix, then everything (as a connection does, with
            // whatever it keeps between reads), frames the same as one that got it all at once
            assertEquals(whole, framesInTwoReads(input, split), "two reads split at " + split);
        }
        byte[] glued = new byte[VALID_PAIR.length + input.length];
        System.arraycopy(VALID_PAIR, 0, glued, 0, VALID_PAIR.length);
        System.arraycopy(input, 0, glued, VALID_PAIR.length, input.length);
        List<String> g = frames(glued, glued.length);
        assertEquals(g, frames(glued, glued.length, true), "glued, a new parser for each request");
        assertTrue(g.size() >= 2 && g.get(0).startsWith("GET /plaintext") && g.get(1).startsWith("POST /echo"),
                "the two valid requests before it: " + g);
    }
}
