package com.example.panio;

import dev.panio.reactor.Backend;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A TCP echo server on panio's reactor: every byte a client sends comes back.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.EchoServer 7000</pre>
 *
 * It serves until the JVM is asked to stop (Ctrl-C, SIGTERM): a shutdown hook closes the
 * group, which lets each connection flush what it has queued, and {@code main} returns.
 */
public final class EchoServer {
    private EchoServer() {}

    /** What each connection runs: write back what arrives; stop reading while the peer is slow to take it. */
    static final class Echo implements ConnectionHandler {
        @Override
        public void onData(Connection c, MemorySegment data) {
            // write copies what the socket does not take at once; false means the queue is past
            // its high watermark: stop reading until onWritable says it drained
            if (!c.write(data)) c.suspendReading();
        }

        @Override
        public void onWritable(Connection c) {
            c.resumeReading();
        }
    }

    /** Listens on {@code address} (port 0: any free port; ask the listener which). */
    public static Listener listen(EventLoopGroup group, InetSocketAddress address) throws IOException {
        return group.listen(address, Echo::new);
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7000;
        EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults());
        // the loop threads are daemons: main keeps the JVM alive by waiting for the group's end
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully(2_000)));
        Listener listener = listen(group, new InetSocketAddress("127.0.0.1", port));
        System.out.println("echo on " + listener.localAddress() + " with " + group.backendDescription());
        group.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
    }
}
