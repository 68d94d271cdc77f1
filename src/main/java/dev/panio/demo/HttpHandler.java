package dev.panio.demo;

import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.LoopMetrics;
import dev.panio.reactor.Timer;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * The demo server's HTTP/1.1 connection: requests parsed as bytes arrive, answered in
 * order (pipelining), keep-alive by default, and a close after any malformed request with
 * the status it deserves. A request whose header section is not complete within
 * {@link #HEADER_TIMEOUT_MS} is answered 408 and closed (slowloris).
 */
final class HttpHandler implements ConnectionHandler {
    static final long HEADER_TIMEOUT_MS = 10_000;
    private static final byte[] HELLO = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static volatile String date = httpDate();
    private static volatile long dateSecond;

    private final EventLoopGroup group;
    private final HttpParser parser = new HttpParser();
    private byte[] buf = new byte[4096];
    private int len;
    private boolean closing;
    private Timer headerTimer;

    HttpHandler(EventLoopGroup group) {
        this.group = group;
    }

    @Override
    public void onData(Connection c, MemorySegment data) {
        if (closing) return;
        int n = (int) data.byteSize();
        if (len + n > buf.length) {
            if (len + n > HttpParser.MAX_HEADER_BYTES + HttpParser.MAX_BODY_BYTES + 4096) {
                fail(c, 413);
                return;
            }
            buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
        }
        MemorySegment.copy(data, ValueLayout.JAVA_BYTE, 0, buf, len, n);
        len += n;
        process(c);
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReading();
        process(c);
    }

    private void process(Connection c) {
        while (!closing && len > 0) {
            int r = parser.parse(buf, len);
            if (r == HttpParser.NEED_MORE) {
                if (headerTimer == null) headerTimer = c.loop().schedule(() -> fail(c, 408), HEADER_TIMEOUT_MS, TimeUnit.MILLISECONDS);
                return;
            }
            if (headerTimer != null) {
                headerTimer.cancel();
                headerTimer = null;
            }
            if (r == HttpParser.ERROR) {
                fail(c, parser.status);
                return;
            }
            int used = parser.consumed();
            System.arraycopy(buf, used, buf, 0, len - used);
            len -= used;
            boolean more = respond(c);
            if (!parser.keepAlive) {
                closing = true;
                c.close();
                return;
            }
            if (!more) {
                c.suspendReading(); // backpressure: resume in onWritable
                return;
            }
        }
    }

    private boolean respond(Connection c) {
        String m = parser.method;
        boolean head = m.equals("HEAD");
        String path = parser.target;
        int q = path.indexOf('?');
        if (q >= 0) path = path.substring(0, q);
        if (!m.equals("GET") && !head && !m.equals("POST")) {
            boolean known = switch (m) {
                case "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT" -> true;
                default -> false;
            };
            return send(c, known ? 405 : 501, "text/plain", ("method " + m + " not supported\n").getBytes(), head, "Allow: GET, HEAD, POST\r\n");
        }
        switch (path) {
            case "/", "/plaintext" -> {
                return m.equals("POST") ? send(c, 405, "text/plain", "use GET\n".getBytes(), false, "Allow: GET, HEAD\r\n")
                        : send(c, 200, "text/plain", HELLO, head, "");
            }
            case "/echo" -> {
                return m.equals("POST") ? send(c, 200, "application/octet-stream", parser.body, false, "")
                        : send(c, 405, "text/plain", "use POST\n".getBytes(), head, "Allow: POST\r\n");
            }
            case "/stats" -> {
                return send(c, 200, "application/json", stats().getBytes(StandardCharsets.UTF_8), head, "Cache-Control: no-store\r\n");
            }
            case "/status" -> {
                return send(c, 200, "text/html; charset=utf-8", StatusPage.html(group).getBytes(StandardCharsets.UTF_8), head, "");
            }
            default -> {
                return send(c, 404, "text/plain", "not found\n".getBytes(), head, "");
            }
        }
    }

    private String stats() {
        StringBuilder sb = new StringBuilder("{\"backend\":\"").append(group.backendDescription()).append("\",\"loops\":[");
        for (int i = 0; i < group.loops().size(); i++) {
            LoopMetrics m = group.loops().get(i).metrics();
            if (i > 0) sb.append(',');
            sb.append("{\"open\":").append(m.open()).append(",\"accepted\":").append(m.accepted())
              .append(",\"acceptErrors\":").append(m.acceptErrors()).append(",\"bytesRead\":").append(m.bytesRead())
              .append(",\"bytesWritten\":").append(m.bytesWritten()).append(",\"reads\":").append(m.reads())
              .append(",\"writes\":").append(m.writes()).append(",\"wakeups\":").append(m.wakeups()).append('}');
        }
        return sb.append("]}").toString();
    }

    private void fail(Connection c, int status) {
        if (closing) return;
        closing = true;
        send(c, status, "text/plain", (reason(status) + "\n").getBytes(), false, "Connection: close\r\n");
        c.close();
    }

    private boolean send(Connection c, int status, String type, byte[] body, boolean head, String extra) {
        String h = "HTTP/1.1 " + status + " " + reason(status) + "\r\nServer: panio\r\nDate: " + currentDate()
                + "\r\nContent-Type: " + type + "\r\nContent-Length: " + body.length + "\r\n" + extra
                + (parser.keepAlive || closing ? "" : "Connection: close\r\n") + "\r\n";
        byte[] hb = h.getBytes(StandardCharsets.ISO_8859_1);
        if (head || body.length == 0) return c.write(MemorySegment.ofArray(hb));
        byte[] all = Arrays.copyOf(hb, hb.length + body.length);
        System.arraycopy(body, 0, all, hb.length, body.length);
        return c.write(MemorySegment.ofArray(all));
    }

    static String reason(int status) {
        return switch (status) {
            case 200 -> "OK";
            case 400 -> "Bad Request";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 408 -> "Request Timeout";
            case 413 -> "Content Too Large";
            case 431 -> "Request Header Fields Too Large";
            case 501 -> "Not Implemented";
            case 505 -> "HTTP Version Not Supported";
            default -> "Status";
        };
    }

    private static String currentDate() {
        long s = System.currentTimeMillis() / 1000;
        if (s != dateSecond) {
            dateSecond = s;
            date = httpDate();
        }
        return date;
    }

    private static String httpDate() {
        return DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(java.time.ZoneOffset.UTC));
    }

    @Override
    public void onClose(Connection c, CloseCause cause, IOException error) {
        if (headerTimer != null) headerTimer.cancel();
    }
}
