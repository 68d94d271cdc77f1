package dev.panio.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
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
 * The readiness model (select, poll, epoll, signal-driven): wait until fds are ready, then
 * make the non-blocking calls. Owns the loop's read buffer (handlers see slices of it),
 * the table of registered handles, and a spare fd for {@code EMFILE}.
 */
final class PollingDriver extends Driver implements Poller.Ready {
    /** Something registered with the poller. */
    interface Handle {
        void ready(int events);
    }

    private final PollerFactory factory;
    Poller poller;
    private EventFd wakeupFd;
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

    PollingDriver(EventLoop loop, PollerFactory factory) {
        super(loop);
        this.factory = factory;
    }

    @Override
    void start() throws IOException {
        arena = Arena.ofShared();
        try {
            readBuffer = arena.allocate(loop.options.readBufferBytes(), 64);
            poller = factory.create();
            wakeupFd = EventFd.open();
            reserve = new FdReserve();
        } catch (IOException | RuntimeException | Error e) {
            if (poller != null) poller.close();
            if (wakeupFd != null) closeQuietly(wakeupFd.fd());
            arena.close();
            throw e;
        }
        register(wakeupFd.fd(), Poller.READ, events -> {
            try {
                wakeupFd.drain();
            } catch (ErrnoException e) {
                throw new IllegalStateException(e);
            }
        });
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

    @Override
    public void ready(long token, int events) {
        Handle h = handles.get(token);
        if (h != null) h.ready(events);
    }

    @Override
    void poll(long timeoutNanos) throws IOException {
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
    boolean hasPendingWork() {
        return !readAgain.isEmpty();
    }

    @Override
    void wakeup() {
        if (poller instanceof SignalPoller sp && sp.signalLoop()) return;
        try {
            wakeupFd.signal(1);
        } catch (ErrnoException e) {
            // closed during shutdown: the loop is ending anyway
        }
    }

    // ---- accepting ----------------------------------------------------------------------

    @Override
    void listen(Socket listener, Supplier<ConnectionHandler> handlers) throws IOException {
        listeners.add(listener);
        long[] token = new long[1];
        token[0] = register(listener.fd(), Poller.READ, events -> acceptSome(listener, handlers, token[0]));
    }

    @Override
    void unlisten(Socket listener) {
        if (!listeners.remove(listener)) return;
        try {
            poller.remove(listener.fd());
            listener.close();
        } catch (ErrnoException e) {
            // already gone
        }
    }

    private void acceptSome(Socket listener, Supplier<ConnectionHandler> handlers, long token) {
        for (int i = 0; i < 64; i++) {
            if (i == 63 && poller.edgeTriggered()) {
                // An edge-triggered listener reports no new edge for connections already
                // pending: after this batch, come back for the rest in this turn's tasks
                // (the other fds have had their turn) instead of leaving them queued.
                loop.offer(() -> {
                    if (listeners.contains(listener)) acceptSome(listener, handlers, token);
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
                closeQuietly(owned);
                Warnings.once(loop, "refusing connections whose fd is over this backend's limit of " + poller.maxFd()
                        + " (counted in acceptErrors)");
                continue;
            }
            loop.accepted++;
            ConnectionHandler h = newHandler(handlers);
            if (h == null) {
                closeQuietly(owned);
                continue;
            }
            PollingConnection c = new PollingConnection(this, Socket.adopt(owned, listener.family()), h);
            if (c.register(Poller.READ)) {
                connectionOpened();
                c.opened();
            }
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
    void connect(InetSocketAddress address, ConnectionHandler handler, long timeoutMillis, CompletableFuture<Connection> result) {
        Socket s = null;
        try {
            s = Socket.tcp(Socket.Family.of(address));
            if (s.fd().intValue() > poller.maxFd()) {
                throw new ErrnoException("connect", "fd over this backend's limit", s.fd().intValue(), Errno.EMFILE);
            }
            PollingConnection c = new PollingConnection(this, s, handler);
            boolean done = s.connect(address);
            if (!c.register(done ? Poller.READ : Poller.WRITE)) {
                result.completeExceptionally(new IOException("could not register the connection"));
                return;
            }
            connectionOpened();
            if (done) {
                c.opened();
                result.complete(c);
            } else {
                c.awaitConnect(result, timeoutMillis);
            }
        } catch (ErrnoException | RuntimeException e) {
            if (s != null) closeQuietly(s.fd());
            result.completeExceptionally(e);
        }
    }


    private void forEachConnection(java.util.function.Consumer<PollingConnection> action) {
        for (Object h : handles.snapshot()) {
            if (h instanceof PollingConnection c && c.isOpen()) action.accept(c);
        }
    }

    @Override
    void closeAllGracefully() {
        for (Socket l : new ArrayList<>(listeners)) unlisten(l);
        forEachConnection(PollingConnection::close);
    }

    @Override
    void abortAll() {
        for (Socket l : new ArrayList<>(listeners)) unlisten(l);
        forEachConnection(PollingConnection::abort);
    }

    @Override
    void close() {
        try {
            poller.close();
        } finally {
            closeQuietly(wakeupFd.fd());
            if (reserve != null) reserve.close();
            chunks.close();
            arena.close();
        }
    }

    static void closeQuietly(FileDescriptor fd) {
        if (fd == null) return;
        try {
            fd.close();
        } catch (ErrnoException ignored) {
            // the fd is released by close(2) even when it reports an error
        }
    }
}
