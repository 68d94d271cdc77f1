package dev.panio.bench.servers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Iterator;

/**
 * The plaintext response from one thread on a plain JDK {@link Selector}, written for the
 * benchmark as a JDK user would write it: direct buffers per connection, a request counted
 * at each blank line ({@code CRLF CRLF}, no header parsing, so it does less work than a
 * real server), pipelined answers gathered into one write, OP_WRITE only while a write is
 * incomplete. Usage: {@code NioPlaintextServer PORT}.
 */
public final class NioPlaintextServer {
    private static final byte[] BODY = "Hello, World!".getBytes(StandardCharsets.US_ASCII);
    private static byte[] response = response();
    private static long responseSecond;

    private static byte[] response() {
        String date = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC));
        return ("HTTP/1.1 200 OK\r\nServer: nio\r\nDate: " + date + "\r\nContent-Type: text/plain\r\nContent-Length: "
                + BODY.length + "\r\n\r\nHello, World!").getBytes(StandardCharsets.US_ASCII);
    }

    /** One connection: its buffers and how much of a CRLF CRLF it has seen. */
    private static final class Conn {
        final ByteBuffer in = ByteBuffer.allocateDirect(16 * 1024);
        final ByteBuffer out = ByteBuffer.allocateDirect(64 * 1024);
        int matched;
    }

    public static void main(String[] args) throws IOException {
        int port = Integer.parseInt(args[0]);
        Selector selector = Selector.open();
        ServerSocketChannel server = ServerSocketChannel.open();
        server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
        server.configureBlocking(false);
        server.register(selector, SelectionKey.OP_ACCEPT);
        System.out.println("nio plaintext server on 127.0.0.1:" + port);
        for (;;) {
            selector.select();
            Iterator<SelectionKey> it = selector.selectedKeys().iterator();
            while (it.hasNext()) {
                SelectionKey k = it.next();
                it.remove();
                try {
                    if (!k.isValid()) continue;
                    if (k.isAcceptable()) accept(server, selector);
                    else if (k.isWritable()) flush(k);
                    else if (k.isReadable()) read(k);
                } catch (IOException e) {
                    close(k);
                }
            }
        }
    }

    private static void accept(ServerSocketChannel server, Selector selector) throws IOException {
        SocketChannel ch;
        while ((ch = server.accept()) != null) {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.register(selector, SelectionKey.OP_READ, new Conn());
        }
    }

    private static void read(SelectionKey k) throws IOException {
        Conn c = (Conn) k.attachment();
        SocketChannel ch = (SocketChannel) k.channel();
        int n = ch.read(c.in);
        if (n < 0) {
            close(k);
            return;
        }
        c.in.flip();
        int requests = 0, m = c.matched;
        for (int i = c.in.position(); i < c.in.limit(); i++) {
            byte b = c.in.get(i);
            m = b == (m % 2 == 0 ? '\r' : '\n') ? m + 1 : b == '\r' ? 1 : 0;
            if (m == 4) {
                requests++;
                m = 0;
            }
        }
        c.matched = m;
        c.in.clear();
        if (requests == 0) return;
        long s = System.currentTimeMillis() / 1000;
        if (s != responseSecond) {
            response = response();
            responseSecond = s;
        }
        for (int i = 0; i < requests; i++) {
            if (c.out.remaining() < response.length) {
                flush(k);
                if (c.out.remaining() < response.length) throw new IOException("peer does not read");
            }
            c.out.put(response);
        }
        flush(k);
    }

    /** Writes what is buffered; keeps OP_WRITE (and stops reading) while some is left. */
    private static void flush(SelectionKey k) throws IOException {
        Conn c = (Conn) k.attachment();
        c.out.flip();
        ((SocketChannel) k.channel()).write(c.out);
        boolean left = c.out.hasRemaining();
        c.out.compact();
        k.interestOps(left ? SelectionKey.OP_WRITE : SelectionKey.OP_READ);
    }

    private static void close(SelectionKey k) {
        k.cancel();
        try {
            k.channel().close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
