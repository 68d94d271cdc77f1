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
import java.lang.foreign.MemorySegment;
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
    static final int ACCEPT = 1, RECV = 2, SEND = 3, CONNECT = 4, WAKEUP = 5, IGNORE = 6, SPLICE_IN = 7, SPLICE_OUT = 8,
            SPLICE_WAIT = 9;
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
     * Why this driver cannot run on a kernel with {@code a}, or null if it can. It needs a
     * ring and the operations it submits (Linux 5.7 has them all); everything newer it uses
     * where the kernel has it and does without otherwise: multishot receive from a provided
     * buffer ring (else single-shot receives into buffers of its own), multishot accept and
     * poll (else single-shot, re-armed), {@code SINGLE_ISSUER}/{@code DEFER_TASKRUN} (else a
     * plain ring), {@code EXT_ARG} (else a TIMEOUT operation bounds each wait).
     */
    static String cannotRun(Availability a) {
        if (!a.available()) return a.reason();
        if (a.ops().isEmpty()) return "io_uring without IORING_REGISTER_PROBE (needs Linux 5.6)";
        for (Opcode op : OPS) {
            if (!a.ops().contains(op)) return "io_uring without " + op + " (needs Linux " + op.since() + ")";
        }
        return null;
    }

    /** Receives go into the driver's own buffers, one single-shot RECV at a time (no buffer ring). */
    boolean ownBuffers;
    private boolean multishotRecv;
    private boolean multishotAccept;
    private boolean multishotPoll;
    private MemorySegment ownPool;
    private int ownBufferSize;
    private int[] ownFree;
    private int ownFreeCount;
    private final java.util.ArrayDeque<UringConnection> waitingForBuffer = new java.util.ArrayDeque<>();
    private boolean reaping;

    /** What this loop's ring could use, for {@code backendDescription()}. */
    @Override
    String describe() {
        return (ownBuffers ? "single-shot recv into own buffers" : multishotRecv ? "multishot recv from a buffer ring"
                : "single-shot recv from a buffer ring")
                + ", " + (multishotAccept ? "multishot" : "single-shot") + " accept"
                + ((ring.setupFlags() & IoUringOptions.SETUP_DEFER_TASKRUN) != 0 ? ", DEFER_TASKRUN" : ", no DEFER_TASKRUN")
                + (ring.has(Capability.EXT_ARG) ? ", EXT_ARG waits" : ", TIMEOUT-bounded waits");
    }

    private static final long GENERATION = 0xFFFF_FFFF_0000_0000L;
    private static final long SLOT = 0xFF_FFFFL;

    /**
     * A completion's user data: the owner's slot token (generation << 32 | slot, see
     * {@link Slots}) and the kind of operation. All 32 bits of the generation are kept, so a
     * slot reused 2^24 times and more still tells a stale completion from a live one; the slot
     * takes 24 bits ({@link Slots#MAX_SLOTS}), the kind 8.
     */
    static long userData(long token, int kind) {
        return (token & GENERATION) | (token & SLOT) << 8 | kind;
    }

    /** The slot token in {@code userData}. */
    static long tokenOf(long userData) {
        return (userData & GENERATION) | (userData >>> 8) & SLOT;
    }

    /** The kind of operation in {@code userData}. */
    static int kindOf(long userData) {
        return (int) (userData & 0xff);
    }

    @Override
    void start() throws IOException {
        ring = IoUring.open(IoUringOptions.entries(512).withCqEntries(8192)
                .forSingleThread());
        try {
            int bufferSize = Math.min(loop.options.readBufferBytes(), 16 * 1024);
            int count = loop.options.uringBuffers();
            if (Integer.bitCount(count) != 1 || count > BufferRing.MAX_COUNT) {
                throw new IllegalArgumentException("io_uring receive buffers must be a power of two up to "
                        + BufferRing.MAX_COUNT + ": " + count + " (ReactorOptions.withUringBuffers)");
            }
            ownBuffers = !ring.has(Capability.PBUF_RING);
            multishotRecv = !ownBuffers && ring.has(Capability.RECV_MULTISHOT);
            multishotAccept = ring.has(Capability.ACCEPT_MULTISHOT);
            multishotPoll = multishotAccept; // POLL_ADD_MULTI is 5.13, older than multishot accept (5.19)
            if (ownBuffers) {
                // Ring-owned memory: the kernel may write into a receive buffer until the RECV
                // completes, and the ring frees this only after its operations are reaped.
                ownPool = ring.allocate((long) count * bufferSize);
                ownBufferSize = bufferSize;
                ownFree = new int[count];
                for (int i = 0; i < count; i++) ownFree[i] = count - 1 - i;
                ownFreeCount = count;
            } else {
                buffers = new BufferRing(ring, BUFFER_GROUP, count, bufferSize);
            }
            wakeupFd = EventFd.open();
            reserve = new FdReserve();
        } catch (IOException | RuntimeException | Error e) {
            if (wakeupFd != null) PollingDriver.closeQuietly(wakeupFd.fd());
            if (reserve != null) reserve.close();
            ring.close(); // and with it the buffer ring and ring-owned memory
            throw e;
        }
        armWakeup();
    }

    private void armWakeup() {
        sqe().pollAdd(wakeupFd.fd().intValue(), Poll.POLLIN, multishotPoll).userData(WAKEUP);
    }

    /**
     * A free SQE, submitting what is queued first if the ring is full. Outside a completion
     * handler it may also reap to make room; inside one it only submits (reaping there would
     * re-enter {@code forEachCompletion}).
     */
    Sqe sqe() {
        Sqe s = ring.sqe();
        while (s == null) {
            try {
                ring.submit();
                s = ring.sqe();
                if (s == null && !reaping) {
                    ring.forEachCompletion(this);
                    s = ring.sqe();
                }
            } catch (ErrnoException e) {
                throw new IllegalStateException(e);
            }
            if (s == null) Thread.onSpinWait();
        }
        return s;
    }

    /** Cancels the operation of {@code kind} that the owner of {@code token} has in flight; its completion says when it is gone. */
    void cancel(long token, int kind) {
        sqe().cancel(userData(token, kind)).userData(IGNORE);
    }

    // ---- receive buffers ----------------------------------------------------------------------

    /** Whether receives are multishot (one RECV keeps producing completions). */
    boolean multishotRecv() {
        return multishotRecv;
    }

    /** Receive buffer {@code id}, whole. */
    MemorySegment recvBuffer(int id) {
        return ownBuffers ? ownPool.asSlice((long) id * ownBufferSize, ownBufferSize) : buffers.buffer(id);
    }

    /** Gives receive buffer {@code id} back: to the kernel's ring, or to the own pool (waking a waiting connection). */
    void recycleRecv(int id) {
        if (!ownBuffers) {
            buffers.recycle(id);
            return;
        }
        ownFree[ownFreeCount++] = id;
        UringConnection c;
        while (ownFreeCount > 0 && (c = waitingForBuffer.pollFirst()) != null) c.bufferAvailable();
    }

    /** An own receive buffer id, or -1 if all are out ({@code c} is then told when one comes back). */
    int takeOwnBuffer(UringConnection c) {
        if (ownFreeCount == 0) {
            if (!waitingForBuffer.contains(c)) waitingForBuffer.addLast(c);
            return -1;
        }
        return ownFree[--ownFreeCount];
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
        reaping = true;
        try {
            ring.forEachCompletion(this);
        } finally {
            reaping = false;
        }
        // what the handlers queued is submitted by the next wait, after the timers have run
    }

    @Override
    public void complete(long userData, int res, int flags) {
        int kind = kindOf(userData);
        long token = tokenOf(userData);
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
            case RECV, SEND, CONNECT, SPLICE_IN, SPLICE_OUT, SPLICE_WAIT -> {
                Object o = owners.get(token);
                if (o instanceof UringConnection c) c.completed(kind, res, flags);
                else if (kind == RECV && (flags & IoUring.CQE_F_BUFFER) != 0) recycleRecv(IoUring.bufferId(flags));
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
            sqe().accept(socket.fd().intValue(), multishotAccept).userData(userData(token, ACCEPT));
        }

        void accepted(int res, int flags) {
            if (res >= 0) {
                if (!open) {
                    closeRaw(res);
                } else {
                    loop.accepted++;
                    ConnectionHandler h = newHandler(handlers);
                    if (h == null) {
                        closeRaw(res);
                    } else {
                        UringConnection c = new UringConnection(UringDriver.this,
                                Socket.adopt(FileDescriptor.adopt(res), socket.family()), h);
                        connectionOpened();
                        c.start();
                    }
                }
            } else {
                loop.acceptErrors++; // not logged: a log line may itself need the fd that is missing
            }
            boolean outOfFds = res == -Errno.EMFILE.code() || res == -Errno.ENFILE.code();
            // Out of fds: shed everything pending at once; pause only if the reserve could not
            // be taken back (nothing would shed the next arrival).
            boolean pause = outOfFds && open && !reserve.shed(socket);
            if ((flags & IoUring.CQE_F_MORE) == 0 && open) {
                // The multishot ended (error, CQ overflow): re-arm, after a pause if still stuck.
                if (pause) {
                    loop.scheduleOnLoop(() -> { if (open) arm(); }, 10_000_000L);
                } else {
                    arm();
                }
            }
        }

        void close() {
            if (!open) return;
            open = false;
            cancel(token, ACCEPT);
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
            if (buffers != null) buffers.close();
        } catch (ErrnoException ignored) {
            // the ring's close releases it too
        }
        ring.close();
        chunks.close();
    }
}
