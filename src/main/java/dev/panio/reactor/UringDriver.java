package dev.panio.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.uring.Availability;
import dev.panio.uring.BufferRing;
import dev.panio.uring.Capability;
import dev.panio.uring.CompletionHandler;
import dev.panio.uring.IoUring;
import dev.panio.uring.IoUringOptions;
import dev.panio.uring.Opcode;
import dev.panio.uring.Sqe;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The completion model: nothing waits for readiness. Listeners run a multishot ACCEPT,
 * connections a multishot RECV into the loop's provided-buffer ring (an idle connection
 * holds no buffer), writes are SENDs of queued chunks kept alive until their completion,
 * and the loop's wait is {@code io_uring_enter} with the nearest timer as its timeout.
 * Cross-thread wakeups arrive as a multishot POLL on an eventfd.
 *
 * <p>User data is {@code token << 8 | kind}: the slot token finds the owner, the kind the
 * operation, and a stale token (owner gone) drops the completion.
 */
final class UringDriver extends Driver implements CompletionHandler {
    static final int ACCEPT = 1, RECV = 2, SEND = 3, CONNECT = 4, WAKEUP = 5, IGNORE = 6, SPLICE_IN = 7, SPLICE_OUT = 8;
    private static final int BUFFER_GROUP = 1;

    IoUring ring;
    BufferRing buffers;
    private EventFd wakeupFd;
    private FdReserve reserve;
    final ChunkPool chunks = new ChunkPool();
    final Slots<Object> owners = new Slots<>();
    private final List<UringListener> listeners = new ArrayList<>();
    long turn;
    final java.util.ArrayDeque<UringConnection> deferred = new java.util.ArrayDeque<>();

    UringDriver(EventLoop loop) {
        super(loop);
    }

    /** The operations this driver submits. */
    private static final java.util.Set<Opcode> OPS = java.util.EnumSet.of(Opcode.ACCEPT, Opcode.RECV, Opcode.SEND,
            Opcode.CONNECT, Opcode.POLL_ADD, Opcode.ASYNC_CANCEL, Opcode.SPLICE);

    /**
     * Why this driver cannot run on a kernel with {@code a}, or null if it can: it needs the
     * operations it submits, provided buffer rings and multishot accept and receive.
     */
    static String cannotRun(Availability a) {
        if (!a.available()) return a.reason();
        for (Capability c : new Capability[] {Capability.PBUF_RING, Capability.ACCEPT_MULTISHOT, Capability.RECV_MULTISHOT}) {
            if (!a.has(c)) return "io_uring without " + c + ": " + a.whyNot(c);
        }
        for (Opcode op : OPS) {
            if (!a.ops().contains(op)) return "io_uring without " + op + " (needs Linux " + op.since() + ")";
        }
        return null;
    }

    static long userData(long token, int kind) {
        return token << 8 | kind;
    }

    @Override
    void start() throws IOException {
        ring = IoUring.open(IoUringOptions.entries(512).withCqEntries(8192)
                .forSingleThread());
        try {
            buffers = new BufferRing(ring, BUFFER_GROUP, loop.options.uringBuffers(), Math.min(loop.options.readBufferBytes(), 16 * 1024));
            wakeupFd = EventFd.open();
            reserve = new FdReserve();
        } catch (IOException e) {
            ring.close();
            throw e;
        }
        armWakeup();
    }

    private void armWakeup() {
        sqe().pollAdd(wakeupFd.fd().intValue(), Poll.POLLIN, true).userData(WAKEUP);
    }

    /** A free SQE, submitting what is queued first if the ring is full. */
    Sqe sqe() {
        Sqe s = ring.sqe();
        while (s == null) {
            try {
                ring.submit();
                if ((s = ring.sqe()) == null) ring.forEachCompletion(this);
            } catch (ErrnoException e) {
                throw new IllegalStateException(e);
            }
            s = ring.sqe();
        }
        return s;
    }

    @Override
    boolean hasPendingWork() {
        return !deferred.isEmpty();
    }

    @Override
    void poll(long timeoutNanos) throws IOException {
        turn++;
        // Data held back last turn goes first, each connection within its budget again.
        for (int n = deferred.size(); n > 0; n--) {
            UringConnection c = deferred.pollFirst();
            if (c.deliverHeld()) deferred.addLast(c);
        }
        ring.submitAndWait(timeoutNanos == 0 || !deferred.isEmpty() ? 0 : 1, deferred.isEmpty() ? timeoutNanos : 0);
        ring.forEachCompletion(this);
        // what the handlers queued is submitted by the next wait, after the timers have run
    }

    @Override
    public void complete(long userData, int res, int flags) {
        int kind = (int) (userData & 0xff);
        long token = userData >>> 8;
        switch (kind) {
            case WAKEUP -> {
                try {
                    wakeupFd.drain();
                } catch (ErrnoException ignored) {
                    // closing
                }
                if ((flags & IoUring.CQE_F_MORE) == 0 && wakeupFd.fd().isOpen()) armWakeup();
            }
            case ACCEPT -> {
                Object o = owners.get(token);
                if (o instanceof UringListener l) l.accepted(res, flags);
                else if (res >= 0) closeRaw(res); // the listener is gone: do not leak its last accept
            }
            case RECV, SEND, CONNECT, SPLICE_IN, SPLICE_OUT -> {
                Object o = owners.get(token);
                if (o instanceof UringConnection c) c.completed(kind, res, flags);
                else if (kind == RECV && (flags & IoUring.CQE_F_BUFFER) != 0) buffers.recycle(IoUring.bufferId(flags));
            }
            default -> { } // cancellations
        }
    }

    @Override
    void wakeup() {
        try {
            wakeupFd.signal(1);
        } catch (ErrnoException e) {
            // closing
        }
    }

    // ---- accepting --------------------------------------------------------------------------

    /** A listening socket with its multishot accept. */
    final class UringListener {
        final Socket socket;
        final Supplier<ConnectionHandler> handlers;
        final long token;
        boolean open = true;

        UringListener(Socket socket, Supplier<ConnectionHandler> handlers) {
            this.socket = socket;
            this.handlers = handlers;
            this.token = owners.add(this);
        }

        void arm() {
            sqe().accept(socket.fd().intValue(), true).userData(userData(token, ACCEPT));
        }

        void accepted(int res, int flags) {
            if (res >= 0) {
                if (!open) {
                    closeRaw(res);
                } else {
                    loop.accepted++;
                    UringConnection c = new UringConnection(UringDriver.this,
                            Socket.adopt(FileDescriptor.adopt(res), socket.family()), handlers.get());
                    connectionOpened();
                    c.start();
                }
            } else {
                loop.acceptErrors++; // not logged: a log line may itself need the fd that is missing
            }
            boolean outOfFds = res == -Errno.EMFILE.code() || res == -Errno.ENFILE.code();
            if (outOfFds && open) reserve.shedOne(socket);
            if ((flags & IoUring.CQE_F_MORE) == 0 && open) {
                // The multishot ended (error, CQ overflow): re-arm, after a pause if out of fds.
                if (outOfFds) {
                    loop.scheduleOnLoop(() -> { if (open) arm(); }, 10_000_000L);
                } else {
                    arm();
                }
            }
        }

        void close() {
            if (!open) return;
            open = false;
            sqe().cancel(userData(token, ACCEPT)).userData(IGNORE);
            PollingDriver.closeQuietly(socket.fd());
        }
    }

    @Override
    void listen(Socket listener, Supplier<ConnectionHandler> handlers) {
        UringListener l = new UringListener(listener, handlers);
        listeners.add(l);
        l.arm();
    }

    @Override
    void unlisten(Socket listener) {
        for (UringListener l : listeners) {
            if (l.socket == listener) {
                l.close();
                listeners.remove(l);
                return;
            }
        }
    }

    void closeRaw(int fd) {
        PollingDriver.closeQuietly(FileDescriptor.adopt(fd));
    }

    // ---- outbound ---------------------------------------------------------------------------

    @Override
    void connect(InetSocketAddress address, ConnectionHandler handler, long timeoutMillis, CompletableFuture<Connection> result) {
        try {
            Socket s = Socket.tcp(Socket.Family.of(address));
            UringConnection c = new UringConnection(this, s, handler);
            connectionOpened();
            c.connect(address, timeoutMillis, result);
        } catch (ErrnoException | RuntimeException e) {
            result.completeExceptionally(e);
        }
    }


    @Override
    void closeAllGracefully() {
        for (UringListener l : listeners) l.close();
        listeners.clear();
        for (Object o : owners.snapshot()) if (o instanceof UringConnection c && c.isOpen()) c.close();
    }

    @Override
    void abortAll() {
        for (UringListener l : listeners) l.close();
        listeners.clear();
        for (Object o : owners.snapshot()) if (o instanceof UringConnection c && c.isOpen()) c.abort();
    }

    @Override
    void close() {
        try {
            // Collect what is still in flight (cancellations, a last accept) so that no
            // accepted fd is left in an unreaped completion.
            ring.submit();
            for (int i = 0; i < 10 && ring.submitAndWait(1, 5_000_000L) > 0; i++) ring.forEachCompletion(this);
        } catch (ErrnoException ignored) {
            // closing anyway
        }
        PollingDriver.closeQuietly(wakeupFd.fd());
        if (reserve != null) reserve.close();
        try {
            buffers.close();
        } catch (ErrnoException ignored) {
            // the ring's close releases it too
        }
        ring.close();
        chunks.close();
    }
}
