package dev.panio.testkit.proxy;

import dev.panio.net.UnixAddress;
import dev.panio.reactor.Backend;
import dev.panio.reactor.Connection;
import dev.panio.reactor.EventLoop;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import dev.panio.reactor.SocketOptionSet;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP (IPv4 or IPv6) or Unix stream proxy in the test's own process, on panio's reactor,
 * that makes the network misbehave on purpose: point the code under test at
 * {@link #address()} instead of its server, add {@link Fault}s, and assert on what the client
 * saw and on what the proxy recorded of each connection ({@link #connections()}).
 *
 * <pre>{@code
 * try (FaultProxy proxy = FaultProxy.start(server.address())) {
 *     proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofSeconds(2)));
 *     // a client of proxy.address() with a 500 ms timeout now times out
 *     FaultHandle reset = proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(100));
 *     // ... the next response is cut by an RST after 100 bytes
 *     reset.remove();
 *     ProxiedConnection c = proxy.awaitEnded(2, Duration.ofSeconds(10)).get(1);
 *     assertEquals(ProxiedConnection.Ending.RESET_BY_FAULT, c.ending());
 * }
 * }</pre>
 *
 * <p>Each accepted client gets its own connection to the upstream (made after the
 * {@linkplain #acceptDelay accept delay}, if any); the client is not read until that
 * connection is made. Faults act per direction, in the order added, on the connections their
 * toxicity picks: the pick is drawn from the {@linkplain #seed() seed}, the fault's id and the
 * connection's id, so the same seed and the same order of events hit the same connections
 * and draw the same jitter. Bytes are never reordered, and the proxy holds at most about
 * 1 MiB per direction before it stops reading the sender (the sender's window then closes as
 * it would on a slow link). The proxy's sockets have {@code TCP_NODELAY}.
 *
 * <p>Threads: any thread may call any method; the proxy runs on one event loop thread of its
 * own, and a change made by a method holds for live connections when the method returns.
 * Close the proxy at the end: it aborts what is still open and releases every descriptor.
 */
public final class FaultProxy implements AutoCloseable {
    private static final AtomicLong UNIX_NAMES = new AtomicLong();

    private final EventLoopGroup group;
    private final EventLoop loop;
    private final SocketAddress upstream;
    private final SocketAddress address;
    private final long seed;
    private final int receiveBuffer;
    private final long connectTimeoutMillis;
    final long startedAt = System.nanoTime();
    private volatile long acceptDelayNanos;
    private Listener listener; // guarded by this
    private boolean closed;    // guarded by this

    // loop thread
    private final List<FaultHandle> faults = new ArrayList<>();
    private final List<Link> links = new ArrayList<>();                       // every connection, for the records
    private final java.util.Set<Link> live = new java.util.LinkedHashSet<>();  // those not ended, for fault changes
    private long nextConnectionId = 1;
    private int nextFaultId = 1;

    // any thread, under endedLock
    private final Object endedLock = new Object();
    private final List<ProxiedConnection> endedRecords = new ArrayList<>();

    private FaultProxy(Builder b) throws IOException {
        this.upstream = b.upstream;
        this.seed = b.seed;
        this.receiveBuffer = b.receiveBuffer;
        // rounded up: 0 would mean the kernel's own limit, minutes
        this.connectTimeoutMillis = Math.max(1, (b.connectTimeout.toNanos() + 999_999) / 1_000_000);
        this.acceptDelayNanos = b.acceptDelay.toNanos();
        this.group = EventLoopGroup.start(Backend.EPOLL, ReactorOptions.defaults().withLoops(1));
        this.loop = group.loops().get(0);
        try {
            this.listener = listen(b.listenOn != null ? b.listenOn : loopbackFor(upstream));
            this.address = listener.localAddress();
        } catch (IOException | RuntimeException e) {
            group.close();
            throw e;
        }
    }

    /**
     * A proxy to {@code upstream} (an {@link InetSocketAddress} or a {@link UnixAddress}) with the defaults of {@link Builder}.
     *
     * @param upstream the server the proxy connects each client to
     * @return the proxy, listening
     * @throws IllegalArgumentException for an address of another kind, or an unresolved one
     * @throws IOException if its event loop or its listening socket cannot be had
     */
    public static FaultProxy start(SocketAddress upstream) throws IOException {
        return builder(upstream).start();
    }

    /**
     * A proxy to {@code upstream}, to set up before {@link Builder#start()}.
     *
     * @param upstream the server the proxy connects each client to
     * @return a builder with the defaults
     * @throws NullPointerException if {@code upstream} is null
     * @throws IllegalArgumentException for an address of another kind, or an unresolved one
     */
    public static Builder builder(SocketAddress upstream) {
        return new Builder(upstream);
    }

    /** How a {@link FaultProxy} starts. */
    public static final class Builder {
        private final SocketAddress upstream;
        private SocketAddress listenOn;
        private long seed = System.nanoTime();
        private int receiveBuffer;
        private Duration connectTimeout = Duration.ofSeconds(5);
        private Duration acceptDelay = Duration.ZERO;

        private Builder(SocketAddress upstream) {
            Objects.requireNonNull(upstream, "upstream");
            if (!(upstream instanceof InetSocketAddress || upstream instanceof UnixAddress)) {
                throw new IllegalArgumentException("the upstream must be an InetSocketAddress or a UnixAddress: " + upstream);
            }
            if (upstream instanceof InetSocketAddress i && i.isUnresolved()) {
                throw new IllegalArgumentException("the upstream address is unresolved: " + upstream);
            }
            this.upstream = upstream;
        }

        /**
         * Where to listen: by default the loopback address of the upstream's family with a
         * port the kernel picks, or an abstract Unix name for a Unix upstream.
         *
         * @param address an {@link InetSocketAddress} or a {@link UnixAddress}
         * @return this builder
         */
        public Builder listenOn(SocketAddress address) {
            this.listenOn = Objects.requireNonNull(address, "address");
            return this;
        }

        /**
         * The seed of the toxicity draws and jitter (by default the clock's; {@link #seed()} tells it, to repeat a run).
         *
         * @param seed any value
         * @return this builder
         */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /**
         * {@code SO_RCVBUF} for the proxy's sockets on both sides, set before they connect (so
         * the window scale follows); 0, the default, leaves the kernel's, which grows as needed.
         * A small one makes a sender feel a {@link Fault.ZeroWindow} or a {@link Fault.Bandwidth}
         * within kilobytes; one under a few times the MSS (64 KiB on loopback) also slows every
         * transfer to the pace of zero-window probes (silly-window avoidance).
         *
         * @param bytes the {@code SO_RCVBUF} to ask for, 0 for the kernel's
         * @return this builder
         * @throws IllegalArgumentException if {@code bytes} is negative
         */
        public Builder receiveBuffer(int bytes) {
            if (bytes < 0) throw new IllegalArgumentException("receive buffer must not be negative: " + bytes);
            this.receiveBuffer = bytes;
            return this;
        }

        /**
         * How long the proxy tries to connect to the upstream for each client (default 5 s).
         *
         * @param timeout positive, at most {@link Fault#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if {@code timeout} is out of range
         */
        public Builder connectTimeout(Duration timeout) {
            Objects.requireNonNull(timeout, "connect timeout");
            if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Fault.MAX_DURATION) > 0) {
                throw new IllegalArgumentException("connect timeout must be positive and at most " + Fault.MAX_DURATION + ": " + timeout);
            }
            this.connectTimeout = timeout;
            return this;
        }

        /**
         * {@link FaultProxy#acceptDelay} from the start.
         *
         * @param delay 0 to {@link Fault#MAX_DURATION}
         * @return this builder
         * @throws IllegalArgumentException if {@code delay} is out of range
         */
        public Builder acceptDelay(Duration delay) {
            this.acceptDelay = checkDelay(delay);
            return this;
        }

        /**
         * Starts the proxy listening.
         *
         * @return the proxy, on an event loop of its own
         * @throws IOException if its event loop or its listening socket cannot be had
         */
        public FaultProxy start() throws IOException {
            return new FaultProxy(this);
        }
    }

    // ---- what the test sees ----------------------------------------------------------------

    /**
     * The address the code under test connects to.
     *
     * @return the listening address, with the port the kernel picked
     */
    public SocketAddress address() {
        return address;
    }

    /**
     * The port of {@link #address()}.
     *
     * @return the port
     * @throws IllegalStateException for a Unix proxy
     */
    public int port() {
        if (address instanceof InetSocketAddress i) return i.getPort();
        throw new IllegalStateException("a Unix proxy has no port: " + address);
    }

    /**
     * The server the proxy connects each client to.
     *
     * @return the upstream's address
     */
    public SocketAddress upstream() {
        return upstream;
    }

    /**
     * The seed of this proxy's draws: pass it to {@link Builder#seed} to repeat a run.
     *
     * @return the seed
     */
    public long seed() {
        return seed;
    }

    /**
     * Adds {@code fault} on {@code direction} for every connection, live ones included.
     *
     * @param direction which way
     * @param fault     the fault
     * @return the handle, to change or remove it
     * @throws IllegalStateException once the proxy is closed
     */
    public FaultHandle add(Direction direction, Fault fault) {
        return add(direction, fault, 1.0);
    }

    /**
     * Adds {@code fault} on {@code direction}, hitting each connection (live ones included)
     * with probability {@code toxicity}.
     *
     * @param direction which way
     * @param fault     the fault
     * @param toxicity  the probability that a connection is hit, 0 to 1
     * @return the handle, to change or remove it
     * @throws IllegalArgumentException if {@code toxicity} is out of range
     * @throws IllegalStateException once the proxy is closed
     */
    public FaultHandle add(Direction direction, Fault fault, double toxicity) {
        Objects.requireNonNull(direction, "direction");
        Objects.requireNonNull(fault, "fault");
        if (!(toxicity >= 0 && toxicity <= 1)) throw new IllegalArgumentException("toxicity must be 0 to 1: " + toxicity);
        return onLoop(() -> {
            FaultHandle h = new FaultHandle(this, nextFaultId++, direction, fault, toxicity);
            for (Link l : live) if (l.ending == null) apply(h, l);
            faults.add(h);
            return h;
        });
    }

    /**
     * The faults on the proxy, in the order added.
     *
     * @return the handles not removed, an unmodifiable copy
     * @throws IllegalStateException once the proxy is closed
     */
    public List<FaultHandle> faults() {
        return onLoop(() -> List.copyOf(faults));
    }

    /** Removes every fault; what they held goes on, in order. */
    public void clearFaults() {
        if (isClosed()) return;
        for (FaultHandle h : faults()) h.remove();
    }

    /**
     * Refuses connections ({@code true}): the proxy stops listening, so a connect gets
     * {@code ECONNREFUSED} ("Connection refused"); connections already made go on. With
     * {@code false} it listens again on the same address.
     *
     * @param refuse true to stop listening, false to listen again
     * @throws UncheckedIOException if the address cannot be listened on again (another socket took the port)
     * @throws IllegalStateException once the proxy is closed
     */
    public synchronized void refuse(boolean refuse) {
        if (closed) throw new IllegalStateException("the proxy is closed");
        if (refuse && listener != null) {
            listener.close();
            listener = null;
        } else if (!refuse && listener == null) {
            try {
                listener = listen(address);
            } catch (IOException e) {
                throw new UncheckedIOException("listening again on " + address + " failed", e);
            }
        }
    }

    /**
     * Holds each new connection for {@code delay} before connecting it to the upstream and
     * reading it (0: none). The kernel completed the client's handshake already, as it does
     * before any {@code accept(2)}: the client is connected, its bytes wait in the proxy's
     * receive buffer, and nothing answers, as with a server slow to accept.
     *
     * @param delay 0 to {@link Fault#MAX_DURATION}; for connections accepted from now on
     * @throws IllegalArgumentException if {@code delay} is out of range
     */
    public void acceptDelay(Duration delay) {
        acceptDelayNanos = checkDelay(delay).toNanos();
    }

    /**
     * Every connection so far, in the order accepted, as it is now.
     *
     * @return a record per connection
     * @throws IllegalStateException once the proxy is closed
     */
    public List<ProxiedConnection> connections() {
        return onLoop(() -> {
            List<ProxiedConnection> all = new ArrayList<>(links.size());
            for (Link l : links) all.add(l.record());
            return all;
        });
    }

    /**
     * Waits until {@code count} connections have ended and returns the records of the ended
     * ones, in the order they ended.
     *
     * @param count   how many connections must have ended
     * @param timeout the longest wait
     * @return every ended connection's record (possibly more than {@code count})
     * @throws TimeoutException naming what is still open, if fewer have ended in {@code timeout}
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public List<ProxiedConnection> awaitEnded(int count, Duration timeout) throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (endedLock) {
            while (endedRecords.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    String all;
                    try {
                        all = connections().toString();
                    } catch (IllegalStateException closed) {
                        all = "(the proxy is closed)";
                    }
                    throw new TimeoutException(endedRecords.size() + " of " + count + " connections ended within " + timeout
                            + "; the proxy's connections: " + all);
                }
                TimeUnit.NANOSECONDS.timedWait(endedLock, left);
            }
            return List.copyOf(endedRecords);
        }
    }

    /** Aborts every open connection (recorded as {@link ProxiedConnection.Ending#PROXY_CLOSED}), stops listening and releases the loop. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
            if (listener != null) listener.close();
            listener = null;
        }
        try {
            onLoop(() -> {
                for (Link l : new ArrayList<>(live)) l.abort(ProxiedConnection.Ending.PROXY_CLOSED);
                return null;
            });
        } finally {
            group.close();
        }
    }

    @Override
    public String toString() {
        return "FaultProxy " + address + " -> " + upstream + " (seed " + seed + ")";
    }

    // ---- for the links (loop thread) -----------------------------------------------------------

    long acceptDelayNanos() {
        return acceptDelayNanos;
    }

    void opened(Link l) {
        l.id = nextConnectionId++;
        links.add(l);
        live.add(l);
        for (FaultHandle h : faults) apply(h, l);
    }

    private void apply(FaultHandle h, Link l) {
        if (!h.hits(seed, l.id)) return;
        Flow f = h.direction() == Direction.TO_UPSTREAM ? l.toUpstream : l.toClient;
        h.hits.add(l.id);
        l.faults.add(h.describe());
        f.install(Stage.of(h, f, h.random(seed, l.id, 1)));
    }

    CompletableFuture<Connection> connectUpstream(Link l) {
        SocketOptionSet options = receiveBuffer > 0 ? SocketOptionSet.none().with(StandardSocketOptions.SO_RCVBUF, receiveBuffer)
                : SocketOptionSet.none();
        return group.connect(upstream, l.upstreamSide, connectTimeoutMillis, options, null);
    }

    void changed(FaultHandle h) {
        for (Link l : live) {
            Stage s = (h.direction() == Direction.TO_UPSTREAM ? l.toUpstream : l.toClient).stageOf(h);
            if (s != null) s.changed();
        }
    }

    void removed(FaultHandle h) {
        faults.remove(h);
        for (Link l : live) (h.direction() == Direction.TO_UPSTREAM ? l.toUpstream : l.toClient).uninstall(h);
    }

    void ended(Link l) {
        live.remove(l);
        ProxiedConnection r = l.record();
        synchronized (endedLock) {
            endedRecords.add(r);
            endedLock.notifyAll();
        }
    }

    /** Runs {@code task} on the loop thread and returns its result (at once if called there). */
    <T> T onLoop(Callable<T> task) {
        if (loop.inEventLoop()) {
            try {
                return task.call();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        try {
            loop.execute(() -> {
                try {
                    result.complete(task.call());
                } catch (Throwable t) {
                    result.completeExceptionally(t);
                }
            });
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) throw re;
            if (e.getCause() instanceof Error err) throw err;
            throw new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the proxy's loop", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("the proxy's loop did not answer in 30 s", e);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            throw new IllegalStateException("the proxy is closed", e);
        }
    }

    // ---- for the tests in this package --------------------------------------------------------

    dev.panio.reactor.LoopMetrics loopMetrics() {
        return loop.metrics();
    }

    Link linkAt(int index) {
        return onLoop(() -> links.get(index));
    }

    int endedCount() {
        synchronized (endedLock) {
            return endedRecords.size();
        }
    }

    // ---- set-up ---------------------------------------------------------------------------------

    private Listener listen(SocketAddress at) throws IOException {
        SocketOptionSet listenerOptions = receiveBuffer > 0
                ? SocketOptionSet.none().with(StandardSocketOptions.SO_RCVBUF, receiveBuffer) : SocketOptionSet.none();
        return group.listen(at, () -> new Link(this, loop).clientSide, listenerOptions, SocketOptionSet.none());
    }

    private static SocketAddress loopbackFor(SocketAddress upstream) throws IOException {
        if (upstream instanceof UnixAddress) {
            return UnixAddress.abstractName("panio-fault-proxy-" + ProcessHandle.current().pid() + "-" + UNIX_NAMES.incrementAndGet());
        }
        InetAddress up = ((InetSocketAddress) upstream).getAddress();
        InetAddress lo = up instanceof Inet6Address ? InetAddress.getByName("::1") : InetAddress.getByName("127.0.0.1");
        return new InetSocketAddress(lo, 0);
    }

    private static Duration checkDelay(Duration delay) {
        Objects.requireNonNull(delay, "accept delay");
        if (delay.isNegative() || delay.compareTo(Fault.MAX_DURATION) > 0) {
            throw new IllegalArgumentException("accept delay must be 0 to " + Fault.MAX_DURATION + ": " + delay);
        }
        return delay;
    }

    /**
     * Whether {@link #close()} was called.
     *
     * @return true once closed
     */
    public synchronized boolean isClosed() {
        return closed;
    }
}
