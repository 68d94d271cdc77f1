package dev.panio.internal.reactor.threads;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.epoll.Epoll;
import dev.panio.internal.reactor.BaseConnection;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Lifecycle;
import dev.panio.internal.reactor.UnixMessages;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection with a thread of its own (the owner). The owner reads and runs every handler
 * callback, {@code onClose} included, so callbacks never overlap and need no lock. Writes are
 * made by the calling thread and return when the kernel has taken every byte (the classic
 * model's backpressure: the writer waits). Blocking sockets on {@code BLOCKING}; on
 * {@code VIRTUAL} non-blocking sockets whose would-block results park the virtual thread on
 * a {@link VirtualPoller}.
 *
 * <p>Ending: any other thread that ends the connection (abort, a timeout on the loop thread,
 * a failed write, a graceful close) records the cause, shuts the socket down (a blocked
 * read returns end of stream, a blocked write fails) and wakes the owner, which then
 * releases the fd and calls {@code onClose}, exactly once, as soon as its handler returns.
 * Nobody ever waits for the owner or for a writer. The only lock serialises writers among
 * themselves, so that two threads' writes do not interleave; no one else takes it.
 */
final class ThreadConnection extends BaseConnection {
    /** Bytes per blocking write call: progress is seen (for the write timeout) at least this often. */
    private static final int WRITE_SLICE = 64 * 1024;

    private final ThreadDriver driver;
    private final Socket socket;
    private final ReentrantLock writes = new ReentrantLock();
    /** A write call is in progress (for a graceful close, which must wait for it, and the write timeout). */
    private volatile boolean writing;
    /** The end decided by a thread other than the owner: {cause, error}. */
    private final AtomicReference<Object[]> endRequest = new AtomicReference<>();
    private final AtomicBoolean closeWoken = new AtomicBoolean();
    private volatile Thread owner;
    /** The owner is running a handler callback. */
    private volatile boolean inCallback;
    /** A close asked by another thread while the owner ran a callback: applied when it returns. */
    private volatile boolean closeAsked;
    private VirtualPoller.Waiter readWaiter;
    private volatile VirtualPoller.Waiter writeWaiter;

    ThreadConnection(ThreadDriver driver, Socket socket, ConnectionHandler handler, dev.panio.reactor.SocketOptionSet options) {
        super(driver.loop, handler, options, false);
        this.driver = driver;
        this.socket = socket;
        configure(socket);
    }

    /**
     * Counts the connection and registers it for the loop's sweeps; false if the loop is
     * stopping (then the connection has ended already, unseen by the handler but for onClose).
     */
    private boolean register() {
        driver.open.incrementAndGet();
        driver.connections.add(this);
        // The loop sets `stopping` before it sweeps `connections`: a connection registered
        // after the sweep sees the flag here and ends itself (nobody else would); one
        // registered before is in the sweep.
        if (driver.stopping) {
            super.closeNow(CloseCause.LOCAL, null);
            return false;
        }
        return true;
    }

    /** An accepted connection: registers and starts the owner thread. */
    void start() {
        if (!register()) return;
        Thread t = driver.threads(loop + "-conn-" + socket.fd().intValue()).unstarted(() -> driver.counted(() -> run(true)));
        owner = t; // from now on every end goes through it, even before it runs
        t.start();
    }

    /** An outbound connection, on the thread that becomes its owner: connects, then serves. */
    void connectAndRun(SocketAddress address, long timeoutMillis, CompletableFuture<Connection> result) {
        owner = Thread.currentThread();
        connecting(result, 0); // the timeout is this thread's wait below, not a loop timer
        if (!register()) return;
        try {
            if (!socket.connect(address)) {
                long timeoutNanos = timeoutMillis > 0 ? timeoutMillis * 1_000_000L : -1;
                long deadline = System.nanoTime() + timeoutNanos;
                VirtualPoller.Waiter w = driver.virtual ? writeWaiter = driver.writePoller.waiter(socket.fd()) : null;
                while (!writableNow()) {
                    if (finishIfDue()) return; // aborted (or the loop stopped) while connecting
                    if (timeoutNanos >= 0 && System.nanoTime() - deadline >= 0) {
                        throw new ErrnoException("connect", "timed out after " + timeoutMillis + " ms", socket.fd().intValue(), Errno.ETIMEDOUT);
                    }
                    long left = timeoutNanos < 0 ? 100_000_000L : Math.min(100_000_000L, Math.max(1, deadline - System.nanoTime()));
                    if (w != null) {
                        w.await(Epoll.EPOLLOUT, left);
                    } else {
                        try (Poll p = new Poll(1)) {
                            p.add(socket.fd(), Poll.POLLOUT, 0);
                            p.poll(Math.max(1, left / 1_000_000L));
                        }
                    }
                }
                if (finishIfDue()) return; // aborted: the shutdown that ended the wait is not a reset
                socket.finishConnect();
            }
        } catch (ErrnoException e) {
            if (finishIfDue()) return;
            connectFailed(e); // as on the event-driven backends: the handler hears onClose too
            return;
        } catch (RuntimeException e) {
            connectFailed(new IOException("connect to " + address + " failed", e));
            return;
        }
        run(false);
    }

    private boolean writableNow() throws ErrnoException {
        try (Poll p = new Poll(1)) {
            p.add(socket.fd(), Poll.POLLOUT, 0);
            return p.poll(0) > 0;
        }
    }

    /** The owner's life: set up, open, read and dispatch until the end, then end. */
    private void run(boolean accepted) {
        owner = Thread.currentThread();
        try {
            serve(accepted);
        } catch (RuntimeException | Error e) {
            // a fault of panio's own (a handler's is caught where it is called): end the
            // connection rather than leave it open with no thread
            if (!isClosed()) super.closeNow(CloseCause.ERROR, new IOException("connection thread failed", e));
            if (e instanceof Error err && !(e instanceof StackOverflowError)) throw err;
        } finally {
            owner = null;
        }
    }

    private void serve(boolean accepted) {
        if (finishIfDue()) return; // ended (the loop stopping) before this thread ran
        try {
            if (!driver.virtual) socket.fd().setNonBlocking(false);
            else readWaiter = driver.readPoller.waiter(socket.fd());
        } catch (ErrnoException e) {
            failed(e);
            return;
        }
        inCallback = true;
        if (accepted) opened();
        else connected();
        inCallback = false;
        boolean unix = socket.family() == Socket.Family.UNIX;
        MessageInfo info = unix ? new MessageInfo(MessageInfo.MAX_FDS) : null;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(loop.options.readBufferBytes());
            boolean ownEof = false; // read the end of stream our own shutdown made, while closing
            while (!isClosed()) {
                if (finishIfDue()) return;
                if (!Lifecycle.reading(state()) || ownEof) {
                    // suspended, or the peer's input ended (half-close: writes may go on): wait for a change
                    LockSupport.parkNanos(this, 50_000_000L);
                    continue;
                }
                long n;
                try {
                    // a Unix socket is read with recvmsg: a plain read would drop passed descriptors
                    n = unix ? socket.receiveFrom(buf, info) : socket.read(buf);
                } catch (ErrnoException e) {
                    if (endRequest.get() == null && !has(Lifecycle.CLOSING)) failed(e);
                    continue; // else finishIfDue ends it with the cause decided
                } catch (ClosedException e) {
                    return; // cannot happen: only this thread closes the fd
                }
                if (n == FileDescriptor.WOULD_BLOCK) {
                    readWaiter.await(Epoll.EPOLLIN, -1);
                } else if (n == FileDescriptor.EOF) {
                    // Our own shutdown (an end requested, a close) reads as end of stream too.
                    if (endRequest.get() == null && !has(Lifecycle.CLOSING)) {
                        inCallback = true;
                        inputEnded();
                        inCallback = false;
                    } else {
                        ownEof = true;
                    }
                } else {
                    inCallback = true;
                    if (!unix) {
                        delivered(buf.asSlice(0, n));
                    } else if (receivedMessage(info, buf.byteSize()) && n > 0) {
                        // onFileDescriptors may have suspended reading: these bytes were read, so they wait for resumeReading
                        inCallback = false;
                        while (!Lifecycle.reading(state()) && !isClosed() && endRequest.get() == null && !has(Lifecycle.CLOSING)) {
                            LockSupport.parkNanos(this, 50_000_000L);
                        }
                        inCallback = true;
                        if (Lifecycle.reading(state())) delivered(buf.asSlice(0, n));
                    }
                    inCallback = false;
                }
            }
        } catch (ErrnoException e) {
            failed(e);
        }
    }

    /** Ends the connection here if another thread asked, a graceful close is due, or both directions are done; owner only. */
    private boolean finishIfDue() {
        if (closeAsked) {
            closeAsked = false;
            close();
        }
        Object[] end = endRequest.get();
        if (end != null) {
            super.closeNow((CloseCause) end[0], (IOException) end[1]);
            return true;
        }
        int s = state();
        if ((s & Lifecycle.CLOSING) != 0 && !writing) {
            super.closeNow((s & Lifecycle.INPUT_CLOSED) != 0 ? CloseCause.PEER_CLOSED : CloseCause.LOCAL, null);
            return true;
        }
        if (Lifecycle.bothDone(s)) {
            super.closeNow(CloseCause.PEER_CLOSED, null);
            return true;
        }
        return false;
    }

    /**
     * Every end goes through the owner: on another thread this records the cause (the first
     * one wins) and unblocks the owner, which ends the connection as soon as its handler
     * returns. Before the owner runs, or on it, the end happens here.
     */
    @Override
    protected void closeNow(CloseCause cause, IOException error) {
        Thread o = owner;
        if (o == null || o == Thread.currentThread()) {
            super.closeNow(cause, error);
            return;
        }
        if (isClosed() || !endRequest.compareAndSet(null, new Object[] {cause, error})) return;
        unblock();
    }

    /** Shuts the socket down (a read returns end of stream, a blocked write fails) and wakes the owner and any parked writer. */
    private void unblock() {
        try {
            socket.shutdownBoth();
        } catch (ErrnoException | ClosedException gone) {
            // not connected any more, or closed: nothing is blocked on it
        }
        wakeOwner();
        VirtualPoller.Waiter w = writeWaiter;
        if (w != null) w.wake();
    }

    private void wakeOwner() {
        Thread o = owner;
        if (o != null) LockSupport.unpark(o);
        VirtualPoller.Waiter r = readWaiter;
        if (r != null) r.wake();
    }

    @Override
    protected void countRead(long n) {
        driver.reads.increment();
        driver.bytesRead.add(n);
    }

    // ---- writing ----------------------------------------------------------------------------

    @Override
    public boolean write(MemorySegment data, long offset, long length) {
        Objects.checkFromIndexSize(offset, length, data.byteSize());
        return transfer(data, offset, length, null, 0, 0);
    }

    @Override
    public boolean writeWithFds(MemorySegment data, FileDescriptor... fds) throws ErrnoException {
        FileDescriptor[] dups = UnixMessages.duplicate(socket, data, fds);
        try {
            return transfer(data, 0, data.byteSize(), null, 0, 0, dups);
        } finally {
            UnixMessages.closeAll(dups); // sent (the peer has its own) or not: these were ours
        }
    }

    @Override
    public boolean sendFile(FileDescriptor file, long position, long count) {
        checkFileRange(file, position, count);
        try {
            if (socket.type() == Socket.Type.SEQPACKET) throw UnixMessages.refuseSendFile(socket, file);
            return transfer(null, 0, 0, file, position, count);
        } finally {
            Fds.closeQuietly(file);
        }
    }

    private boolean transfer(MemorySegment data, long offset, long length, FileDescriptor file, long position, long count) {
        return transfer(data, offset, length, file, position, count, null);
    }

    /**
     * One write, message or sendFile, whole, by the calling thread; serialised with other
     * writers only. A seqpacket write, or one with {@code fds}, is a message: one
     * {@code sendmsg} of all its bytes (the fds go with the first byte on a stream socket).
     */
    private boolean transfer(MemorySegment data, long offset, long length, FileDescriptor file, long position, long count,
            FileDescriptor[] fds) {
        if (!Lifecycle.acceptsWrites(state())) return false;
        boolean message = file == null && (fds != null || socket.type() == Socket.Type.SEQPACKET);
        if (message && length == 0 && (fds == null || fds.length == 0)) return true; // an empty message would read as the end
        IOException failure = null;
        writes.lock();
        try (Arena staging = message && !data.isNative() ? Arena.ofConfined() : null) {
            writing = true;
            if (!Lifecycle.acceptsWrites(state())) return false; // re-read after `writing`: a close waits for this write or sees it refused
            writeBeganWaiting();
            if (message) {
                // off-heap and whole: a heap message would be cut into 64 KiB staged pieces
                MemorySegment whole = staging == null ? data.asSlice(offset, length)
                        : staging.allocate(Math.max(1, length)).asSlice(0, length).copyFrom(data.asSlice(offset, length));
                long at = 0;
                FileDescriptor[] attached = fds != null && fds.length > 0 ? fds : null;
                for (;;) { // an empty seqpacket message with descriptors is sent too, once
                    MemorySegment rest = whole.asSlice(at);
                    long n = attached != null ? socket.sendWithFds(rest, attached) : socket.write(rest);
                    if (n == FileDescriptor.WOULD_BLOCK) {
                        awaitWritable();
                        continue;
                    }
                    attached = null; // they left with the first byte
                    wrote(n);
                    at += n;
                    if (at >= length) break;
                }
            } else if (file == null) {
                long at = offset, end = offset + length;
                while (at < end) {
                    long n = socket.write(data, at, Math.min(end - at, WRITE_SLICE));
                    if (n == FileDescriptor.WOULD_BLOCK) {
                        awaitWritable();
                        continue;
                    }
                    wrote(n);
                    at += n;
                }
            } else {
                while (count > 0) {
                    long n = socket.sendFile(file, position, Math.min(count, WRITE_SLICE));
                    if (n == FileDescriptor.WOULD_BLOCK) {
                        awaitWritable();
                        continue;
                    }
                    if (n == 0) {
                        failure = fileEndedEarly(position, count);
                        return false;
                    }
                    wrote(n);
                    position += n;
                    count -= n;
                }
            }
            return true;
        } catch (ErrnoException e) {
            failure = e;
            return false;
        } catch (ClosedException closedUnderUs) {
            return false;
        } finally {
            writing = false;
            writes.unlock();
            if (failure != null && endRequest.get() == null) failed(failure);
            if (has(Lifecycle.OUTPUT_SHUTTING | Lifecycle.CLOSING)) finishOutput();
        }
    }

    /** A non-blocking socket (virtual backend) said EAGAIN: park until it can take more. */
    private void awaitWritable() throws ErrnoException {
        VirtualPoller.Waiter w = writeWaiter;
        if (w == null) writeWaiter = w = driver.writePoller.waiter(socket.fd());
        w.await(Epoll.EPOLLOUT, -1);
        if (endRequest.get() != null) throw new ErrnoException("write", "connection ended", socket.fd().intValue(), Errno.EPIPE);
    }

    private void wrote(long n) {
        driver.writes.increment();
        driver.bytesWritten.add(n);
        wroteSeen();
    }

    @Override
    protected boolean writeWaiting() {
        return writing;
    }

    @Override
    public boolean isWritable() {
        return Lifecycle.acceptsWrites(state());
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    // ---- the lifecycle calls ------------------------------------------------------------------

    /** Half-close once a write in progress has finished (no queue: what a write sent is sent). Any thread, never waits. */
    @Override
    public void shutdownOutput() {
        if (apply(Lifecycle.Event.SHUTDOWN_OUTPUT) && !writing) finishOutput();
    }

    /**
     * Closes once a write in progress and a handler callback running have finished: writes are
     * synchronous, so what a write sent is sent. Any thread; never waits (a writer blocked on a peer that never reads is
     * ended by {@link #abort()}, the write timeout, or a graceful shutdown's deadline).
     */
    @Override
    public void close() {
        Thread o = owner;
        if (inCallback && o != null && o != Thread.currentThread()) {
            // What the running callback writes was written before this close: let it finish,
            // as on the event-driven backends, where the close waits for its turn on the loop.
            closeAsked = true;
            if (inCallback) return; // read again after closeAsked: the owner sees it when the callback returns
            // the callback has just returned, perhaps without seeing closeAsked: close here
        }
        if (has(Lifecycle.CONNECTING)) {
            closeNow(CloseCause.LOCAL, null);
            return;
        }
        if (apply(Lifecycle.Event.CLOSE) && !writing) finishOutput();
    }

    /** Carries out a requested half-close or close, once no write is in progress; any thread, at most once each. */
    private void finishOutput() {
        if (writing) return; // the writer calls this again when it is done
        if (has(Lifecycle.OUTPUT_SHUTTING) && apply(Lifecycle.Event.OUTPUT_DONE)) {
            try {
                socket.shutdownOutput();
            } catch (ErrnoException e) {
                failed(e);
                return;
            } catch (ClosedException gone) {
                return;
            }
            wakeOwner(); // both directions may be done now
        }
        if (has(Lifecycle.CLOSING) && closeWoken.compareAndSet(false, true)) {
            // The owner may be blocked reading: end its read so it sees the close and finishes it.
            try {
                socket.shutdownInput();
            } catch (ErrnoException | ClosedException gone) {
                // not connected any more: the owner is not blocked on it
            }
            wakeOwner();
        }
    }

    /**
     * Ends now: a read or write in progress is cut short (the socket is shut down), so this
     * never waits for the peer or the handler; the owner thread releases the fd and calls
     * onClose as soon as its handler returns.
     */
    @Override
    public void abort() {
        closeNow(CloseCause.LOCAL, null);
    }

    @Override
    public void suspendReading() {
        apply(Lifecycle.Event.SUSPEND_READ);
    }

    @Override
    public void resumeReading() {
        if (apply(Lifecycle.Event.RESUME_READ)) wakeOwner();
    }

    @Override
    protected void release() {
        driver.connections.remove(this);
        driver.open.decrementAndGet();
        Fds.closeQuietly(socket.fd()); // a blocked writer was woken by the shutdown that led here
        VirtualPoller.Waiter w = writeWaiter;
        if (w != null) w.wake();
    }

    @Override
    protected int fdForMessages() {
        return socket.fd().intValue();
    }

    @Override
    protected Socket socket() {
        return socket;
    }

    @Override
    public String toString() {
        return "Connection[" + socket + ", " + Lifecycle.describe(state()) + "]";
    }
}
