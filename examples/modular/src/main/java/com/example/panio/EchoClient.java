package com.example.panio;

import dev.panio.reactor.Backend;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.ReactorOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A client on panio's reactor: connects to an echo server, sends {@code count} lines and
 * waits until every byte has come back, then closes.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.EchoClient 127.0.0.1 7000 1000</pre>
 */
public final class EchoClient {
    private EchoClient() {}

    /** Sends {@code count} lines to the echo server at {@code server}; returns the bytes that came back. */
    public static long run(EventLoopGroup group, InetSocketAddress server, int count) throws Exception {
        byte[] lines = lines(count);
        CompletableFuture<Long> done = new CompletableFuture<>();
        ConnectionHandler handler = new ConnectionHandler() {
            long received;

            @Override
            public void onOpen(Connection c) {
                // write copies the bytes (into the socket or the connection's queue): the
                // confined arena can be closed as soon as write returns
                try (Arena arena = Arena.ofConfined()) {
                    MemorySegment out = arena.allocate(lines.length);
                    out.copyFrom(MemorySegment.ofArray(lines));
                    c.write(out);
                }
            }

            @Override
            public void onData(Connection c, MemorySegment data) {
                received += data.byteSize(); // data is valid only during this call: copy what you keep
                if (received >= lines.length) c.close(); // more than was sent is an error, reported by onClose
            }

            @Override
            public void onClose(Connection c, CloseCause cause, IOException error) {
                if (received == lines.length) done.complete(received);
                else done.completeExceptionally(new IOException("closed (" + cause + ") after " + received + " of "
                        + lines.length + " bytes", error));
            }
        };
        Connection c = group.connect(server, handler, 5_000).get(10, TimeUnit.SECONDS);
        try {
            return done.get(30, TimeUnit.SECONDS);
        } finally {
            c.abort(); // a server that never answers (or answers more) must not keep the connection: no-op once closed
        }
    }

    static byte[] lines(int count) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < count; i++) sb.append("line ").append(i).append('\n');
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    public static void main(String[] args) throws Exception {
        InetSocketAddress server = new InetSocketAddress(args.length > 0 ? args[0] : "127.0.0.1",
                args.length > 1 ? Integer.parseInt(args[1]) : 7000);
        int count = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
        try (EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults().withLoops(1))) {
            System.out.println(run(group, server, count) + " bytes echoed by " + server);
        }
    }
}
