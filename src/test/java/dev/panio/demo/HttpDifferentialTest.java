package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.panio.demo.HttpServerTest.Served;
import dev.panio.demo.HttpServerTest.Server;
import dev.panio.reactor.Backend;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The same bytes to the reactor (EPOLL) and the coroutine server; the answers compared byte for byte (Date masked). */
@dev.panio.testkit.NoFdLeaks
@Timeout(600)
class HttpDifferentialTest {
    @TempDir
    Path tmp;

    static final String[] CASES = {
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /plaintext HTTP/1.1\r\nHost: a\r\n\r\nGET /nothing HTTP/1.1\r\nHost: a\r\n\r\nHEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        "GET / HTTP/1.0\r\n\r\n",
        "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" + "64\r\n" + "x".repeat(100) + "\r\n1\r\ny\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n" + "x".repeat(101),
        "POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /plaintext HTTP/1.1\r\nHost: a\r\nContent-Length: 2000000\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "GET / HTTP/1.1\nHost: a\n\n",
        "GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n",
        "GET / HTTP/1.1\r\nHost : a\r\n\r\n",
        "GET / HTTP/1.1\r\nX: " + "a".repeat(9000) + "\r\n\r\n",
        "GET /" + "a".repeat(9000) + " HTTP/1.1\r\n\r\n",
        "GARBAGE\r\n\r\n",
        "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/2.0\r\nHost: a\r\n\r\n",
        "BREW / HTTP/1.1\r\nHost: a\r\n\r\n",
        "DELETE / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /files/hello.txt HTTP/1.1\r\nHost: a\r\n\r\nHEAD /files/hello.txt HTTP/1.1\r\nHost: a\r\n\r\nGET /files/../x HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /files/%zz HTTP/1.1\r\nHost: a\r\n\r\nGET /files/missing HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /files/hello.txt HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
        "GET /echo HTTP/1.1\r\nHost: a\r\n\r\nHEAD /echo HTTP/1.1\r\nHost: a\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi",
        "GET / HTTP/1.1\r\nHost: a\r\nExpect: something\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\nHo",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nhello",
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        "GET / HTTP/1.1\r\nHost: a\r\n\r\n\r\n",
        "GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET * HTTP/1.1\r\nHost: a\r\n\r\n",
        "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET /\u00ff HTTP/1.1\r\nHost: a\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: a\r\nX: \u0000\r\n\r\n",
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
    };

    /** How an exchange ended, and what came back (Date values masked). */
    record Outcome(String bytes, String end) {}

    static Outcome exchange(int port, byte[] request, boolean halfClose) throws Exception {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(1500);
            if (Boolean.getBoolean("probe.split")) { // pieces: at every end of a head, and every 7th byte past 100
                String t = new String(request, StandardCharsets.ISO_8859_1);
                int from = 0;
                for (int i = 0; i < request.length; i++) {
                    if (t.startsWith("\r\n\r\n", i) || (i > 100 && i % 7 == 0)) {
                        int to = Math.min(request.length, t.startsWith("\r\n\r\n", i) ? i + 4 : i);
                        if (to > from) {
                            s.getOutputStream().write(request, from, to - from);
                            s.getOutputStream().flush();
                            from = to;
                            Thread.sleep(15);
                        }
                    }
                }
                if (from < request.length) s.getOutputStream().write(request, from, request.length - from);
            } else {
                s.getOutputStream().write(request);
            }
            if (halfClose) s.shutdownOutput();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            InputStream in = s.getInputStream();
            byte[] b = new byte[65536];
            String end;
            try {
                for (int n; ; ) {
                    n = in.read(b);
                    if (n < 0) {
                        end = "EOF";
                        break;
                    }
                    got.write(b, 0, n);
                }
            } catch (SocketTimeoutException e) {
                end = "TIMEOUT";
            } catch (SocketException e) {
                end = "RESET";
            }
            String text = got.toString(StandardCharsets.ISO_8859_1).replaceAll("Date: [^\r]*", "Date: X");
            return new Outcome(text, end);
        }
    }

    @Test
    void sameBytesSameAnswers() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("www"));
        Files.writeString(root.resolve("hello.txt"), "hello\n");
        HttpService.Timeouts t = new HttpService.Timeouts(600, 800, 300);
        List<String> diffs = new ArrayList<>();
        List<byte[]> inputs = new ArrayList<>();
        for (String c : CASES) inputs.add(c.getBytes(StandardCharsets.ISO_8859_1));
        Random r = new Random(Long.getLong("probe.seed", 7));
        int fuzz = Integer.getInteger("probe.fuzz", 0);
        for (int i = 0; i < fuzz; i++) { // mutations: a few bytes changed, inserted or removed, of a pipeline of cases
            StringBuilder sb = new StringBuilder();
            for (int k = 1 + r.nextInt(3); k > 0; k--) sb.append(CASES[r.nextInt(CASES.length)]);
            byte[] b = sb.toString().getBytes(StandardCharsets.ISO_8859_1);
            int muts = 1 + r.nextInt(3);
            for (int m = 0; m < muts && b.length > 0; m++) {
                int at = r.nextInt(b.length);
                byte[] pool = " \r\n:;0123456789abcdefxXGET/-,\t".getBytes(StandardCharsets.ISO_8859_1);
                switch (r.nextInt(3)) {
                    case 0 -> b[at] = pool[r.nextInt(pool.length)];
                    case 1 -> {
                        byte[] nb = new byte[b.length + 1];
                        System.arraycopy(b, 0, nb, 0, at);
                        nb[at] = pool[r.nextInt(pool.length)];
                        System.arraycopy(b, at, nb, at + 1, b.length - at);
                        b = nb;
                    }
                    default -> {
                        byte[] nb = new byte[b.length - 1];
                        System.arraycopy(b, 0, nb, 0, at);
                        System.arraycopy(b, at + 1, nb, at, b.length - at - 1);
                        b = nb;
                    }
                }
            }
            inputs.add(b);
        }
        try (Server reactor = Server.start(new Served(Backend.EPOLL), root, 100, t);
                Server coroutine = Server.start(Served.COROUTINE, root, 100, t)) {
            for (int i = 0; i < inputs.size(); i++) {
                byte[] req = inputs.get(i);
                for (boolean half : new boolean[] {false, true}) {
                    CompletableFuture<Outcome> a = CompletableFuture.supplyAsync(() -> call(reactor.port(), req, half));
                    CompletableFuture<Outcome> b = CompletableFuture.supplyAsync(() -> call(coroutine.port(), req, half));
                    Outcome x = a.get(), y = b.get();
                    if (!x.equals(y)) {
                        diffs.add("#" + i + (half ? " (half-closed)" : "") + " request " + show(new String(req, StandardCharsets.ISO_8859_1))
                                + "\n  reactor   [" + x.end + "] " + show(x.bytes) + "\n  coroutine [" + y.end + "] " + show(y.bytes));
                    }
                }
            }
        }
        diffs.forEach(System.out::println);
        assertEquals(0, diffs.size(), diffs.size() + " differences, first: " + (diffs.isEmpty() ? "" : diffs.get(0)));
    }

    static Outcome call(int port, byte[] req, boolean half) {
        try {
            return exchange(port, req, half);
        } catch (Exception e) {
            return new Outcome("", e.toString());
        }
    }

    static String show(String s) {
        String v = s.replace("\r", "\\r").replace("\n", "\\n");
        return v.length() > 400 ? v.substring(0, 400) + "...(" + v.length() + ")" : v;
    }
}
