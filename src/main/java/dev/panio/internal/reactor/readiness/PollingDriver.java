package dev.panio.internal.reactor.readiness;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.internal.reactor.ChunkPool;
import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.EventFdWaker;
import dev.panio.internal.reactor.FdReserve;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Loop;
import dev.panio.internal.reactor.Slots;
import dev.panio.internal.reactor.Waker;
import dev.panio.internal.reactor.Warnings;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The readiness model (select, poll, epoll level- and edge-triggered, signal-driven): wait
 * until fds are ready, then make the non-blocking calls. One {@link Poller} per mechanism;
 * this driver owns the loop's read buffer (handlers see slices of it), the table of
 * registered handles, the wake-up (an eventfd watched like a socket, unless the poller has
 * its own {@link Poller#waker()}), and a spare fd for {@code EMFILE}.
 */
public final class PollingDriver extends Driver implements Poller.Ready {
    /** A driver on {@code select(2)}. */
    public static PollingDriver select(Loop loop) {
        return new PollingDriver(loop, SelectPoller::new);
    }

    /** A driver on {@code poll(2)}. */
    public static PollingDriver poll(Loop loop) {
        return new PollingDriver(loop, PollPoller::new);
    }

    /** A driver on epoll, level-triggered or with {@code EPOLLET}. */
    public static PollingDriver epoll(Loop loop, boolean edgeTriggered) {
        return new PollingDriver(loop, () -> new EpollPoller(edgeTriggered));
    }

    /** A driver on signal-driven I/O (made on the loop thread, where the signals go). */
    public static PollingDriver signal(Loop loop) {
        return new PollingDriver(loop, SignalPoller::new);
    }

    /** Something registered with the poller. */
    interface Handle {
        void ready(int events);
    }

    private final PollerFactory factory;
    Poller poller;
    private EventFdWaker eventFdWaker;
    private Waker waker;
    private FdReserve reserve;
    private Arena arena;
    MemorySegment readBuffer;
    final ChunkPool chunks = new ChunkPool();

    private final Slots<Handle> handles = new Slots<>();
    private final List<Socket> listeners = new ArrayList<>();
    final ArrayDeque<PollingConnection> readAgain = new ArrayDeque<>();

    interface PollerFactory {
        Poller create() throws ErrnoException;
    }

    private PollingDriver(Loop loop, PollerFactory factory) {
        super(loop);
        this.factory = factory;
    }

    @Override
    public void start() throws IOException {
        arena = Arena.ofShared();
        try {
            readBuffer = arena.allocate(loop.options.readBufferBytes(), 64);
            poller = factory.create();
            reserve = new FdReserve();
            waker = poller.waker();
            if (waker == null) {
                EventFdWaker w = eventFdWaker = new EventFdWaker();
                register(w.fd(), Poller.READ, events -> w.drain());
                waker = w;
            }
        } catch (IOException | RuntimeException | Error e) {
            if (eventFdWaker != null) eventFdWaker.close();
            if (reserve != null) reserve.close();
            if (poller != null) poller.close();
            arena.close();
            throw e;
        }
    }

    @Override
    public Waker waker() {
        return waker;
    }

    // ---- handle table ------------------------------------------------------------------

    /** Registers {@code fd} with {@code handle}; returns the token. */
    long register(FileDescriptor fd, int interest, Handle handle) throws ErrnoException {
        long token = handles.add(handle);
        try {
            poller.add(fd, token, interest);
        } catch (ErrnoException e) {
            release(token);
            throw e;
        }
        return token;
    }

    void release(long token) {
        handles.remove(token); // events already collected for the old owner are dropped
    }

    /** Dispatches one ready fd (the poller calls this). */
    @Override
    public void ready(long token, int events) {
        Handle h = handles.get(token);
        if (h != null) h.ready(events);
    }

    @Override
    public void poll(long timeoutNanos) throws IOException {
        poller.poll(timeoutNanos, this);
        // Edge-triggered connections that used up their read budget get another turn now,
        // after everyone else had theirs.
        for (int n = readAgain.size(); n > 0; n--) {
            PollingConnection c = readAgain.pollFirst();
            c.readPending = false;
            if (c.isOpen()) c.readSome();
        }
    }

    @Override
    public boolean hasPendingWork() {
        return !readAgain.isEmpty();
    }

    // ---- watching other fds ---------------------------------------------------------------

    @Override
    public Watch watch(FileDescriptor fd, int interest, java.util.function.IntConsumer ready) throws IOException {
        if (fd.intValue() > poller.maxFd()) {
            throw new ErrnoException("watch", "fd over this backend's limit of " + poller.maxFd(), fd.intValue(), Errno.EMFILE);
        }
        final class PollerWatch implements Watch {
            long token;
            boolean cancelled;
            int interest;
            boolean recheckArmed;

            @Override
            public void interest(int interest) {
                if (cancelled) return;
                this.interest = interest;
                try {
                    poller.modify(fd, token, interest & (Poller.READ | Poller.WRITE));
                } catch (ErrnoException e) {
                    ready.accept(READABLE | WRITABLE); // the callee's own calls meet the error
                }
                // Linux raises no signal when the peer of a Unix datagram socket drains its
                // queue (that wake-up goes only to poll and epoll waiters), so a signal-driven
                // watch for write space also looks again every 10 ms.
                if ((interest & WRITABLE) != 0 && poller instanceof SignalPoller && !recheckArmed) recheck();
            }

            private void recheck() {
                recheckArmed = true;
                loop.scheduleOnLoop(() -> {
                    recheckArmed = false;
                    if (cancelled || (interest & WRITABLE) == 0) return;
                    ready.accept(WRITABLE);
                    if (!cancelled && (interest & WRITABLE) != 0 && !recheckArmed) recheck();
                }, 10_000_000L);
            }

            @Override
            public void cancel() {
                if (cancelled) return;
                cancelled = true;
                release(token);
                try {
                    poller.remove(fd);
                } catch (ErrnoException | RuntimeException e) {
                    // closed already: nothing is left registered
                }
            }
        }
        PollerWatch w = new PollerWatch();
        w.interest = interest;
        // an error or hang-up is reported as both: the callee's next call meets it
        w.token = register(fd, interest & (Poller.READ | Poller.WRITE), events -> {
            if (!w.cancelled) ready.accept((events & Poller.ERROR) != 0 ? READABLE | WRITABLE : events & (READABLE | WRITABLE));
        });
        return w;
    }

    // ---- accepting ----------------------------------------------------------------------

    @Override
    public void listen(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options) throws IOException {
        listeners.add(listener);
        long[] token = new long[1];
        token[0] = register(listener.fd(), Poller.READ, events -> acceptSome(listener, handlers, options, token[0]));
    }

    @Override
    public void unlisten(Socket listener) {
        if (!listeners.remove(listener)) return;
        try {
            poller.remove(listener.fd());
            listener.close();
        } catch (ErrnoException e) {
            // already gone
        }
    }

    private void acceptSome(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options, long token) {
        for (int i = 0; i < 64; i++) {
            if (i == 63 && poller.edgeTriggered()) {
                // An edge-triggered listener reports no new edge for connections already
                // pending: after this batch, come back for the rest in this turn's tasks
                // (the other fds have had their turn) instead of leaving them queued.
                loop.offer(() -> {
                    if (listeners.contains(listener)) acceptSome(listener, handlers, options, token);
                });
            }
            int fd;
            try {
                fd = listener.acceptRaw(true);
            } catch (ErrnoException e) {
                loop.acceptErrors++;
                if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                    // Everything pending is shed at once; only without the reserve back is there
                    // nothing to shed the next arrival with, and watching the listener would spin.
                    if (!reserve.shed(listener)) pauseAccepting(listener, token);
                }
                return;
            }
            if (fd == FileDescriptor.WOULD_BLOCK) return;
            FileDescriptor owned = FileDescriptor.adopt(fd);
            if (fd > poller.maxFd()) {
                // select cannot watch it: refuse this connection cleanly instead of corrupting fd_set
                loop.acceptErrors++;
                Fds.closeQuietly(owned);
                Warnings.once(loop, "refusing connections whose fd is over this backend's limit of " + poller.maxFd()
                        + " (counted in acceptErrors)");
                continue;
            }
            loop.accepted++;
            ConnectionHandler h = newHandler(handlers);
            if (h == null) {
                Fds.closeQuietly(owned);
                continue;
            }
            PollingConnection c = new PollingConnection(this, Socket.adopt(owned, listener.family(), listener.type()), h, options);
            connectionOpened();
            c.start();
        }
    }

    /**
     * Stops watching the listener for 10 ms after running out of fds: a level-triggered
     * poller would otherwise report it ready on every turn while the process has no fd to
     * accept into, and the loop would spin.
     */
    private void pauseAccepting(Socket listener, long token) {
        try {
            poller.modify(listener.fd(), token, 0);
        } catch (ErrnoException e) {
            return;
        }
        loop.scheduleOnLoop(() -> {
            if (!listeners.contains(listener)) return;
            try {
                poller.modify(listener.fd(), token, Poller.READ);
            } catch (ErrnoException ignored) {
                // the listener was closed meanwhile
            }
        }, 10_000_000L);
    }

    // ---- outbound -----------------------------------------------------------------------

    @Override
    public void connect(Outbound request, ConnectionHandler handler, CompletableFuture<Connection> result) {
        Socket s = socketFor(request, result);
        if (s == null) return;
        if (s.fd().intValue() > poller.maxFd()) { // select cannot watch it
            Fds.closeQuietly(s.fd());
            result.completeExceptionally(new ErrnoException("connect", "fd over this backend's limit of " + poller.maxFd(),
                    s.fd().intValue(), Errno.EMFILE));
            return;
        }
        // From here the connection owns the socket: every outcome goes through its lifecycle.
        PollingConnection c = new PollingConnection(this, s, handler, SocketOptionSet.none());
        connectionOpened();
        c.connect(request.address(), request.timeoutMillis(), result);
    }


    private void forEachConnection(java.util.function.Consumer<PollingConnection> action) {
        for (Object h : handles.snapshot()) {
            if (h instanceof PollingConnection c && c.isOpen()) action.accept(c);
        }
    }

    @Override
    public void closeAllGracefully() {
        for (Socket l : new ArrayList<>(listeners)) unlisten(l);
        forEachConnection(PollingConnection::close);
    }

    @Override
    public void abortAll() {
        for (Socket l : new ArrayList<>(listeners)) unlisten(l);
        forEachConnection(PollingConnection::abort);
    }

    @Override
    public void close() {
        try {
            poller.close();
        } finally {
            if (eventFdWaker != null) eventFdWaker.close();
            if (reserve != null) reserve.close();
            chunks.close();
            arena.close();
        }
    }
}
