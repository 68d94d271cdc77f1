package dev.panio.reactor;

import dev.panio.epoll.Epoll;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A connection with a thread of its own. The thread reads and runs the handler; writes
 * are made by the calling thread and return when the kernel has taken every byte (the
 * classic model's backpressure: the writer waits). Blocking sockets on
 * {@link Backend#BLOCKING}; on {@link Backend#VIRTUAL} non-blocking sockets whose
 * would-block results park the virtual thread on the {@link VirtualPoller}.
 *
 * <p>Locks: {@code callbacks} serialises the handler's callbacks and the close;
 * {@code writes} serialises writers. No thread waits for {@code callbacks} while holding
 * {@code writes} (a failed write reports after letting go of it), and a close first shuts
 * the socket down, which wakes a writer blocked on a peer that never reads, so the handler
 * holding {@code callbacks} returns. The loop thread never waits for either lock: a timeout
 * that finds the handler busy shuts the socket down and lets the connection's own thread
 * finish the close, with {@link CloseCause#TIMEOUT}.
 */
final class ThreadConnection extends BaseConnection {
    private final ThreadDriver driver;
    private final Socket socket;
    private final ReentrantLock callbacks = new ReentrantLock();
    private final ReentrantLock writes = new ReentrantLock();
    /** A cause decided by a thread that could not take {@code callbacks}; used by the close that follows. */
    private volatile CloseCause pendingCause;
    private VirtualPoller.Waiter readWaiter;
    private VirtualPoller.Waiter writeWaiter;
    private volatile boolean readSuspended;
    private boolean outputShut;

    ThreadConnection(ThreadDriver driver, Socket socket, ConnectionHandler handler) {
        super(driver.loop, handler);
        this.driver = driver;
        this.socket = socket;
        configure(socket);
    }

    void startReader() {
        driver.open.incrementAndGet();
        driver.connections.add(this);
        // The loop sets `stopping` before it sweeps `connections`: a connection registered
        // after the sweep sees the flag here and closes itself (nobody else would); one
        // registered before is in the sweep. Checked before the thread starts, so nothing of
        // the handler has run yet.
        if (driver.stopping) {
            callbacks.lock();
            try {
                closeNow(CloseCause.LOCAL, null);
            } finally {
                callbacks.unlock();
            }
            return;
        }
        driver.threads(loop + "-conn-" + socket.fd().intValue()).start(this::run);
    }

    void connectAndRun(InetSocketAddress address, long timeoutMillis, CompletableFuture<Connection> result) {
        try {
            if (!socket.connect(address)) {
                long timeoutNanos = timeoutMillis > 0 ? timeoutMillis * 1_000_000L : -1;
                long deadline = System.nanoTime() + timeoutNanos;
                while (!writableNow()) {
                    if (timeoutNanos >= 0 && System.nanoTime() - deadline >= 0) {
                        throw new ErrnoException("connect", "timed out after " + timeoutMillis + " ms", socket.fd().intValue(), Errno.ETIMEDOUT);
                    }
                    if (driver.virtual) {
                        driver.writePoller.waiter(socket.fd()).await(Epoll.EPOLLOUT, timeoutNanos < 0 ? -1 : Math.max(1, deadline - System.nanoTime()));
                    } else {
                        try (Poll p = new Poll(1)) {
                            p.add(socket.fd(), Poll.POLLOUT, 0);
                            p.poll(timeoutNanos < 0 ? -1 : Math.max(1, (deadline - System.nanoTime()) / 1_000_000L));
                        }
                    }
                }
                socket.finishConnect();
            }
        } catch (ErrnoException e) {
            // As on the event-driven backends: the handler hears of the failed connect too.
            PollingDriver.closeQuietly(socket.fd());
            closed = true;
            try {
                handler.onClose(this, e.errno() == Errno.ETIMEDOUT ? CloseCause.TIMEOUT : CloseCause.ERROR, e);
            } catch (Throwable t) {
                loop.failures.report("onClose threw", t);
            }
            result.completeExceptionally(e);
            return;
        }
        startReader();
        result.complete(this);
    }

    private boolean writableNow() throws ErrnoException {
        try (Poll p = new Poll(1)) {
            p.add(socket.fd(), Poll.POLLOUT, 0);
            return p.poll(0) > 0;
        }
    }

    private void run() {
        try {
            if (!driver.virtual) socket.fd().setNonBlocking(false);
            else readWaiter = driver.readPoller.waiter(socket.fd());
        } catch (ErrnoException e) {
            failedLocked(e);
            return;
        }
        withCallbacks(this::opened);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(loop.options.readBufferBytes());
            while (!closed) {
                if (readSuspended) {
                    java.util.concurrent.locks.LockSupport.parkNanos(1_000_000L);
                    continue;
                }
                long n = socket.read(buf);
                if (n == FileDescriptor.WOULD_BLOCK) {
                    readWaiter.await(Epoll.EPOLLIN, -1);
                } else if (n == FileDescriptor.EOF) {
                    if (pendingCause != null) {
                        // Another thread shut the socket down to close it (a timeout, an abort)
                        // while the handler ran: finish that close here.
                        withCallbacks(() -> closeNow(pendingCause, null));
                        return;
                    }
                    withCallbacks(() -> {
                        try {
                            handler.onInputClosed(this);
                        } catch (Throwable t) {
                            handlerFailed("onInputClosed", t);
                        }
                        if (!closed && outputShut) closeNow(CloseCause.PEER_CLOSED, null);
                    });
                    // Keep the thread until the connection closes: a half-closed connection
                    // may still write. Nothing more to read.
                    while (!closed) {
                        if (pendingCause != null) withCallbacks(() -> closeNow(pendingCause, null));
                        else java.util.concurrent.locks.LockSupport.parkNanos(this, 5_000_000L);
                    }
                    return;
                } else {
                    MemorySegment data = buf.asSlice(0, n);
                    withCallbacks(() -> delivered(data));
                }
            }
        } catch (ErrnoException e) {
            failedLocked(e);
        } catch (dev.panio.io.ClosedException closedUnderUs) {
            // closed by another thread between the check and the read: nothing left to do
        }
    }

    private void withCallbacks(Runnable r) {
        callbacks.lock();
        try {
            if (!closed) r.run();
        } finally {
            callbacks.unlock();
        }
    }

    private void failedLocked(IOException e) {
        callbacks.lock();
        try {
            if (!closed) failed(e);
        } finally {
            callbacks.unlock();
        }
    }

    @Override
    void countRead(long n) {
        driver.reads.increment();
        driver.bytesRead.add(n);
    }

    // The loop thread runs the idle and read timers of every connection of the loop: it must
    // never wait for a handler that may be blocked writing to a peer that does not read.
    @Override
    void timedOut() {
        if (callbacks.tryLock()) {
            try {
                closeNow(CloseCause.TIMEOUT, null);
            } finally {
                callbacks.unlock();
            }
            return;
        }
        // The handler is running (perhaps blocked in a write): unblock it; the connection's
        // own thread then closes, with the cause decided here.
        pendingCause = CloseCause.TIMEOUT;
        unblock();
    }

    @Override
    void closeNow(CloseCause cause, IOException error) {
        CloseCause decided = pendingCause;
        super.closeNow(decided != null ? decided : cause, decided != null ? null : error);
    }

    /** Shuts the socket down: a read returns end of stream, a blocked write fails, so the handler returns. */
    private void unblock() {
        try {
            socket.shutdownBoth();
        } catch (ErrnoException | dev.panio.io.ClosedException gone) {
            // not connected any more, or closed: nothing is blocked on it
        }
        if (readWaiter != null) readWaiter.wake();
        if (writeWaiter != null) writeWaiter.wake();
    }

    @Override
    public boolean write(MemorySegment data, long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.byteSize());
        if (closed) return false;
        ErrnoException failure = null;
        writes.lock();
        try {
            if (closed || outputShut) return false;
            long at = offset, end = offset + length;
            while (at < end) {
                long n = socket.write(data, at, end - at);
                if (n == FileDescriptor.WOULD_BLOCK) {
                    awaitWritable();
                    continue;
                }
                wrote(n);
                at += n;
            }
            return true;
        } catch (ErrnoException e) {
            failure = e;
            return false;
        } catch (dev.panio.io.ClosedException closedUnderUs) {
            return false;
        } finally {
            writes.unlock();
            // Reported after letting go of `writes`: the handler's thread may hold
            // `callbacks` and be waiting for `writes` right now.
            if (failure != null) failedLocked(failure);
        }
    }

    /** A non-blocking socket (virtual backend) said EAGAIN: park until it can take more. */
    private void awaitWritable() throws ErrnoException {
        if (writeWaiter == null) writeWaiter = driver.writePoller.waiter(socket.fd());
        writeWaiter.await(Epoll.EPOLLOUT, -1);
    }

    private void wrote(long n) {
        driver.writes.increment();
        driver.bytesWritten.add(n);
        lastActivity = System.nanoTime();
    }

    @Override
    public boolean sendFile(FileDescriptor file, long position, long count) {
        checkFileRange(file, position, count);
        IOException failure = null;
        writes.lock();
        try {
            if (closed || outputShut) return false;
            while (count > 0) {
                long n = socket.sendFile(file, position, count);
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
            return true;
        } catch (ErrnoException e) {
            failure = e;
            return false;
        } catch (dev.panio.io.ClosedException closedUnderUs) {
            return false;
        } finally {
            writes.unlock();
            PollingDriver.closeQuietly(file);
            if (failure != null) failedLocked(failure);
        }
    }

    @Override
    public boolean isWritable() {
        return !closed;
    }

    @Override
    public long queuedBytes() {
        return 0;
    }

    @Override
    public void shutdownOutput() {
        ErrnoException failure = null;
        writes.lock();
        try {
            if (closed || outputShut) return;
            socket.shutdownOutput();
            outputShut = true;
        } catch (ErrnoException e) {
            failure = e;
        } catch (dev.panio.io.ClosedException closedUnderUs) {
            // nothing to shut down any more
        } finally {
            writes.unlock();
            if (failure != null) failedLocked(failure);
        }
    }

    /**
     * Closes the connection once a write in progress has finished: writes are synchronous, so
     * what a write sent is sent. The wait holds no lock the writer needs, and a writer blocked
     * on a peer that never reads is ended by {@link #abort()} (which a graceful shutdown calls
     * at its deadline).
     */
    @Override
    public void close() {
        if (closed) return;
        writes.lock(); // wait for a write in progress ...
        writes.unlock(); // ... without holding `writes` while waiting for `callbacks`
        callbacks.lock();
        try {
            closeNow(CloseCause.LOCAL, null);
        } finally {
            callbacks.unlock();
        }
    }

    /**
     * Closes now: a read or write in progress is cut short (shut down), so this never waits
     * for the peer; if the handler is running, its own thread finishes the close.
     */
    @Override
    public void abort() {
        if (closed) return;
        unblock();
        boolean locked;
        try {
            // The shutdown above ends a blocked read or write at once; a handler busy otherwise
            // gets a moment to return before its own thread is left to finish the close.
            locked = callbacks.tryLock(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            locked = false;
        }
        if (locked) {
            try {
                closeNow(CloseCause.LOCAL, null);
            } finally {
                callbacks.unlock();
            }
        } else {
            pendingCause = CloseCause.LOCAL;
        }
    }

    @Override
    public void suspendReading() {
        readSuspended = true;
    }

    @Override
    public void resumeReading() {
        readSuspended = false;
    }

    @Override
    void release() {
        driver.connections.remove(this);
        driver.open.decrementAndGet();
        PollingDriver.closeQuietly(socket.fd()); // wakes a blocked read through shutdown
        if (readWaiter != null) readWaiter.wake(); // or a parked one
        if (writeWaiter != null) writeWaiter.wake();
    }

    @Override
    InetSocketAddress queryRemote() throws IOException {
        return socket.remoteAddress();
    }
}
