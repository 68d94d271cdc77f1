package dev.panio.internal.reactor;

import java.util.List;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoop;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.net.SocketAddress;
import java.net.SocketOption;
import dev.panio.reactor.SocketOptionSet;
import java.util.concurrent.CompletableFuture;

/**
 * What every connection shares, whatever the model: the {@link Lifecycle} state word, the
 * handler and its failures, the outbound connect (with its timeout), the idle, read and
 * write timeouts, the hand-over of calls made off the loop thread, and the one way a
 * connection ends ({@link #closeNow}: fds and files released once, {@code onClose} called
 * once, with the cause).
 *
 * <p>Threads: the state word is read from any thread and changed only through
 * {@link #apply} (compare-and-set); timers and the connect run on the loop thread.
 */
public abstract class BaseConnection implements Connection {
    private static final VarHandle STATE;

    static {
        try {
            STATE = MethodHandles.lookup().findVarHandle(BaseConnection.class, "state", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    protected final Loop loop;
    protected final ConnectionHandler handler;
    private volatile int state;
    private Object attachment;
    private volatile SocketAddress remote;
    private volatile SocketAddress local;
    /** Options applied to this connection's socket when it is set up (before onOpen). */
    private final SocketOptionSet options;
    /** Why the connection's own options could not be set; it then ends instead of opening. */
    private IOException setupFailure;
    /** When this connection last read and wrote: the clocks of its timeouts. */
    private final Activity activity;

    /** Records a read (for the idle and read timeouts). */
    protected final void readSeen() {
        activity.read();
    }

    /** Records bytes the kernel took (for the idle and write timeouts). */
    protected final void wroteSeen() {
        activity.wrote();
    }

    /** Records that a write began waiting for the kernel: the write timeout counts from here. */
    protected final void writeBeganWaiting() {
        activity.writeBeganWaiting();
    }
    private long idleNanos;
    private ScheduledTask idleTimer;
    private long readNanos;
    private ScheduledTask readTimer;
    private ScheduledTask writeTimer;
    private CompletableFuture<Connection> connecting;
    private ScheduledTask connectTimer;

    /**
     * @param turnStamped reads and writes happen on the loop thread (see {@link TurnStamps});
     *        false where a thread per connection does them
     */
    protected BaseConnection(Loop loop, ConnectionHandler handler, SocketOptionSet options, boolean turnStamped) {
        this.loop = loop;
        this.handler = handler;
        this.options = options;
        this.activity = new Activity(turnStamped ? loop.turnStamps : null);
    }

    // ---- the state word -------------------------------------------------------------------

    /** The state word ({@link Lifecycle} bits). */
    public final int state() {
        return state;
    }

    /** Whether the state has {@code bits} (any of them). */
    protected final boolean has(int bits) {
        return (state & bits) != 0;
    }

    /** Whether the connection has ended. */
    protected final boolean isClosed() {
        return (state & Lifecycle.CLOSED) != 0;
    }

    /** Applies {@code e} through {@link Lifecycle#next}; true if the state changed (the caller acts on it). */
    protected final boolean apply(Lifecycle.Event e) {
        for (;;) {
            int s = state;
            int n = Lifecycle.next(s, e);
            if (n == s) return false;
            if (STATE.compareAndSet(this, s, n)) return true;
        }
    }

    // ---- socket set-up and connect --------------------------------------------------------

    /**
     * Applies the socket options: {@code TCP_NODELAY} on a TCP socket when the loop's options
     * ask for it, then the connection's own (from {@code listen} or {@code connect}). If one
     * of its own cannot be set, the connection ends with that error when it would open:
     * its owner asked for the option.
     */
    protected final void configure(Socket socket) {
        setupFailure = options(socket);
    }

    private IOException options(Socket socket) {
        if (loop.options.tcpNoDelay() && socket.family() != Socket.Family.UNIX && socket.type() == Socket.Type.STREAM) {
            try {
                socket.setTcpNoDelay(true);
            } catch (ErrnoException e) {
                // not fatal: the connection works, only small writes may wait for ACKs
            }
        }
        try {
            options.applyTo(socket);
            return null;
        } catch (IOException e) {
            return e;
        } catch (RuntimeException e) {
            return new IOException(e.getMessage(), e);
        }
    }

    /**
     * Marks an outbound connection as connecting, completing {@code result} when
     * {@link #connected()} or {@link #connectFailed} is called; after {@code timeoutMillis}
     * (0: the kernel's own) it fails with {@code ETIMEDOUT} and {@link CloseCause#TIMEOUT}.
     * Loop thread.
     */
    protected final void connecting(CompletableFuture<Connection> result, long timeoutMillis) {
        state = Lifecycle.CONNECTING;
        connecting = result;
        if (timeoutMillis > 0) {
            connectTimer = loop.scheduleOnLoop(() -> connectFailed(new ErrnoException("connect",
                    "timed out after " + timeoutMillis + " ms", fdForMessages(), Errno.ETIMEDOUT)), timeoutMillis * 1_000_000L);
        }
    }

    /** Whether a connect is in progress. */
    protected final boolean isConnecting() {
        return connecting != null;
    }

    /** The connect completed: the connection opens (onOpen) and the future completes. */
    protected final void connected() {
        CompletableFuture<Connection> f = connecting;
        if (f == null || !apply(Lifecycle.Event.CONNECTED)) return;
        connecting = null;
        if (connectTimer != null) connectTimer.cancel();
        opened();
        if (setupFailure != null) f.completeExceptionally(setupFailure);
        else f.complete(this);
    }

    /** The connect failed or timed out: the connection ends (onClose) and the future fails. */
    protected final void connectFailed(IOException e) {
        CompletableFuture<Connection> f = connecting;
        if (f == null) return;
        connecting = null;
        if (connectTimer != null) connectTimer.cancel();
        boolean timedOut = e instanceof ErrnoException ee && ee.errno() == Errno.ETIMEDOUT;
        closeNow(timedOut ? CloseCause.TIMEOUT : CloseCause.ERROR, e);
        f.completeExceptionally(e);
    }

    /** The fd number for messages. */
    protected abstract int fdForMessages();

    // ---- hand-over and data ---------------------------------------------------------------

    /**
     * Runs {@code action} on the loop thread (now if already there): true means "you are on
     * the loop, go on"; false that it was handed over, or dropped because the loop has ended
     * (then the connection is closed already and there is nothing left to do).
     */
    protected final boolean onLoop(Runnable action) {
        if (loop.inEventLoop()) return true;
        loop.offer(action);
        return false;
    }

    /** A copy of {@code data} that outlives the caller's buffer, for a hand-over to the loop. */
    protected static MemorySegment copyOf(MemorySegment data) {
        return MemorySegment.ofArray(data.toArray(ValueLayout.JAVA_BYTE));
    }

    /**
     * The connection is open: default timeouts start and the handler hears {@code onOpen};
     * or, if its socket options could not be set, it ends with that error.
     */
    protected void opened() {
        if (setupFailure != null) {
            closeNow(CloseCause.ERROR, setupFailure);
            return;
        }
        if (loop.options.idleTimeoutMillis() > 0) setIdleTimeout(loop.options.idleTimeoutMillis());
        if (loop.options.writeTimeoutMillis() > 0) onLoopOrNow(this::armWriteTimer);
        try {
            handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
    }

    private void onLoopOrNow(Runnable r) {
        if (onLoop(r)) r.run();
    }

    /** Counts a read; the loop's counters belong to its thread. */
    protected void countRead(long n) {
        loop.reads++;
        loop.bytesRead += n;
    }

    /** Hands {@code data} to the handler's {@code onData}. */
    protected final void delivered(MemorySegment data) {
        readSeen();
        countRead(data.byteSize());
        try {
            handler.onData(this, data);
        } catch (Throwable t) {
            handlerFailed("onData", t);
        }
    }

    /**
     * After a {@code recvmsg} on a Unix connection into a buffer of {@code capacity} bytes:
     * hands the descriptors that came to the handler ({@code onFileDescriptors}), or ends the
     * connection if the message did not arrive whole (a seqpacket message longer than the
     * buffer: {@code EMSGSIZE}; descriptors the kernel dropped for want of control room).
     *
     * @return whether the bytes received may be delivered (the connection is still open)
     */
    protected final boolean receivedMessage(MessageInfo info, long capacity) {
        if (info.truncated() || info.controlTruncated()) {
            for (FileDescriptor fd : info.takeFileDescriptors()) Fds.closeQuietly(fd);
            failed(info.truncated()
                    ? new ErrnoException("recvmsg", "a message of " + info.messageLength() + " bytes is longer than the "
                            + capacity + "-byte read buffer (ReactorOptions.readBufferBytes); connection ended rather than deliver it cut",
                            fdForMessages(), Errno.EMSGSIZE)
                    : new IOException("recvmsg(fd=" + fdForMessages() + "): MSG_CTRUNC: " + info.droppedFileDescriptors()
                            + " passed descriptors did not fit the control buffer; closed, and the connection ended"));
            return false;
        }
        if (info.fileDescriptorCount() > 0) {
            List<FileDescriptor> fds = info.takeFileDescriptors();
            readSeen();
            try {
                handler.onFileDescriptors(this, fds);
            } catch (Throwable t) {
                for (FileDescriptor fd : fds) Fds.closeQuietly(fd);
                handlerFailed("onFileDescriptors", t);
            }
        }
        return !isClosed();
    }

    /** Bytes read with descriptors while {@code onFileDescriptors} suspended reading: delivered on resume. */
    private MemorySegment heldMessageBytes;

    /**
     * Delivers the bytes of a Unix receive after {@link #receivedMessage}: now if reading is
     * on, or, if {@code onFileDescriptors} just suspended it, as a copy once it is resumed
     * ({@link #deliverHeldMessageBytes}), since they were read already. Loop (owner) thread.
     */
    protected final void deliveredAfterMessage(MemorySegment data) {
        if (data.byteSize() == 0 || isClosed()) return;
        if (Lifecycle.reading(state)) delivered(data);
        else heldMessageBytes = copyOf(data);
    }

    /** Whether bytes are held for {@link #deliverHeldMessageBytes}. */
    protected final boolean holdsMessageBytes() {
        return heldMessageBytes != null;
    }

    /**
     * Delivers bytes held by {@link #deliveredAfterMessage} if reading is on again; true if
     * none is held any more (the caller may read on).
     */
    protected final boolean deliverHeldMessageBytes() {
        MemorySegment h = heldMessageBytes;
        if (h == null) return true;
        if (isClosed() || !Lifecycle.reading(state)) return false;
        heldMessageBytes = null;
        delivered(h);
        return true;
    }

    /** The peer ended its output: tell the handler; end if this side's output is shut too. */
    protected final void inputEnded() {
        if (!apply(Lifecycle.Event.INPUT_ENDED)) return;
        try {
            handler.onInputClosed(this);
        } catch (Throwable t) {
            handlerFailed("onInputClosed", t);
            return;
        }
        if (Lifecycle.bothDone(state)) closeNow(CloseCause.PEER_CLOSED, null);
    }

    // ---- timeouts -------------------------------------------------------------------------

    @Override
    public void setIdleTimeout(long millis) {
        if (millis < 0) throw new IllegalArgumentException("setIdleTimeout: negative: " + millis);
        if (!onLoop(() -> setIdleTimeout(millis))) return;
        idleNanos = millis * 1_000_000L;
        if (idleTimer != null) idleTimer.cancel();
        idleTimer = millis > 0 && !isClosed() ? loop.scheduleOnLoop(this::checkIdle, idleNanos) : null;
    }

    @Override
    public void setReadTimeout(long millis) {
        if (millis < 0) throw new IllegalArgumentException("setReadTimeout: negative: " + millis);
        if (!onLoop(() -> setReadTimeout(millis))) return;
        readNanos = millis * 1_000_000L;
        if (readTimer != null) readTimer.cancel();
        readTimer = millis > 0 && !isClosed() ? loop.scheduleOnLoop(this::checkRead, readNanos) : null;
    }

    private void checkRead() {
        if (isClosed() || readNanos == 0) return;
        long quiet = activity.quietNanos(System.nanoTime());
        if (quiet >= readNanos) {
            timedOut();
        } else {
            readTimer = loop.scheduleOnLoop(this::checkRead, readNanos - quiet);
        }
    }

    private void checkIdle() {
        if (isClosed() || idleNanos == 0) return;
        long idle = activity.idleNanos(System.nanoTime());
        if (idle < 0) {
            idleTimer = loop.scheduleOnLoop(this::checkIdle, 0); // a write is under way: next turn
        } else if (idle >= idleNanos) {
            timedOut();
        } else {
            idleTimer = loop.scheduleOnLoop(this::checkIdle, idleNanos - idle);
        }
    }

    /**
     * The write timeout's check, every timeout period while the connection is open: a write
     * that has waited that long with no byte taken by the kernel ends the connection with
     * {@link CloseCause#TIMEOUT}. Loop thread.
     */
    private void armWriteTimer() {
        if (isClosed()) return;
        long writeNanos = loop.options.writeTimeoutMillis() * 1_000_000L;
        long due = writeNanos;
        if (writeWaiting()) {
            long stalled = activity.stalledNanos(System.nanoTime());
            if (stalled >= writeNanos) {
                timedOut();
                return;
            }
            due = writeNanos - stalled;
        }
        writeTimer = loop.scheduleOnLoop(this::armWriteTimer, due);
    }

    /** Whether bytes are waiting for the kernel to take them (queued, or a write call blocked). */
    protected abstract boolean writeWaiting();

    /** A timeout expired: end with {@link CloseCause#TIMEOUT}. Loop thread. */
    protected void timedOut() {
        closeNow(CloseCause.TIMEOUT, null);
    }

    // ---- failures and the end -------------------------------------------------------------

    /** Refuses a negative file range, closing the file the caller handed over. */
    protected static void checkFileRange(FileDescriptor file, long position, long count) {
        if (position >= 0 && count >= 0) return;
        Fds.closeQuietly(file);
        throw new IllegalArgumentException("sendFile: position " + position + ", count " + count);
    }

    /** The error for a file that ended before the bytes a sendFile promised the peer. */
    protected static IOException fileEndedEarly(long position, long remaining) {
        return new IOException("file ended at offset " + position + " with " + remaining + " promised bytes unsent");
    }

    /**
     * A handler callback threw: the failure is reported (counted, rate-limited log) and the
     * connection ended with {@link CloseCause#ERROR} and an exception carrying it. The loop
     * goes on.
     */
    protected final void handlerFailed(String callback, Throwable t) {
        loop.failures.report(callback + " threw; connection closed", t);
        failed(new IOException(callback + " threw", t));
    }

    /** Ends with the cause an I/O error implies: {@link CloseCause#RESET} for ECONNRESET and EPIPE. */
    protected final void failed(IOException e) {
        if (isClosed()) return;
        CloseCause cause = CloseCause.ERROR;
        if (e instanceof ErrnoException ee && (ee.errno() == Errno.ECONNRESET || ee.errno() == Errno.EPIPE)) {
            cause = CloseCause.RESET;
        }
        closeNow(cause, e);
    }

    /**
     * The end, exactly once whoever calls first: timers cancelled, {@link #release()} (fds,
     * queued data, files), then {@code onClose(cause, error)}.
     */
    protected void closeNow(CloseCause cause, IOException error) {
        if (!apply(Lifecycle.Event.END)) return;
        if (idleTimer != null) idleTimer.cancel();
        if (readTimer != null) readTimer.cancel();
        if (writeTimer != null) writeTimer.cancel();
        release();
        CompletableFuture<Connection> f = connecting;
        if (f != null) { // ended (aborted, the loop shut down) before the connect completed
            connecting = null;
            if (connectTimer != null) connectTimer.cancel();
            f.completeExceptionally(error != null ? error : new IOException("connection closed (" + cause + ") before its connect completed"));
        }
        try {
            handler.onClose(this, cause, error);
        } catch (Throwable t) {
            loop.failures.report("onClose threw", t);
        }
    }

    /** The model's part of the end: deregister, free queued data and files, close the fd (now or once nothing is in flight). */
    protected abstract void release();

    // ---- accessors ------------------------------------------------------------------------

    /** Sets the peer address when it is known without a system call. */
    protected final void remote(SocketAddress address) {
        this.remote = address;
    }

    /** The connection's socket: for addresses and options, which any thread may read. */
    protected abstract Socket socket();

    @Override
    public SocketAddress remoteAddress() {
        if (remote == null) {
            try {
                remote = socket().remoteAddress();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return remote;
    }

    @Override
    public SocketAddress localAddress() {
        if (local == null) {
            try {
                local = socket().localAddress();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return local;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return socket().getOption(option);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        socket().setOption(option, value);
    }

    @Override
    public boolean isOpen() {
        return !isClosed();
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }
}
