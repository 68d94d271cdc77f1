package dev.panio.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;

/**
 * What every connection implementation shares: the handler, the attachment, idle timeouts,
 * the hand-over of calls made off the loop thread, and the mapping of errors to a
 * {@link CloseCause}.
 */
abstract class BaseConnection implements Connection {
    final EventLoop loop;
    final ConnectionHandler handler;
    private Object attachment;
    private InetSocketAddress remote;
    long lastActivity = System.nanoTime();
    private long lastRead = lastActivity;
    private long idleNanos;
    private ScheduledTask idleTimer;
    private long readNanos;
    private ScheduledTask readTimer;
    /** Written on the loop thread; read from others to refuse work on a gone connection early. */
    volatile boolean closed;

    BaseConnection(EventLoop loop, ConnectionHandler handler) {
        this.loop = loop;
        this.handler = handler;
    }

    /** Applies the per-connection socket options of the loop's {@link ReactorOptions}. */
    final void configure(dev.panio.net.Socket socket) {
        if (!loop.options.tcpNoDelay()) return;
        try {
            socket.setTcpNoDelay(true);
        } catch (ErrnoException e) {
            // not fatal: the connection works, only small writes may wait for ACKs
        }
    }

    /**
     * Runs {@code action} on the loop thread (now if already there): true means "you are on
     * the loop, go on"; false that it was handed over, or dropped because the loop has ended
     * (then the connection is closed already and there is nothing left to do).
     */
    final boolean onLoop(Runnable action) {
        if (loop.inEventLoop()) return true;
        loop.offer(action);
        return false;
    }

    /** A copy of {@code data} that outlives the caller's buffer, for a hand-over to the loop. */
    static MemorySegment copyOf(MemorySegment data) {
        return MemorySegment.ofArray(data.toArray(java.lang.foreign.ValueLayout.JAVA_BYTE));
    }

    void opened() {
        if (loop.options.idleTimeoutMillis() > 0) setIdleTimeout(loop.options.idleTimeoutMillis());
        try {
            handler.onOpen(this);
        } catch (Throwable t) {
            handlerFailed("onOpen", t);
        }
    }

    /** Counts a read; the loop's counters belong to its thread. */
    void countRead(long n) {
        loop.reads++;
        loop.bytesRead += n;
    }

    void delivered(MemorySegment data) {
        lastActivity = lastRead = System.nanoTime();
        countRead(data.byteSize());
        try {
            handler.onData(this, data);
        } catch (Throwable t) {
            handlerFailed("onData", t);
        }
    }

    @Override
    public void setIdleTimeout(long millis) {
        if (!onLoop(() -> setIdleTimeout(millis))) return;
        idleNanos = millis * 1_000_000L;
        if (idleTimer != null) idleTimer.cancel();
        idleTimer = millis > 0 && !closed ? loop.scheduleOnLoop(this::checkIdle, idleNanos) : null;
    }

    @Override
    public void setReadTimeout(long millis) {
        if (!onLoop(() -> setReadTimeout(millis))) return;
        readNanos = millis * 1_000_000L;
        if (readTimer != null) readTimer.cancel();
        readTimer = millis > 0 && !closed ? loop.scheduleOnLoop(this::checkRead, readNanos) : null;
    }

    void checkRead() {
        if (closed || readNanos == 0) return;
        long quiet = System.nanoTime() - lastRead;
        if (quiet >= readNanos) {
            timedOut();
        } else {
            readTimer = loop.scheduleOnLoop(this::checkRead, readNanos - quiet);
        }
    }

    void checkIdle() {
        if (closed || idleNanos == 0) return;
        long idle = System.nanoTime() - lastActivity;
        if (idle >= idleNanos) {
            timedOut();
        } else {
            idleTimer = loop.scheduleOnLoop(this::checkIdle, idleNanos - idle);
        }
    }

    /** A timeout expired: close with {@link CloseCause#TIMEOUT}. */
    void timedOut() {
        closeNow(CloseCause.TIMEOUT, null);
    }

    /** Refuses a negative file range, closing the file the caller handed over. */
    static void checkFileRange(dev.panio.io.FileDescriptor file, long position, long count) {
        if (position >= 0 && count >= 0) return;
        PollingDriver.closeQuietly(file);
        throw new IllegalArgumentException("sendFile: position " + position + ", count " + count);
    }

    /** The error for a file that ended before the bytes a sendFile promised the peer. */
    static IOException fileEndedEarly(long position, long remaining) {
        return new IOException("file ended at offset " + position + " with " + remaining + " promised bytes unsent");
    }

    /**
     * A handler callback threw: the failure is reported (counted, rate-limited log) and the
     * connection closed with {@link CloseCause#ERROR} and an exception carrying it. The loop
     * goes on.
     */
    final void handlerFailed(String callback, Throwable t) {
        loop.failures.report(callback + " threw; connection closed", t);
        failed(new IOException(callback + " threw", t));
    }

    /** Closes with the cause an I/O error implies. */
    final void failed(IOException e) {
        if (closed) return;
        CloseCause cause = CloseCause.ERROR;
        if (e instanceof ErrnoException ee && (ee.errno() == Errno.ECONNRESET || ee.errno() == Errno.EPIPE)) {
            cause = CloseCause.RESET;
        }
        closeNow(cause, e);
    }

    /** Releases the connection's resources and tells the handler, once. */
    void closeNow(CloseCause cause, IOException error) {
        if (closed) return;
        closed = true;
        if (idleTimer != null) idleTimer.cancel();
        if (readTimer != null) readTimer.cancel();
        release();
        try {
            handler.onClose(this, cause, error);
        } catch (Throwable t) {
            loop.failures.report("onClose threw", t);
        }
    }

    /** Backend part of {@link #closeNow}: deregister, free queued data, close the fd. */
    abstract void release();

    /** Sets the peer address when it is known without a system call. */
    void remote(InetSocketAddress address) {
        this.remote = address;
    }

    abstract InetSocketAddress queryRemote() throws IOException;

    @Override
    public InetSocketAddress remoteAddress() {
        if (remote == null) {
            try {
                remote = queryRemote();
            } catch (IOException e) {
                return null;
            }
        }
        return remote;
    }

    @Override
    public boolean isOpen() {
        return !closed;
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
