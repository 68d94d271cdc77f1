package dev.panio.internal.reactor.completion;

import java.lang.foreign.Arena;
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
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.ResourceLimits;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.uring.Availability;
import dev.panio.uring.BufferRing;
import dev.panio.uring.Capability;
import dev.panio.uring.CompletionHandler;
import dev.panio.uring.IoUring;
import dev.panio.uring.IoUringOptions;
import dev.panio.uring.Opcode;
import dev.panio.uring.RecvmsgTemplate;
import dev.panio.uring.Sqe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The completion model: nothing waits for readiness. Listeners run a multishot ACCEPT,
 * connections a multishot RECV into the loop's provided-buffer ring (an idle connection
 * holds no buffer), writes are SENDs of queued chunks kept alive until their completion,
 * and the loop's wait is {@code io_uring_enter} with the nearest timer as its timeout.
 * Cross-thread wake-ups arrive as a (multishot) POLL_ADD on an {@link EventFdWaker}.
 *
 * <p>Each operation's user data ({@link UserData}) names its owner's slot and the kind of
 * operation; a stale slot (owner gone) drops the completion. Taking an SQE never reaps
 * completions: when the submission queue is full even after a submit, the operation is
 * retried at the end of the turn, after the completions have been reaped (see {@link #sqe}).
 */
public final class UringDriver extends Driver implements CompletionHandler {
    private static final int BUFFER_GROUP = 1;

    IoUring ring;
    BufferRing buffers;
    private EventFdWaker waker;
    private FdReserve reserve;
    final ChunkPool chunks = new ChunkPool();
    final Slots<Object> owners = new Slots<>();
    private final List<UringListener> listeners = new ArrayList<>();
    long turn;
    final ArrayDeque<UringConnection> deferred = new ArrayDeque<>();
    /** Operations that found the submission queue full: retried once the turn's completions are reaped. */
    private final ArrayDeque<Runnable> retries = new ArrayDeque<>();

    public UringDriver(Loop loop) {
        super(loop);
    }

    /** The operations this driver submits. */
    private static final Set<Opcode> OPS = EnumSet.of(Opcode.ACCEPT, Opcode.RECV, Opcode.SEND,
            Opcode.CONNECT, Opcode.POLL_ADD, Opcode.ASYNC_CANCEL, Opcode.SPLICE);

    /**
     * Why this driver cannot run on a kernel with {@code a}, or null if it can. It needs a
     * ring and the operations it submits (Linux 5.7 has them all); everything newer it uses
     * where the kernel has it and does without otherwise: multishot receive from a provided
     * buffer ring (else single-shot receives into buffers of its own), multishot accept and
     * poll (else single-shot, re-armed), {@code SINGLE_ISSUER}/{@code DEFER_TASKRUN} (else a
     * plain ring), {@code EXT_ARG} (else a TIMEOUT operation bounds each wait).
     */
    public static String cannotRun(Availability a) {
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
    private boolean wakeupArmed;
    private MemorySegment ownPool;
    private int ownBufferSize;
    private int[] ownFree;
    private int ownFreeCount;
    private final ArrayDeque<UringConnection> waitingForBuffer = new ArrayDeque<>();

    /** The ring's {@code io_uring_enter} calls: it makes them with a call state of its own. */
    @Override
    public void addSystemCalls(long[] into) {
        IoUring r = ring;
        if (r != null) into[dev.panio.internal.sys.Syscall.IO_URING_ENTER.ordinal()] += r.enterCalls();
    }

    /** What this loop's ring could use, for {@code backendDescription()}. */
    @Override
    public String describe() {
        return (ownBuffers ? "single-shot recv into own buffers" : multishotRecv ? "multishot recv from a buffer ring"
                : "single-shot recv from a buffer ring")
                + ", " + (multishotAccept ? "multishot" : "single-shot") + " accept"
                + ", " + (multishotPoll ? "multishot" : "single-shot") + " poll"
                + (multishotRecv ? ", multishot recvmsg for datagrams" : ", recvmmsg on readiness for datagrams")
                + ((ring.setupFlags() & IoUringOptions.SETUP_DEFER_TASKRUN) != 0 ? ", DEFER_TASKRUN" : ", no DEFER_TASKRUN")
                + (ring.has(Capability.EXT_ARG) ? ", EXT_ARG waits" : ", TIMEOUT-bounded waits");
    }

    @Override
    public void start() throws IOException {
        int count = loop.options.uringBuffers();
        if (Integer.bitCount(count) != 1 || count > BufferRing.MAX_COUNT) {
            throw new IllegalArgumentException("io_uring receive buffers must be a power of two up to "
                    + BufferRing.MAX_COUNT + ": " + count + " (ReactorOptions.withUringBuffers)");
        }
        ring = IoUring.open(IoUringOptions.entries(512).withCqEntries(8192).forSingleThread());
        try {
            int bufferSize = Math.min(loop.options.readBufferBytes(), 16 * 1024);
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
            waker = new EventFdWaker();
            reserve = new FdReserve();
        } catch (IOException | RuntimeException | Error e) {
            if (waker != null) waker.close();
            if (reserve != null) reserve.close();
            ring.close(); // and with it the buffer ring and ring-owned memory
            throw e;
        }
        armWakeup();
    }

    @Override
    public Waker waker() {
        return waker;
    }

    private void armWakeup() {
        if (wakeupArmed) return;
        Sqe s = sqe(this::armWakeup);
        if (s == null) return;
        wakeupArmed = true;
        s.pollAdd(waker.fd().intValue(), Poll.POLLIN, multishotPoll).userData(UserData.WAKEUP);
    }

    /**
     * A free SQE, submitting what is queued first if the ring is full; or null if even then
     * there is no room (the kernel holds back submissions while its completion queue
     * overflows): {@code retry} then runs at the end of this turn, once the completions are
     * reaped, and the caller must change no state. Never reaps completions itself: that would
     * run handlers inside whatever called this, and re-enter the completion loop.
     */
    Sqe sqe(Runnable retry) {
        Sqe s = ring.sqe();
        if (s != null) return s;
        try {
            ring.submit();
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EBUSY && e.errno() != Errno.EAGAIN) throw new IllegalStateException(e);
        }
        s = ring.sqe();
        if (s == null) retries.addLast(retry);
        return s;
    }

    /** Submits what is prepared now, not at the turn's wait (EBUSY/EAGAIN: the wait submits it). */
    void submitNow() {
        try {
            ring.submit();
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EBUSY && e.errno() != Errno.EAGAIN) throw new IllegalStateException(e);
        }
    }

    /** Cancels the operation of {@code kind} that the owner of {@code token} has in flight; its completion says when it is gone. */
    void cancel(long token, int kind) {
        Sqe s = sqe(() -> cancel(token, kind));
        if (s != null) s.cancel(UserData.of(token, kind)).userData(UserData.IGNORE);
    }

    /** Whether a POLL_ADD may stay armed ({@code IORING_POLL_ADD_MULTI}, Linux 5.13). */
    boolean multishotPoll() {
        return multishotPoll;
    }

    boolean multishotAccept() {
        return multishotAccept;
    }

    /**
     * The soft {@code RLIMIT_NOFILE} now: an armed multishot accept does not see the limit
     * lowered after it was armed, so each accepted fd is checked against it (one
     * {@code getrlimit} per accept, small beside the accept itself).
     */
    long fdLimit() {
        try {
            long soft = ResourceLimits.openFiles().soft();
            return soft < 0 ? Long.MAX_VALUE : soft;
        } catch (ErrnoException e) {
            return Long.MAX_VALUE;
        }
    }

    /** Sheds pending connections on {@code listener} at {@code EMFILE}; false if the reserve could not be taken back. */
    boolean shed(Socket listener) {
        return reserve.shed(listener);
    }

    // ---- receive buffers ----------------------------------------------------------------------

    /** Whether receives are multishot (one RECV keeps producing completions). */
    boolean multishotRecv() {
        return multishotRecv;
    }

    private MemorySegment unixBuffer;

    /**
     * The buffer Unix connections receive into (loop thread, one receive at a time): they
     * read with {@code recvmsg} when the socket is readable, since a RECV from the buffer
     * ring would lose passed descriptors and could not tell a cut seqpacket message.
     */
    MemorySegment unixBuffer() {
        if (unixBuffer == null) unixBuffer = Arena.ofAuto().allocate(loop.options.readBufferBytes(), 64);
        return unixBuffer;
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

    /** Gives back an own buffer taken for an operation that could not be submitted. */
    void untakeOwnBuffer(int id) {
        ownFree[ownFreeCount++] = id;
    }

    @Override
    public boolean hasPendingWork() {
        return !deferred.isEmpty() || !retries.isEmpty();
    }

    @Override
    public void poll(long timeoutNanos) throws IOException {
        turn++;
        // Data held back last turn goes first, each connection within its budget again.
        for (int n = deferred.size(); n > 0; n--) deferred.pollFirst().runDeferred();
        boolean busy = !deferred.isEmpty() || !retries.isEmpty();
        try {
            ring.submitAndWait(timeoutNanos == 0 || busy ? 0 : 1, busy ? 0 : timeoutNanos);
        } catch (ErrnoException e) {
            // EBUSY: the completion queue overflowed and holds back submissions; reaping below makes room
            if (e.errno() != Errno.EBUSY) throw e;
        }
        ring.forEachCompletion(this);
        // Operations that found no room: the completions are reaped, so there is room now.
        for (int n = retries.size(); n > 0; n--) retries.pollFirst().run();
        // what the handlers queued is submitted by the next wait, after the timers have run
    }

    @Override
    public void complete(long userData, int res, int flags) {
        int kind = UserData.kind(userData);
        long token = UserData.token(userData);
        switch (kind) {
            case UserData.WAKEUP -> {
                waker.drain();
                if ((flags & IoUring.CQE_F_MORE) == 0) {
                    wakeupArmed = false;
                    if (waker.fd().isOpen()) armWakeup();
                }
            }
            case UserData.ACCEPT -> {
                if (owners.get(token) instanceof UringListener l) l.accepted(res, flags);
                else if (res >= 0) Fds.closeRaw(res); // the listener is gone: do not leak its last accept
            }
            case UserData.RECV, UserData.SEND, UserData.CONNECT, UserData.SPLICE_IN, UserData.SPLICE_OUT, UserData.WRITE_WAIT,
                    UserData.POLL_IN, UserData.ERROR_WAIT -> {
                if (owners.get(token) instanceof UringConnection c) c.completed(kind, res, flags);
                else if (kind == UserData.RECV && (flags & IoUring.CQE_F_BUFFER) != 0) recycleRecv(IoUring.bufferId(flags));
            }
            case UserData.LISTEN_WAIT -> {
                if (owners.get(token) instanceof UringListener l) l.connectionPending();
            }
            case UserData.WATCH -> {
                if (owners.get(token) instanceof UringWatch w) w.completed(res);
            }
            case UserData.RECVMSG -> {
                if (owners.get(token) instanceof UringDatagramReceiver r) r.completed(res, flags);
            }
            default -> { } // cancellations
        }
    }

    // ---- watching other fds -------------------------------------------------------------------

    @Override
    public Watch watch(dev.panio.io.FileDescriptor fd, int interest, java.util.function.IntConsumer ready) {
        return new UringWatch(this, fd, interest, ready);
    }

    // ---- datagrams ---------------------------------------------------------------------------

    /** Buffers per datagram receiver's ring: a burst past them waits in the socket (ENOBUFS re-arms). */
    private static final int DATAGRAM_BUFFERS = 32;
    private RecvmsgTemplate datagramTemplate;
    private int nextGroup = BUFFER_GROUP + 1;
    /** Buffer rings of ended receivers, all buffers back in them, for the next receiver of the same size. */
    private final ArrayDeque<BufferRing> idleDatagramRings = new ArrayDeque<>();

    /**
     * Multishot RECVMSG where the kernel has it (6.0: buffer rings and multishot receives);
     * else null, and the channel watches for readiness and calls recvmmsg.
     */
    @Override
    public Driver.DatagramReceiver receiveDatagrams(Socket socket, int maxDatagram, Driver.DatagramSink sink) throws IOException {
        if (!multishotRecv) return null;
        if (datagramTemplate == null) datagramTemplate = new RecvmsgTemplate(ring, 128, 0); // a sockaddr_storage: any sender
        int size = (datagramTemplate.overhead() + maxDatagram + 63) & ~63; // each buffer 64-byte aligned, as the name's reads need
        BufferRing r = null;
        for (BufferRing idle : idleDatagramRings) {
            if (idle.size() == size) {
                r = idle;
                break;
            }
        }
        if (r != null) {
            idleDatagramRings.remove(r);
        } else {
            if (nextGroup > BufferRing.MAX_GROUP) return null; // 65,534 rings made on this loop: fall back
            r = new BufferRing(ring, nextGroup++, DATAGRAM_BUFFERS, size);
        }
        return new UringDatagramReceiver(this, socket, maxDatagram, datagramTemplate, r, sink);
    }

    /** A receiver has ended and every buffer of its ring is back: keep the ring for the next one. */
    void giveBack(BufferRing r) {
        idleDatagramRings.addLast(r);
    }

    // ---- accepting --------------------------------------------------------------------------

    @Override
    public void listen(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options) {
        UringListener l = new UringListener(this, listener, handlers, options);
        listeners.add(l);
        l.arm();
    }

    @Override
    public void unlisten(Socket listener) {
        for (UringListener l : listeners) {
            if (l.socket == listener) {
                l.close();
                listeners.remove(l);
                return;
            }
        }
    }

    /** Serves an accepted socket with a handler from {@code handlers} (closing it if the supplier fails). */
    void serve(Socket socket, Supplier<ConnectionHandler> handlers, SocketOptionSet options) {
        ConnectionHandler h = newHandler(handlers);
        if (h == null) {
            Fds.closeQuietly(socket.fd());
            return;
        }
        UringConnection c = new UringConnection(this, socket, h, options);
        connectionOpened();
        c.start();
    }

    // ---- outbound ---------------------------------------------------------------------------

    @Override
    public void connect(Outbound request, ConnectionHandler handler, CompletableFuture<Connection> result) {
        Socket s = socketFor(request, result);
        if (s == null) return;
        UringConnection c = new UringConnection(this, s, handler, SocketOptionSet.none());
        connectionOpened();
        c.connect(request.address(), request.timeoutMillis(), result);
    }

    @Override
    public void closeAllGracefully() {
        for (UringListener l : listeners) l.close();
        listeners.clear();
        for (Object o : owners.snapshot()) if (o instanceof UringConnection c && c.isOpen()) c.close();
    }

    @Override
    public void abortAll() {
        for (UringListener l : listeners) l.close();
        listeners.clear();
        for (Object o : owners.snapshot()) if (o instanceof UringConnection c && c.isOpen()) c.abort();
    }

    @Override
    public void close() {
        try {
            // Collect what is still in flight (cancellations, a last accept) so that no
            // accepted fd is left in an unreaped completion.
            ring.submit();
            for (int i = 0; i < 10 && ring.submitAndWait(1, 5_000_000L) > 0; i++) {
                ring.forEachCompletion(this);
                for (int n = retries.size(); n > 0; n--) retries.pollFirst().run();
            }
        } catch (ErrnoException ignored) {
            // closing anyway
        }
        waker.close();
        if (reserve != null) reserve.close();
        for (Object o : owners.snapshot()) if (o instanceof UringListener l) l.closeFd();
        try {
            if (buffers != null) buffers.close();
        } catch (ErrnoException ignored) {
            // the ring's close releases it too
        }
        ring.close();
        chunks.close();
    }
}
