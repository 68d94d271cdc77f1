package dev.panio.demo;

import dev.panio.reactor.Backend;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.Connection;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The demo reactor server: HTTP/1.1 ({@code --mode http}) or echo ({@code --mode echo})
 * on any backend, optionally serving a directory under {@code /files/} ({@code --files}).
 * Prints the backend it really uses and where it listens; SIGINT or SIGTERM shut it down
 * gracefully within five seconds. The {@code virtual} backend runs the coroutine servers
 * ({@link CoroutineHttpServer}, {@link CoroutineEchoServer}): a virtual thread per
 * connection instead of event loops ({@code --loops} does not apply).
 */
public final class DemoServer {
    private DemoServer() {}

    /**
     * Runs the server until SIGINT or SIGTERM; exits with status 2 for a bad option and 1
     * when the server cannot start on a system call's error.
     *
     * @param args the options; {@code --help} lists them
     * @throws Exception for any other failure
     */
    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (IllegalArgumentException e) {
            System.err.println("panio demo server: " + e.getMessage() + " (see --help)");
            System.exit(2);
        } catch (dev.panio.io.ErrnoException e) { // e.g. bind: EADDRINUSE
            System.err.println("panio demo server: " + e.getMessage());
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        String host = "127.0.0.1", mode = "http";
        java.nio.file.Path files = null;
        long maxBody = -1;
        int port = 8080, loops = Runtime.getRuntime().availableProcessors();
        Backend backend = Backend.AUTO;
        boolean reactorVirtual = false;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    System.out.println("""
                        usage: scripts/server.sh [--port 8080] [--host 127.0.0.1] [--backend auto|select|poll|epoll|epoll-et|io_uring|signal|blocking|virtual|virtual-reactor]
                                                 [--loops N (default: cores)] [--mode http|echo|udp|udp-sink] [--files DIR] [--max-body BYTES]
                        HTTP routes: GET / and /plaintext, POST /echo (streams the body back; --max-body limits it, default none),
                                     GET /stats (JSON), GET /status (live page),
                                     GET /files/<path> (files under DIR, sent with sendfile or splice; only with --files)
                        --backend virtual runs http and echo as coroutine servers: a virtual thread per
                                  connection with straight-line blocking code, parked on epoll readiness;
                                  virtual-reactor runs the reactor's virtual backend (handler callbacks) instead
                        echo: TCP echo; udp: UDP echo (each datagram back to its sender, a socket per loop)
                        udp-sink: counts UDP datagrams without answering; one starting with '?' is answered
                                  with the count so far (8 bytes, big-endian), for one-way benchmarks""");
                    return;
                }
                case "--port" -> port = number(args, ++i, a);
                case "--host" -> host = value(args, ++i, a);
                case "--backend" -> {
                    String v = value(args, ++i, a);
                    // the reactor's own virtual backend: HttpHandler callbacks on a thread per connection
                    reactorVirtual = v.equalsIgnoreCase("virtual-reactor");
                    try {
                        backend = reactorVirtual ? Backend.VIRTUAL : Backend.parse(v);
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException(e.getMessage() + " (the demo server also takes virtual-reactor)");
                    }
                }
                case "--loops" -> loops = number(args, ++i, a);
                case "--max-body" -> {
                    try {
                        maxBody = Long.parseLong(value(args, ++i, a));
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("--max-body takes a number of bytes");
                    }
                    if (maxBody < 0) throw new IllegalArgumentException("--max-body must not be negative");
                }
                case "--files" -> {
                    files = java.nio.file.Path.of(value(args, ++i, a));
                    if (!java.nio.file.Files.isDirectory(files)) throw new IllegalArgumentException("--files " + files + " is not a directory");
                }
                case "--mode" -> {
                    mode = value(args, ++i, a);
                    if (!java.util.List.of("http", "echo", "udp", "udp-sink").contains(mode)) {
                        throw new IllegalArgumentException("--mode is http, echo, udp or udp-sink");
                    }
                }
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (backend == Backend.VIRTUAL && !reactorVirtual && !mode.startsWith("udp")) {
            coroutineServe(new InetSocketAddress(host, port), mode, files, maxBody);
            return;
        }
        // A client that stops reading is dropped after 30 s (write timeout), not held forever.
        EventLoopGroup group = EventLoopGroup.start(backend, ReactorOptions.defaults().withLoops(loops).withRaisedFdLimit(true)
                .withWriteTimeout(30_000));
        if (mode.startsWith("udp")) {
            udpServe(group, new InetSocketAddress(host, port), mode.equals("udp-sink"));
            return;
        }
        HttpService service = new HttpService(group, files, maxBody);
        Supplier<ConnectionHandler> handlers = mode.equals("http") ? () -> new HttpHandler(service) : Echo::new;
        Listener l = group.listen(new InetSocketAddress(host, port), handlers);
        System.out.printf("panio %s server on %s:%d, backend %s, %d loop(s)%n", mode, host, l.port(),
                group.backendDescription(), group.loops().size());
        if (mode.equals("http")) System.out.printf("try: curl http://%s:%d/plaintext  or open http://%s:%d/status%n", host, l.port(), host, l.port());
        if (files != null && mode.equals("http")) System.out.printf("serving %s at http://%s:%d/files/%n", files.toAbsolutePath(), host, l.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            boolean clean = group.shutdownGracefully(5000);
            service.close();
            System.out.println(clean ? "stopped" : "stopped (some connections were closed at the deadline)");
        }));
        // The loop threads are daemons: serve until Ctrl-C or SIGTERM shuts the group down.
        while (!group.awaitTermination(1, TimeUnit.DAYS)) {
            // still serving
        }
    }

    /**
     * The {@code virtual} backend of HTTP and echo: the coroutine servers, a virtual thread
     * per connection running straight-line code (the coroutine model). Serves until
     * SIGINT or SIGTERM.
     */
    private static void coroutineServe(InetSocketAddress address, String mode, java.nio.file.Path files, long maxBody) throws Exception {
        dev.panio.io.ResourceLimits.raiseOpenFilesToHard();
        AutoCloseable server;
        int port;
        if (mode.equals("http")) {
            CoroutineHttpServer http = CoroutineHttpServer.start(address, files, maxBody);
            server = http;
            port = http.port();
        } else {
            CoroutineEchoServer echo = CoroutineEchoServer.start(address);
            server = echo;
            port = echo.port();
        }
        String host = address.getHostString();
        System.out.printf("panio %s server on %s:%d, backend virtual (coroutine server: a virtual thread per connection, parked on epoll readiness)%n",
                mode, host, port);
        if (mode.equals("http")) System.out.printf("try: curl http://%s:%d/plaintext  or open http://%s:%d/status%n", host, port, host, port);
        if (files != null && mode.equals("http")) System.out.printf("serving %s at http://%s:%d/files/%n", files.toAbsolutePath(), host, port);
        java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (Exception e) {
                System.out.println("stopping: " + e);
            }
            System.out.println("stopped");
            stopped.countDown();
        }));
        stopped.await(); // serve until Ctrl-C or SIGTERM
    }

    /**
     * Echoes every datagram to its sender, or ({@code sink}) counts it and answers only a
     * query ('?' first) with the count; on a socket per loop, until the group shuts down.
     */
    private static void udpServe(EventLoopGroup group, InetSocketAddress address, boolean sink) throws Exception {
        java.util.concurrent.atomic.LongAdder received = new java.util.concurrent.atomic.LongAdder();
        java.util.function.Supplier<dev.panio.reactor.DatagramHandler> handlers = sink ? () -> {
            java.lang.foreign.MemorySegment answer = java.lang.foreign.Arena.ofAuto().allocate(8);
            return (channel, data, sender) -> {
                if (data.byteSize() > 0 && data.get(java.lang.foreign.ValueLayout.JAVA_BYTE, 0) == '?') {
                    answer.set(java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED.withOrder(java.nio.ByteOrder.BIG_ENDIAN), 0, received.sum());
                    channel.send(answer, sender);
                } else {
                    received.increment();
                }
            };
        } : () -> (channel, data, sender) -> channel.send(data, sender);
        dev.panio.reactor.DatagramEndpoint e = group.bindDatagram(address, handlers,
                dev.panio.reactor.SocketOptionSet.none().with(java.net.StandardSocketOptions.SO_RCVBUF, 4 << 20), true);
        System.out.printf("panio udp %s on %s:%d, backend %s, %d socket(s)%n", sink ? "sink" : "echo", address.getHostString(), e.port(),
                group.backendDescription(), e.channels().size());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            group.shutdownGracefully(5000);
            System.out.println("stopped");
        }));
        while (!group.awaitTermination(1, TimeUnit.DAYS)) {
            // still serving
        }
    }

    private static int number(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number, not " + v);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }

    /** Echo with backpressure. */
    static final class Echo implements ConnectionHandler {
        @Override
        public void onData(Connection c, MemorySegment data) {
            if (!c.write(data)) c.suspendReading();
        }

        @Override
        public void onWritable(Connection c) {
            c.resumeReading();
        }
    }
}
