package dev.panio.reactor;

import dev.panio.net.UnixAddress;
import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Loop;
import dev.panio.internal.reactor.LoopDatagramChannel;
import dev.panio.internal.reactor.Ports;
import dev.panio.internal.reactor.completion.UringDriver;
import dev.panio.internal.reactor.readiness.PollingDriver;
import dev.panio.internal.reactor.threads.ThreadDriver;
import dev.panio.io.ResourceLimits;
import dev.panio.net.Socket;
import dev.panio.uring.IoUring;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
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
     *
     * @param backend the I/O model
     * @param options the tunables; {@code options.loops()} threads are started now
     * @return the running group
     * @throws dev.panio.uring.IoUringUnavailableException for {@link Backend#IO_URING} where the
     *         kernel gives no ring
     * @throws UnsupportedOperationException for {@link Backend#IO_URING} where a ring can be had
     *         but lacks what the backend needs (the message says what)
     * @throws IOException if raising the fd limit or starting a loop fails; loops already
     *         started are stopped
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

    /**
     * The backend in use (AUTO resolved).
     *
     * @return the backend; never {@link Backend#AUTO}
     */
    public Backend backend() {
        return backend;
    }

    /**
     * How the backend was chosen and, for io_uring, what the loops use on this kernel, e.g.
     * {@code epoll (auto: io_uring is not permitted ...)} or
     * {@code io_uring [multishot recv from a buffer ring, multishot accept, DEFER_TASKRUN, EXT_ARG waits]}.
     *
     * @return the description, for logs and status pages
     */
    public String backendDescription() {
        return backendNote;
    }

    /**
     * The loops.
     *
     * @return the loops in index order, an unmodifiable copy
     */
    public List<EventLoop> loops() {
        return List.copyOf(loops);
    }

    /**
     * The next loop, round-robin.
     *
     * @return a loop; the same counter spreads {@link #connect} and datagram channels
     */
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
     * @param address  an {@link InetSocketAddress} (TCP; port 0 picks a free one) or a
     *                 {@link UnixAddress} (Unix stream; the path must not exist)
     * @param handlers called once per accepted connection, on the thread that accepted it, for
     *                 its handler (a supplier that throws or returns null closes that connection)
     * @return the listener, to learn the bound address and to stop accepting
     * @throws dev.panio.io.ErrnoException {@code bind(127.0.0.1:8080): EADDRINUSE} and the like
     * @throws IOException if a loop does not take the listener within 10 s
     * @throws IllegalArgumentException for an address of another kind
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Listener listen(SocketAddress address, Supplier<ConnectionHandler> handlers) throws IOException {
        return listen(address, handlers, SocketOptionSet.none(), SocketOptionSet.none(), false, Socket.Type.STREAM);
    }

    /**
     * {@link #listen(SocketAddress, Supplier)} with socket options: {@code listenerOptions}
     * are set on each listening socket before it binds (e.g. {@code TCP_FASTOPEN},
     * {@code TCP_DEFER_ACCEPT}, {@code SO_RCVBUF} for the window scale of every connection),
     * {@code connectionOptions} on each accepted socket before its handler hears
     * {@code onOpen}. The address is an {@link InetSocketAddress} (TCP) or a
     * {@link UnixAddress} (Unix stream).
     *
     * @param address           the address, as for {@link #listen(SocketAddress, Supplier)}
     * @param handlers called once per accepted connection, on the thread that accepted it, for
     *                 its handler (a supplier that throws or returns null closes that connection)
     * @param listenerOptions   options for each listening socket
     * @param connectionOptions options for each accepted socket
     * @return the listener
     * @throws UnsupportedOperationException if an option does not apply to the socket's
     *         family (checked here, on a socket of that family, before anything is bound)
     * @throws IllegalArgumentException if an option's value is out of range
     * @throws IOException as {@link #listen(SocketAddress, Supplier)}, or the kernel's
     *         refusal of a listener option
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Listener listen(SocketAddress address, Supplier<ConnectionHandler> handlers, SocketOptionSet listenerOptions,
            SocketOptionSet connectionOptions) throws IOException {
        return listen(address, handlers, listenerOptions, connectionOptions, false, Socket.Type.STREAM);
    }

    /**
     * Accepts Unix seqpacket connections on {@code address}, as {@link #listen} does Unix
     * stream ones: each {@link Connection#write} is one message and each
     * {@link ConnectionHandler#onData} one message received (see {@link Connection} for
     * messages longer than the read buffer and empty ones).
     *
     * @param address           the socket's path or abstract name
     * @param handlers called once per accepted connection, on the thread that accepted it, for
     *                 its handler (a supplier that throws or returns null closes that connection)
     * @param listenerOptions   options for each listening socket
     * @param connectionOptions options for each accepted socket
     * @return the listener
     * @throws IOException as {@link #listen(SocketAddress, Supplier, SocketOptionSet, SocketOptionSet)}
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Listener listenSeqpacket(UnixAddress address, Supplier<ConnectionHandler> handlers,
            SocketOptionSet listenerOptions, SocketOptionSet connectionOptions) throws IOException {
        return listen(address, handlers, listenerOptions, connectionOptions, false, Socket.Type.SEQPACKET);
    }

    /**
     * {@link #listen}, but sharing the port with other {@code SO_REUSEPORT} sockets of the
     * same user, in this process or others: the kernel then spreads connections over all of
     * them. For running several server processes on one port, or handing a port over to a new
     * process without refusing connections.
     *
     * @param address  the address; port 0 picks a free one
     * @param handlers called once per accepted connection, on the thread that accepted it, for
     *                 its handler (a supplier that throws or returns null closes that connection)
     * @return the listener
     * @throws IOException as {@link #listen(SocketAddress, Supplier)}; {@code EADDRINUSE} if a
     *         socket without {@code SO_REUSEPORT}, or another user's, holds the port
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Listener listenShared(InetSocketAddress address, Supplier<ConnectionHandler> handlers) throws IOException {
        return listen(address, handlers, SocketOptionSet.none(), SocketOptionSet.none(), true, Socket.Type.STREAM);
    }

    private Listener listen(SocketAddress address, Supplier<ConnectionHandler> handlers, SocketOptionSet listenerOptions,
            SocketOptionSet connectionOptions, boolean share, Socket.Type type) throws IOException {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("listen on " + address + ": the event loop group is shut down");
        java.util.Objects.requireNonNull(handlers, "handlers");
        Socket.Family family = Socket.Family.of(address);
        // A bad option fails here, with the option named, not on every accepted connection.
        try (Socket probe = Socket.open(family, type, true)) {
            connectionOptions.applyTo(probe);
        }
        List<Socket> sockets = new ArrayList<>();
        SocketAddress bound = address;
        int count = backend == Backend.BLOCKING || backend == Backend.VIRTUAL ? 1 : loops.size();
        try {
            if (family == Socket.Family.UNIX) {
                Socket s = Socket.open(family, type, true);
                sockets.add(s);
                listenerOptions.applyTo(s);
                s.bind(address);
                s.listen(4096);
                bound = s.localAddress();
                // Signal-driven I/O keeps its owner thread in the open file, which duplicates
                // share: only one signal loop could hear the listener, so it gets it alone.
                if (backend == Backend.SIGNAL) count = 1;
                for (int i = 1; i < count; i++) {
                    sockets.add(Socket.adopt(s.fd().duplicate(0), family, type));
                }
            } else {
                boolean reusePort = share || count > 1;
                InetSocketAddress inet = (InetSocketAddress) address;
                // A port held by any socket, with or without SO_REUSEPORT, refuses this bind: so
                // unless sharing was asked for, claim it alone first (port 0: pick a free one).
                if (reusePort && !share) bound = Ports.claim(inet);
                for (int i = 0; i < count; i++) {
                    Socket s = Socket.tcp(family);
                    sockets.add(s);
                    s.setReuseAddress(true);
                    if (reusePort) s.setReusePort(true);
                    listenerOptions.applyTo(s);
                    s.bind(bound);
                    s.listen(4096);
                    bound = s.localAddress();
                }
                // Between the claim and the binds another SO_REUSEPORT socket could have slipped
                // into the group: the kernel's list of listeners on the port tells.
                if (reusePort && !share) Ports.checkAlone((InetSocketAddress) bound, count);
            }
        } catch (IOException | RuntimeException e) {
            for (Socket s : sockets) Fds.closeQuietly(s.fd());
            throw e;
        }
        for (int i = 0; i < sockets.size(); i++) {
            Socket s = sockets.get(i);
            Loop loop = loops.get(i);
            CompletableFuture<Void> done = new CompletableFuture<>();
            boolean handed = loop.offer(() -> {
                try {
                    loop.driver.listen(s, handlers, connectionOptions);
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
                for (int j = i; j < sockets.size(); j++) Fds.closeQuietly(sockets.get(j).fd());
                // the loops before this one already listen: take them back (their drivers close
                // the sockets), or the port stays held with no Listener to close it
                if (i > 0) unlisten(new Listener(this, bound, sockets.subList(0, i)));
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

    /**
     * Opens a connection to {@code address} (TCP, or a Unix stream socket) on the next loop;
     * fails after {@code timeoutMillis} (0: the kernel's limit).
     *
     * @param address       an {@link InetSocketAddress} or a {@link UnixAddress}
     * @param handler       the connection's handler; it hears {@code onOpen} once connected
     * @param timeoutMillis the connect's limit, 0 for the kernel's
     * @return completes with the connection once it is open, or exceptionally with the
     *         connect's error ({@link CloseCause#TIMEOUT} in {@code onClose} when it timed out),
     *         or a {@link java.util.concurrent.RejectedExecutionException} once the group is shut down
     * @throws NullPointerException if {@code handler} is null
     * @throws IllegalArgumentException if {@code timeoutMillis} is negative or the address is of
     *         another kind
     */
    public CompletableFuture<Connection> connect(SocketAddress address, ConnectionHandler handler, long timeoutMillis) {
        return connect(address, handler, timeoutMillis, SocketOptionSet.none(), null);
    }

    /**
     * Opens a Unix seqpacket connection to {@code address} (see {@link #listenSeqpacket}),
     * with {@code options} set before it connects and bound first to {@code localAddress} if
     * that is not null; otherwise as {@link #connect(SocketAddress, ConnectionHandler, long)}.
     *
     * @param address       the listener's path or abstract name
     * @param handler       the connection's handler
     * @param timeoutMillis the connect's limit, 0 for the kernel's
     * @param options       options set before the connect
     * @param localAddress  the address to bind first, or null
     * @return as {@link #connect(SocketAddress, ConnectionHandler, long)}
     * @throws NullPointerException if {@code handler} is null
     * @throws IllegalArgumentException if {@code timeoutMillis} is negative
     */
    public CompletableFuture<Connection> connectSeqpacket(UnixAddress address, ConnectionHandler handler,
            long timeoutMillis, SocketOptionSet options, UnixAddress localAddress) {
        return connect(address, handler, timeoutMillis, options, localAddress, Socket.Type.SEQPACKET);
    }

    /**
     * {@link #connect(SocketAddress, ConnectionHandler, long)} with {@code options} set on the
     * socket before it connects, and bound first to {@code localAddress} if that is not null
     * (a source address or port; with {@link dev.panio.net.LinuxSocketOptions#SO_BINDTODEVICE}
     * in {@code options}, a device). A failure to make, set up or bind the socket fails the
     * future before any handler is involved.
     *
     * @param address       an {@link InetSocketAddress} or a {@link UnixAddress}
     * @param handler       the connection's handler
     * @param timeoutMillis the connect's limit, 0 for the kernel's
     * @param options       options set before the connect
     * @param localAddress  the address to bind first, or null
     * @return as {@link #connect(SocketAddress, ConnectionHandler, long)}
     * @throws NullPointerException if {@code handler} is null
     * @throws IllegalArgumentException if {@code timeoutMillis} is negative or the address is of
     *         another kind
     */
    public CompletableFuture<Connection> connect(SocketAddress address, ConnectionHandler handler, long timeoutMillis,
            SocketOptionSet options, SocketAddress localAddress) {
        return connect(address, handler, timeoutMillis, options, localAddress, Socket.Type.STREAM);
    }

    private CompletableFuture<Connection> connect(SocketAddress address, ConnectionHandler handler, long timeoutMillis,
            SocketOptionSet options, SocketAddress localAddress, Socket.Type type) {
        CompletableFuture<Connection> result = new CompletableFuture<>();
        java.util.Objects.requireNonNull(handler, "handler");
        if (timeoutMillis < 0) throw new IllegalArgumentException("connect to " + address + ": negative timeout " + timeoutMillis);
        requireResolved(address); // an unsupported address type fails here too, on the caller's thread
        Loop loop = loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        Driver.Outbound request = new Driver.Outbound(address, type, localAddress, options, timeoutMillis);
        if (shutdown || !loop.offer(() -> loop.driver.connect(request, handler, result))) {
            result.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                    "connect to " + address + ": the event loop group is shut down"));
        }
        return result;
    }

    // ---- datagrams --------------------------------------------------------------------------

    /**
     * {@link #bindDatagram(SocketAddress, Supplier, SocketOptionSet, boolean)} with one socket and no options.
     *
     * @param address  an {@link InetSocketAddress} (UDP) or a {@link UnixAddress}
     * @param handlers called once, on the channel's loop, for its handler
     * @return the endpoint with its one channel
     * @throws IOException as {@link #bindDatagram(SocketAddress, Supplier, SocketOptionSet, boolean)}
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public DatagramEndpoint bindDatagram(SocketAddress address, Supplier<DatagramHandler> handlers) throws IOException {
        return bindDatagram(address, handlers, SocketOptionSet.none(), false);
    }

    /**
     * Binds a datagram socket to {@code address} (UDP, or a {@link UnixAddress}
     * for a Unix datagram socket) with {@code options} set before the bind, and serves it on
     * a loop with a handler from {@code handlers}. With {@code socketPerLoop} (IP only) every
     * loop gets its own socket on the same port, joined with {@code SO_REUSEPORT}, and the
     * kernel spreads the senders over them (each sender's datagrams stay on one socket).
     * Each channel receives datagrams of up to 65,535 bytes; a longer Unix datagram is dropped
     * and reported to {@link DatagramHandler#onError}. Memory: on io_uring (6.0 and later) a
     * buffer ring of 32 such buffers (2.1 MiB), kept by the loop after the channel closes for
     * its next channel and freed when the loop ends; elsewhere a batch of 16 (1 MiB), freed
     * with the channel.
     *
     * @param address       an {@link InetSocketAddress} (UDP; port 0 picks a free one) or a {@link UnixAddress}
     * @param handlers      called once per channel, on its loop, for its handler
     * @param options       options set on each socket before the bind
     * @param socketPerLoop one socket per loop on the same port (IP only)
     * @return the endpoint and its channels
     * @throws dev.panio.io.ErrnoException {@code bind(127.0.0.1:53): EADDRINUSE} and the like
     * @throws IOException if a loop does not start its channel within 10 s
     * @throws UnsupportedOperationException if an option does not apply to a datagram socket of this family
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public DatagramEndpoint bindDatagram(SocketAddress address, Supplier<DatagramHandler> handlers, SocketOptionSet options,
            boolean socketPerLoop) throws IOException {
        if (shutdown) throw new java.util.concurrent.RejectedExecutionException("bind " + address + ": the event loop group is shut down");
        java.util.Objects.requireNonNull(handlers, "handlers");
        Socket.Family family = Socket.Family.of(address);
        int count = socketPerLoop && family != Socket.Family.UNIX ? loops.size() : 1;
        List<Socket> sockets = new ArrayList<>();
        SocketAddress bound = address;
        try {
            for (int i = 0; i < count; i++) {
                Socket s = Socket.open(family, Socket.Type.DATAGRAM, true);
                sockets.add(s);
                options.applyTo(s);
                if (count > 1) s.setReusePort(true);
                s.bind(bound);
                bound = s.localAddress();
            }
        } catch (IOException | RuntimeException e) {
            for (Socket s : sockets) Fds.closeQuietly(s.fd());
            throw e;
        }
        List<DatagramChannel> channels = new ArrayList<>();
        int first = Math.floorMod(next.getAndIncrement(), loops.size());
        for (int i = 0; i < count; i++) {
            Loop loop = loops.get((first + i) % loops.size());
            Socket s = sockets.get(i);
            CompletableFuture<DatagramChannel> started = new CompletableFuture<>();
            if (!loop.offer(() -> startDatagram(loop, s, handlers, null, started))) {
                Fds.closeQuietly(s.fd());
                started.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                        "bind " + address + ": the event loop group is shut down"));
            }
            try {
                channels.add(join(started));
            } catch (IOException | RuntimeException e) {
                for (DatagramChannel c : channels) c.close();
                for (int j = i + 1; j < count; j++) Fds.closeQuietly(sockets.get(j).fd());
                throw e;
            }
        }
        return new DatagramEndpoint(bound, channels);
    }

    private static void startDatagram(Loop loop, Socket s, Supplier<DatagramHandler> handlers, SocketAddress remote,
            CompletableFuture<DatagramChannel> started) {
        DatagramHandler h;
        try {
            h = java.util.Objects.requireNonNull(handlers.get(), "the handler supplier returned null");
        } catch (Throwable t) {
            Fds.closeQuietly(s.fd());
            started.completeExceptionally(t);
            return;
        }
        LoopDatagramChannel c = new LoopDatagramChannel(loop, s, h, remote, 65_535);
        try {
            c.start();
            started.complete(c);
        } catch (Throwable t) {
            started.completeExceptionally(t);
        }
    }

    /**
     * The family of a peer's address, refusing on the caller's thread an address of a kind
     * panio does not take or an unresolved one ({@code new InetSocketAddress("no.such.host", 80)}
     * makes one without a word).
     */
    private static Socket.Family requireResolved(SocketAddress address) {
        Socket.Family family = Socket.Family.of(address);
        if (address instanceof InetSocketAddress inet && inet.isUnresolved()) {
            throw new IllegalArgumentException("connect to " + address + ": the address is unresolved (panio does no "
                    + "name lookups: resolve the name first, e.g. with InetAddress.getAllByName)");
        }
        return family;
    }

    /**
     * A datagram channel connected to {@code remote} on the next loop: it sends there with
     * {@link DatagramChannel#send(java.lang.foreign.MemorySegment)} and the kernel drops
     * datagrams from anyone else. It is bound to {@code localAddress} first if that is not
     * null; a Unix channel with none gets an abstract name of the kernel's choosing
     * (autobind), so the peer can answer. {@code options} are set before the bind.
     *
     * @param remote       the peer, an {@link InetSocketAddress} or a {@link UnixAddress}
     * @param handler      the channel's handler
     * @param options      options set before the bind
     * @param localAddress the address to bind first, or null
     * @return completes with the channel once it receives, or exceptionally if the socket
     *         cannot be made, set up, bound or connected, or the group is shut down
     * @throws NullPointerException if {@code handler} is null
     * @throws IllegalArgumentException if {@code remote} is of another kind, or unresolved
     */
    public CompletableFuture<DatagramChannel> connectDatagram(SocketAddress remote, DatagramHandler handler,
            SocketOptionSet options, SocketAddress localAddress) {
        CompletableFuture<DatagramChannel> result = new CompletableFuture<>();
        java.util.Objects.requireNonNull(handler, "handler");
        Socket.Family family = requireResolved(remote);
        if (shutdown) {
            result.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                    "connect to " + remote + ": the event loop group is shut down"));
            return result;
        }
        Socket s = null;
        try {
            s = Socket.open(family, Socket.Type.DATAGRAM, true);
            options.applyTo(s);
            if (localAddress != null) s.bind(localAddress);
            else if (family == Socket.Family.UNIX) s.bind(UnixAddress.unnamed());
            s.connect(remote);
        } catch (IOException | RuntimeException e) {
            if (s != null) Fds.closeQuietly(s.fd());
            result.completeExceptionally(e);
            return result;
        }
        Socket socket = s;
        Loop loop = loops.get(Math.floorMod(next.getAndIncrement(), loops.size()));
        if (!loop.offer(() -> startDatagram(loop, socket, () -> handler, remote, result))) {
            Fds.closeQuietly(socket.fd());
            result.completeExceptionally(new java.util.concurrent.RejectedExecutionException(
                    "connect to " + remote + ": the event loop group is shut down"));
        }
        return result;
    }

    /**
     * Whether {@link #shutdownGracefully} (or {@link #close}) has been called.
     *
     * @return true once a shutdown has begun
     */
    public boolean isShutdown() {
        return shutdown;
    }

    /**
     * Whether every loop has ended.
     *
     * @return true once every loop thread has finished
     */
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
     * @param timeout the longest wait
     * @param unit    its unit
     * @return true if the group terminated within the timeout
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        for (Loop l : loops) {
            if (!l.awaitTermination(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) return false;
        }
        return true;
    }

    /**
     * The sum of every loop's counters.
     *
     * @return the sums, a moment old
     */
    public LoopMetrics metrics() {
        LoopMetrics sum = new LoopMetrics(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
        for (Loop l : loops) sum = sum.plus(l.metrics());
        return sum;
    }

    /**
     * Stops accepting, asks every connection to close once its queued writes are flushed,
     * and waits up to {@code timeoutMillis}; connections still open then are closed at once.
     *
     * Called again (or from two threads at once), it brings the deadline of the shutdown under
     * way closer if its own is earlier, and waits; a later deadline changes nothing. Every
     * call's result says how that one shutdown ended: if the earliest deadline closed
     * connections, all callers get false. Datagram channels close once their queues are sent.
     *
     * @param timeoutMillis how long connections may take to flush and close (0 or negative:
     *        none; {@code Long.MAX_VALUE}: as long as they need)
     * @return true if every connection closed by itself within the deadline; false also if
     *         the calling thread was interrupted while waiting (its interrupt status is set)
     */
    public boolean shutdownGracefully(long timeoutMillis) {
        // every value means what it says: a negative one no time, one past what nanoTime can
        // hold (about 73 years) waits that long, not wrapped around into a hard close at once
        long nanos = timeoutMillis <= 0 ? 0 : timeoutMillis >= Long.MAX_VALUE / 4_000_000L ? Long.MAX_VALUE / 4 : timeoutMillis * 1_000_000L;
        long deadline = System.nanoTime() + nanos;
        // Called again (or racing another call): the loops take the earlier deadline, and
        // every caller waits as it asked and reports how the loops ended, whoever began it.
        shutdown = true;
        for (Loop l : loops) l.offer(() -> l.beginShutdown(deadline));
        boolean clean = true;
        for (Loop l : loops) {
            try {
                long left = Math.max(0, deadline - System.nanoTime()) + 2_000_000_000L;
                if (!l.awaitTermination(left, TimeUnit.NANOSECONDS) || !l.endedByItself()) clean = false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return clean;
    }

    /** {@link #shutdownGracefully} with a 5-second deadline. */
    @Override
    public void close() {
        shutdownGracefully(5000);
    }

    private static <T> T join(CompletableFuture<T> f) throws IOException {
        try {
            return f.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) throw io;
            if (e.getCause() instanceof RuntimeException re) throw re;
            throw new IOException(e.getCause());
        } catch (Exception e) {
            throw new IOException("event loop did not answer", e);
        }
    }
}
