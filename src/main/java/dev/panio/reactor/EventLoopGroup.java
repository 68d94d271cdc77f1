package dev.panio.reactor;

import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Loop;
import dev.panio.internal.reactor.Ports;
import dev.panio.internal.reactor.completion.UringDriver;
import dev.panio.internal.reactor.readiness.PollingDriver;
import dev.panio.internal.reactor.threads.ThreadDriver;
import dev.panio.io.ResourceLimits;
import dev.panio.net.Socket;
import dev.panio.uring.IoUring;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * N {@link EventLoop}s on one {@link Backend}: the entry point for servers and clients.
 *
 * <pre>{@code
 * try (EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults())) {
 *     Listener l = group.listen(new InetSocketAddress("127.0.0.1", 8080), EchoHandler::new);
 *     ...
 * }
 * }</pre>
 *
 * <p>{@link #listen} binds one socket per loop with {@code SO_REUSEPORT}; {@link #connect}
 * spreads outbound connections round-robin. {@link #shutdownGracefully} stops accepting,
 * lets queued writes flush, and closes what is left at the deadline.
 */
public final class EventLoopGroup implements AutoCloseable {
    private final Backend backend;
    private volatile String backendNote;
    private final ReactorOptions options;
    private final List<Loop> loops = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private volatile boolean shutdown;

    private EventLoopGroup(Backend backend, String note, ReactorOptions options) {
        this.backend = backend;
        this.backendNote = note;
        this.options = options;
    }

    /**
     * Starts {@code options.loops()} loops on {@code backend}. {@link Backend#AUTO} takes
     * io_uring where the kernel allows it and epoll otherwise; {@link Backend#IO_URING}
     * fails with the typed reason when it is unavailable.
     */
    public static EventLoopGroup start(Backend backend, ReactorOptions options) throws IOException {
        String note = backend.cliName();
        if (backend == Backend.AUTO) {
            String missing = UringDriver.cannotRun(IoUring.availability());
            backend = missing == null ? Backend.IO_URING : Backend.EPOLL;
            note = missing == null ? "io_uring (auto: available)" : "epoll (auto: " + missing + ")";
        } else if (backend == Backend.IO_URING) {
            String missing = UringDriver.cannotRun(IoUring.availability());
            if (missing != null) {
                if (!IoUring.availability().available()) IoUring.open(2).close(); // throws with the typed reason
                throw new UnsupportedOperationException("the io_uring backend cannot run here: " + missing);
            }
        }
        if (options.raiseFdLimit()) ResourceLimits.raiseOpenFilesToHard();
        EventLoopGroup g = new EventLoopGroup(backend, note, options);
        try {
            Backend model = backend;
            for (int i = 0; i < options.loops(); i++) {
                Loop loop = new Loop(g, i, backend.cliName(), options, l -> driver(model, l));
                g.loops.add(loop);
                loop.start();
            }
        } catch (IOException | RuntimeException e) {
            // The loop that failed has released what it opened; stop the others, and let
            // nothing that happens while doing so hide the real cause.
            try {
                g.shutdownGracefully(1000);
            } catch (RuntimeException | Error during) {
                e.addSuppressed(during);
            }
            throw e;
        }
        String chosen = g.loops.get(0).driver.describe();
        if (!chosen.isEmpty()) g.backendNote = note + " [" + chosen + "]";
        return g;
    }

    /** The driver of {@code backend}: the one place that maps a backend to the code of its model. */
    private static Driver driver(Backend backend, Loop loop) {
        return switch (backend) {
            case SELECT -> PollingDriver.select(loop);
            case POLL -> PollingDriver.poll(loop);
            case EPOLL -> PollingDriver.epoll(loop, false);
            case EPOLL_ET -> PollingDriver.epoll(loop, true);
            case SIGNAL -> PollingDriver.signal(loop);
            case IO_URING -> new UringDriver(loop);
            case BLOCKING -> new ThreadDriver(loop, false);
            case VIRTUAL -> new ThreadDriver(loop, true);
            case AUTO -> throw new IllegalArgumentException("AUTO is resolved by start()");
        };
    }

    /** The backend in use (AUTO resolved). */
    public Backend backend() {
        return backend;
    }

    /**
     * How the backend was chosen and, for io_uring, what the loops use on this kernel, e.g.
     * {@code epoll (auto: io_uring is not permitted ...)} or
     * {@code io_uring [multishot recv from a buffer ring, multishot accept, DEFER_TASKRUN, EXT_ARG waits]}.
     */
    public String backendDescription() {
        return backendNote;
    }

    /** The loops. */
    public List<EventLoop> loops() {
        return List.copyOf(loops);
    }

    /** The next loop, round-robin. */
    public EventLoop nextLoop() {
        return loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
    }

    /**
     * Accepts connections on {@code address}, each served by a handler from {@code handlers}.
     * On the event-driven backends every loop gets its own socket, joined in one
     * {@code SO_REUSEPORT} group so that the kernel spreads connections over the loops; the
     * thread-per-connection backends use a single acceptor.
     *
     * <p>The port is this group's alone: if any other socket (another process, another group)
     * already listens on it, this fails with {@code EADDRINUSE} naming the address, whatever
     * that socket's options; {@link #listenShared} shares on purpose.
     *
     * @throws ErrnoException {@code bind(127.0.0.1:8080): EADDRINUSE} and the like
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Listener listen(InetSocketAddress address, Supplier<ConnectionHandler> handlers) throws IOException {
        return listen(address, handlers, false);
    }

    /**
     * {@link #listen}, but sharing the port with other {@code SO_REUSEPORT} sockets of the
     * same user, in this process or others: the kernel then spreads connections over all of
     * them. For running several server processes on one port, or handing a port over to a new
     * process without refusing connections.
     */
    public Listener listenShared(InetSocketAddress address, Supplier<ConnectionHandler> handlers) throws IOException {
        return listen(address, handlers, true);
    }

    private Listener listen(InetSocketAddress address, Supplier<ConnectionHandler> handlers, boolean share) throws IOException {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("listen on " + address + ": the event loop group is shut down");
        List<Socket> sockets = new ArrayList<>();
        InetSocketAddress bound = address;
        int count = backend == Backend.BLOCKING || backend == Backend.VIRTUAL ? 1 : loops.size();
        boolean reusePort = share || count > 1;
        try {
            // A port held by any socket, with or without SO_REUSEPORT, refuses this bind: so
            // unless sharing was asked for, claim it alone first (port 0: pick a free one).
            if (reusePort && !share) bound = Ports.claim(address);
            for (int i = 0; i < count; i++) {
                Socket s = Socket.tcp(Socket.Family.of(address));
                sockets.add(s);
                s.setReuseAddress(true);
                if (reusePort) s.setReusePort(true);
                s.bind(bound);
                s.listen(4096);
                bound = (InetSocketAddress) s.localAddress();
            }
            // Between the claim and the binds another SO_REUSEPORT socket could have slipped
            // into the group: the kernel's list of listeners on the port tells.
            if (reusePort && !share) Ports.checkAlone(bound, count);
        } catch (IOException | RuntimeException e) {
            for (Socket s : sockets) Fds.closeQuietly(s.fd());
            throw e;
        }
        for (int i = 0; i < count; i++) {
            Socket s = sockets.get(i);
            Loop loop = loops.get(i);
            CompletableFuture<Void> done = new CompletableFuture<>();
            boolean handed = loop.offer(() -> {
                try {
                    loop.driver.listen(s, handlers);
                    done.complete(null);
                } catch (Throwable t) {
                    done.completeExceptionally(t);
                }
            });
            if (!handed) done.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                    "listen on " + address + ": the event loop group is shut down"));
            try {
                join(done);
            } catch (IOException | RuntimeException e) {
                for (int j = i; j < count; j++) Fds.closeQuietly(sockets.get(j).fd());
                throw e;
            }
        }
        return new Listener(this, bound, sockets);
    }

    void unlisten(Listener l) {
        for (int i = 0; i < l.sockets.size(); i++) {
            Socket s = l.sockets.get(i);
            Loop loop = loops.get(i);
            CompletableFuture<Void> done = new CompletableFuture<>();
            if (!loop.offer(() -> {
                loop.driver.unlisten(s);
                done.complete(null);
            })) {
                continue; // the loop has ended; its driver closed the listener
            }
            try {
                done.get(5, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the loop has stopped; its driver closed the listener
            }
        }
    }

    /** Opens a connection to {@code address} on the next loop; fails after {@code timeoutMillis} (0: the kernel's). */
    public CompletableFuture<Connection> connect(InetSocketAddress address, ConnectionHandler handler, long timeoutMillis) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        Loop loop = loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        if (shutdown || !loop.offer(() -> loop.driver.connect(address, handler, timeoutMillis, result))) {
            result.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                    "connect to " + address + ": the event loop group is shut down"));
        }
        return result;
    }

    /** Whether {@link #shutdownGracefully} (or {@link #close}) has been called. */
    public boolean isShutdown() {
        return shutdown;
    }

    /** Whether every loop has ended. */
    public boolean isTerminated() {
        for (Loop l : loops) {
            if (!l.isTerminated()) return false;
        }
        return true;
    }

    /**
     * Waits until every loop has ended (after a shutdown), for a {@code main} that serves
     * until another thread shuts the group down. The loop threads are daemon threads: they
     * do not keep the JVM alive by themselves.
     *
     * @return true if the group terminated within the timeout
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Loop l : loops) {
            if (!l.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) return false;
        }
        return true;
    }

    /** The sum of every loop's counters. */
    public LoopMetrics metrics() {
        LoopMetrics sum = new LoopMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (Loop l : loops) sum = sum.plus(l.metrics());
        return sum;
    }

    /**
     * Stops accepting, asks every connection to close once its queued writes are flushed,
     * and waits up to {@code timeoutMillis}; connections still open then are closed at once.
     *
     * @return true if every connection closed by itself within the deadline
     */
    public boolean shutdownGracefully(long timeoutMillis) {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        if (shutdown) {
            // Already shutting down (or shut down): wait for the loops as asked, no more.
            try {
                return awaitTermination(Math.max(0, deadline - System.nanoTime()) + 2_000_000_000L, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        shutdown = true;
        boolean clean = true;
        for (Loop l : loops) l.offer(() -> l.beginShutdown(deadline));
        for (Loop l : loops) {
            try {
                long left = Math.max(0, deadline - System.nanoTime()) + 2_000_000_000L;
                if (!l.awaitTermination(left, TimeUnit.NANOSECONDS)) clean = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            if (l.metrics().open() > 0) clean = false;
        }
        return clean && System.nanoTime() - deadline < 0;
    }

    /** {@link #shutdownGracefully} with a 5-second deadline. */
    @Override
    public void close() {
        shutdownGracefully(5000);
    }

    private static void join(CompletableFuture<Void> f) throws IOException {
        try {
            f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            throw new IOException(e.getCause());
        } catch (Exception e) {
            throw new IOException("event loop did not answer", e);
        }
    }
}
