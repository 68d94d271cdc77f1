package dev.panio.demo;

import dev.panio.coroutine.Blocking;
import dev.panio.coroutine.ThreadPerConnection;
import dev.panio.coroutine.UringBlocking;
import dev.panio.net.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * A coroutine echo server: a virtual thread per connection running straight-line
 * blocking code (read, write back, until the end), with {@code epoll} underneath. Each
 * {@link Blocking} call that would block parks its virtual thread on panio's shared
 * readiness poller, so two carrier threads serve any number of connections; no event loop
 * or callback appears in the server's code.
 *
 * <p>Usage: {@code scripts/run-main.sh dev.panio.demo.CoroutineEchoServer [--port 9000] [--host 127.0.0.1] [--io readiness|uring]};
 * {@code --io uring} hands each read and write to io_uring instead ({@link UringBlocking}).
 * {@link #start} runs it inside another program (the tests do).
 */
public final class CoroutineEchoServer implements AutoCloseable {
    /** How long a write waits for a client that stopped reading (the reactor demo's write timeout). */
    static final long WRITE_TIMEOUT_NANOS = 30_000_000_000L;
    private final ThreadPerConnection server;

    private CoroutineEchoServer(Socket listener, boolean uring) {
        this.server = new ThreadPerConnection(listener, "coroutine-echo", uring ? CoroutineEchoServer::echoUring : CoroutineEchoServer::echo);
    }

    /**
     * Listens on {@code address} and serves until {@link #close}.
     *
     * @param address the address to listen on; port 0 picks a free one
     * @return the running server
     * @throws IOException if the listening socket cannot be made ({@code EADDRINUSE}, ...)
     */
    public static CoroutineEchoServer start(InetSocketAddress address) throws IOException {
        return start(address, false);
    }

    /**
     * ... with {@code uring}: each read and write handed to the shared io_uring ring
     * ({@link UringBlocking}: the completion model) instead of tried and waited on for
     * readiness (writes then have no timeout).
     *
     * @param address the address to listen on; port 0 picks a free one
     * @param uring   true for the io_uring calls
     * @return the running server
     * @throws IllegalArgumentException with {@code uring} where io_uring is unavailable
     * @throws IOException if the listening socket cannot be made
     */
    public static CoroutineEchoServer start(InetSocketAddress address, boolean uring) throws IOException {
        if (uring && !UringBlocking.available()) {
            throw new IllegalArgumentException("--io uring: " + dev.panio.uring.IoUring.availability().reason());
        }
        return new CoroutineEchoServer(Socket.listen(address, 4096), uring);
    }

    /** One connection, start to end. */
    private static void echo(Socket s) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            long n;
            while ((n = Blocking.read(s, buf)) > 0) Blocking.write(s, buf.asSlice(0, n), WRITE_TIMEOUT_NANOS);
        }
    }

    /** The same through io_uring: the thread parks until the kernel has received, then sent. */
    private static void echoUring(Socket s) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            long n;
            while ((n = UringBlocking.read(s, buf, -1)) > 0) UringBlocking.write(s, buf.asSlice(0, n));
        }
    }

    /**
     * The port it listens on.
     *
     * @return the bound port
     * @throws IOException if {@code getsockname} fails
     */
    public int port() throws IOException {
        return server.port();
    }

    /**
     * Connections being served now.
     *
     * @return the open connections
     */
    public int connections() {
        return server.connections();
    }

    /** Stops accepting and ends every connection (their threads wake with the close and finish). */
    @Override
    public void close() throws IOException {
        server.close();
    }

    /**
     * Runs the server until SIGINT or SIGTERM.
     *
     * @param args {@code [--port 9000] [--host 127.0.0.1] [--io readiness|uring]}
     * @throws Exception if the server cannot start
     */
    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9000;
        boolean uring = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                case "--io" -> uring = switch (args[++i]) {
                    case "uring" -> true;
                    case "readiness" -> false;
                    default -> throw new IllegalArgumentException("--io is readiness (the default) or uring");
                };
                default -> throw new IllegalArgumentException("usage: CoroutineEchoServer [--port 9000] [--host 127.0.0.1] [--io readiness|uring]");
            }
        }
        dev.panio.io.ResourceLimits.raiseOpenFilesToHard();
        CoroutineEchoServer server = start(new InetSocketAddress(host, port), uring);
        System.out.printf("panio coroutine echo on %s:%d (a virtual thread per connection, %s)%n", host, server.port(),
                uring ? "reads and writes through io_uring" : "parked on epoll readiness");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException ignored) {
                // exiting anyway
            }
        }));
        server.server.awaitClose();
    }
}
