package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property tests of the parser: a valid request split at random points parses to the same
 * request; random and mutated bytes never throw and never yield a request the strict
 * grammar would reject.
 */
class HttpParserFuzzTest {
    private static final String[] VALID = {
        "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    };

    @Test
    void randomSplitsParseTheSameRequest() {
        Random rnd = new Random(1);
        for (String v : VALID) {
            byte[] all = v.getBytes(StandardCharsets.ISO_8859_1);
            HttpParser whole = new HttpParser();
            assertEquals(HttpParser.OK, whole.parse(all, all.length));
            for (int round = 0; round < 500; round++) {
                HttpParser p = new HttpParser();
                int have = 0;
                int r = HttpParser.NEED_MORE;
                while (have < all.length) {
                    have = Math.min(all.length, have + 1 + rnd.nextInt(8));
                    r = p.parse(all, have);
                    if (have < all.length) assertEquals(HttpParser.NEED_MORE, r, "a prefix of a valid request needs more");
                }
                assertEquals(HttpParser.OK, r);
                assertEquals(whole.methodName(all), p.methodName(all));
                assertEquals(whole.target(all), p.target(all));
                assertArrayEquals(whole.body(), p.body());
                assertEquals(all.length, p.consumed());
            }
        }
    }

    @Test
    void randomAndMutatedBytesNeverThrowNorPassMalformedInput() {
        Random rnd = new Random(2);
        for (int round = 0; round < 20_000; round++) {
            byte[] b;
            if (round % 2 == 0) {
                b = new byte[rnd.nextInt(200)];
                rnd.nextBytes(b);
            } else {
                b = VALID[rnd.nextInt(VALID.length)].getBytes(StandardCharsets.ISO_8859_1);
                for (int k = 0; k < 1 + rnd.nextInt(3); k++) b[rnd.nextInt(b.length)] = (byte) rnd.nextInt(256);
            }
            HttpParser p = new HttpParser();
            int r = p.parse(b, b.length);
            assertTrue(r == HttpParser.OK || r == HttpParser.NEED_MORE || r == HttpParser.ERROR);
            if (r == HttpParser.OK) {
                String method = p.methodName(b), target = p.target(b);
                assertTrue(method.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != ':'), method);
                assertTrue(target.chars().allMatch(c -> c > 0x20 && c != 0x7f), target);
                assertTrue(p.consumed() <= b.length);
            }
            if (r == HttpParser.ERROR) assertTrue(p.status >= 400 && p.status < 600);
        }
    }

    /**
     * The smuggling invariants: the bytes of every framing case, and of pipelined pairs of
     * valid requests with one byte changed, frame the same requests whether they arrive at once
     * or split at any position; a pair yields two requests, or a refusal with nothing after it.
     */
    @Test
    void framingDoesNotDependOnWhereTheBytesSplit() {
        java.util.List<byte[]> inputs = new java.util.ArrayList<>();
        for (Object[] c : HttpFramingTest.CASES) inputs.add(((String) c[0]).getBytes(StandardCharsets.ISO_8859_1));
        Random rnd = new Random(3);
        for (int i = 0; i < 300; i++) {
            byte[] pair = (VALID[rnd.nextInt(VALID.length)] + VALID[rnd.nextInt(VALID.length)]).getBytes(StandardCharsets.ISO_8859_1);
            pair[rnd.nextInt(pair.length)] = (byte) "\r\n :;0aZ\t\u0000\u00ff".charAt(rnd.nextInt(11));
            inputs.add(pair);
        }
        for (byte[] all : inputs) {
            java.util.List<String> whole = HttpParserJazzTest.frames(all, all.length);
            for (int split = 1; split < all.length; split++) {
                // what a server that received `split` bytes first would have framed, then the rest
                java.util.List<String> first = HttpParserJazzTest.frames(all, split);
                if (!first.isEmpty() && first.get(first.size() - 1).startsWith("refused")) {
                    assertEquals(whole.subList(0, first.size()), first, "a refusal on a prefix is the refusal of the whole");
                    continue;
                }
                assertEquals(whole.subList(0, Math.min(first.size(), whole.size())), first,
                        "split at " + split + " of " + new String(all, StandardCharsets.ISO_8859_1));
            }
        }
    }
}
