package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The parser keeps the last field section it accepted and answers a request whose field
 * section is the same bytes without checking its lines again. These tests hold a parser
 * that has seen earlier requests (as a keep-alive connection's does) to a fresh one: every
 * answer must be the same, at the header limit, with bytes missing, and after a section
 * that differs by one byte.
 */
class HttpParserFieldCacheTest {
    private static final String[] SECTIONS = {
        "Host: a\r\n\r\n",
        "Host: 127.0.0.1:8080\r\n\r\n",
        "Host: a\r\nContent-Length: 5\r\n\r\n",
        "Host: a\r\nTransfer-Encoding: chunked\r\n\r\n",
        "Host: a\r\nConnection: close\r\n\r\n",
        "Connection: keep-alive\r\n\r\n",
        "Host: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n",
        "Host: a\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", // refused: both framings
        "Host: a\r\nHost: b\r\n\r\n",                                      // refused: two hosts
        "\r\n",                                                            // no fields at all
        "Host: a\r\nUser-Agent: " + "x".repeat(600) + "\r\n\r\n",          // longer than the kept maximum
    };
    private static final String[] LINES = {"GET /plaintext HTTP/1.1", "GET / HTTP/1.0", "POST /echo HTTP/1.1", "GET /a?b HTTP/1.1"};
    private static final String[] BODIES = {"", "hello", "3\r\nabc\r\n0\r\n\r\n"};

    @Test
    void aParserThatKeptEarlierSectionsAnswersAsAFreshOne() {
        Random rnd = new Random(16);
        HttpParser kept = new HttpParser();
        byte[] buf = new byte[HttpParser.MAX_HEADER_BYTES + 2048];
        int hits = 0;
        for (int round = 0; round < 200_000; round++) {
            byte[] request = request(rnd);
            int from = rnd.nextInt(buf.length - request.length + 1);
            System.arraycopy(request, 0, buf, from, request.length);
            // some requests arrive in two parts: the first must need more (or fail) the same way
            int to = rnd.nextInt(4) == 0 ? from + rnd.nextInt(request.length + 1) : from + request.length;
            for (int end : to < from + request.length ? new int[] {to, from + request.length} : new int[] {to}) {
                HttpParser fresh = new HttpParser();
                String what = "round " + round + ": " + new String(buf, from, Math.min(end - from, 200), StandardCharsets.ISO_8859_1);
                // the head alone (for callers that stream the body), then the whole request
                assertEquals(new HttpParser().parseHead(buf, from, end), kept.parseHead(buf, from, end), what);
                int expected = fresh.parse(buf, from, end);
                int actual = kept.parse(buf, from, end);
                assertEquals(expected, actual, what);
                if (expected == HttpParser.ERROR) assertEquals(fresh.status, kept.status, what);
                // NEED_MORE with the head done: the server answers 100-continue and waits for the body
                assertEquals(fresh.headersDone, kept.headersDone, what);
                if (fresh.headersDone) {
                    assertEquals(fresh.expectContinue, kept.expectContinue, what);
                    assertEquals(fresh.contentLength, kept.contentLength, what);
                    assertEquals(fresh.chunkedBody, kept.chunkedBody, what);
                    assertEquals(fresh.bodyAt, kept.bodyAt, what);
                }
                if (expected == HttpParser.OK) {
                    assertEquals(fresh.methodName(buf), kept.methodName(buf), what);
                    assertEquals(fresh.target(buf), kept.target(buf), what);
                    assertEquals(fresh.http10, kept.http10, what);
                    assertEquals(fresh.keepAlive, kept.keepAlive, what);
                    assertEquals(fresh.expectContinue, kept.expectContinue, what);
                    assertEquals(fresh.contentLength, kept.contentLength, what);
                    assertEquals(fresh.chunkedBody, kept.chunkedBody, what);
                    assertEquals(fresh.bodyAt, kept.bodyAt, what);
                    assertEquals(fresh.consumed(), kept.consumed(), what);
                    assertEquals(new String(fresh.body(), StandardCharsets.ISO_8859_1),
                            new String(kept.body(), StandardCharsets.ISO_8859_1), what);
                }
                if (expected != HttpParser.NEED_MORE && kept.headersDone) hits++;
            }
        }
        // the sequence must have exercised the kept section, not only first sightings
        assertEquals(true, hits > 50_000, "requests parsed to the end of their fields: " + hits);
    }

    @Test
    void theSameSectionPastTheHeaderLimitIsRefusedAsTooLarge() {
        HttpParser p = new HttpParser();
        byte[] first = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.OK, p.parse(first, first.length));
        // a request line that leaves the same fields ending one byte past the limit
        String section = "Host: a\r\n\r\n";
        int target = HttpParser.MAX_HEADER_BYTES - section.length() - "GET / HTTP/1.1\r\n".length() + 1;
        byte[] second = ("GET /" + "a".repeat(target) + " HTTP/1.1\r\n" + section).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.MAX_HEADER_BYTES + 1, second.length);
        assertEquals(HttpParser.ERROR, p.parse(second, second.length));
        assertEquals(431, p.status);
        HttpParser fresh = new HttpParser();
        assertEquals(HttpParser.ERROR, fresh.parse(second, second.length));
        assertEquals(431, fresh.status);
        // one byte shorter fits, for both
        byte[] third = ("GET /" + "a".repeat(target - 1) + " HTTP/1.1\r\n" + section).getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.OK, p.parse(third, third.length));
    }

    @Test
    void theSameSectionNotYetAllThereNeedsMore() {
        HttpParser p = new HttpParser();
        byte[] one = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.OK, p.parse(one, one.length));
        for (int have = 0; have < one.length; have++) {
            assertEquals(HttpParser.NEED_MORE, p.parseHead(one, 0, have), "head of the first " + have);
            assertEquals(HttpParser.NEED_MORE, p.parse(one, have), "first " + have);
        }
        assertEquals(HttpParser.OK, p.parse(one, one.length));
    }

    @Test
    void aSectionOneByteOffIsCheckedAgain() {
        HttpParser p = new HttpParser();
        byte[] good = "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.OK, p.parse(good, good.length));
        byte[] bad = "GET / HTTP/1.1\r\nHost: \u0001\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1); // same length
        assertEquals(HttpParser.ERROR, p.parse(bad, bad.length));
        assertEquals(400, p.status);
        assertEquals(HttpParser.OK, p.parse(good, good.length));
        // HTTP/1.0 with the same fields: framing and keep-alive follow the version, not the copy
        byte[] old = "GET / HTTP/1.0\r\nHost: a\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);
        assertEquals(HttpParser.OK, p.parse(old, old.length));
        assertEquals(false, p.keepAlive);
    }

    private static byte[] request(Random rnd) {
        StringBuilder s = new StringBuilder();
        String line = LINES[rnd.nextInt(LINES.length)];
        if (rnd.nextInt(50) == 0) { // a long target, near the header limit
            int pad = HttpParser.MAX_HEADER_BYTES - 64 + rnd.nextInt(64);
            line = "GET /" + "p".repeat(pad) + " HTTP/1.1";
        }
        s.append(line).append("\r\n");
        // mostly the same few sections in a row, as one connection sends them
        String section = SECTIONS[rnd.nextInt(3) == 0 ? rnd.nextInt(SECTIONS.length) : rnd.nextInt(2)];
        s.append(section).append(BODIES[rnd.nextInt(BODIES.length)]);
        byte[] b = s.toString().getBytes(StandardCharsets.ISO_8859_1);
        if (rnd.nextInt(8) == 0) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256); // one byte anywhere
        return b;
    }
}
