package dev.panio.internal.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.ConnectionHandler;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * The part of an event-driven connection that does not depend on how bytes reach the
 * kernel: the write queue and its watermarks, and the {@link Lifecycle} calls
 * ({@code shutdownOutput}, {@code close}, {@code abort}, read suspension) written once for
 * both event-driven models. The readiness model writes the queue when the socket is
 * writable, the completion model with SEND operations; each says when its queue is
 * {@link #drained()} and what to do when reading is switched on or off.
 *
 * <p>Threads: every public method may be called from any thread; off the loop thread it is
 * handed to the loop (writes with a copy of the data). Everything else runs on the loop thread.
 */
public abstract class QueuedConnection extends BaseConnection {
    protected final Socket socket;
    protected final WriteQueue queue;
    /** A Unix seqpacket connection: every write is a message of its own. */
    protected final boolean seqpacket;
    /** A Unix connection: read with recvmsg, so that passed descriptors are not lost. */
    protected final boolean unix;
    /** Written on the loop thread; read from others by write() and isWritable(). */
    private volatile boolean writable = true;

    protected QueuedConnection(Loop loop, Socket socket, ChunkPool chunks, ConnectionHandler handler,
            dev.panio.reactor.SocketOptionSet options) {
        super(loop, handler, options, true);
        this.socket = socket;
        this.queue = new WriteQueue(chunks);
        this.unix = socket.family() == Socket.Family.UNIX;
        this.seqpacket = socket.type() == Socket.Type.SEQPACKET;
        configure(socket);
    }

    @Override
    public final boolean write(MemorySegment data, long offset, long length) {
        Objects.checkFromIndexSize(offset, length, data.byteSize());
        if (!loop.inEventLoop()) {
            if (!Lifecycle.acceptsWrites(state())) return false;
            MemorySegment copy = copyOf(data.asSlice(offset, length));
            if (!loop.offer(() -> write(copy))) return false; // the loop has ended: the connection is gone
            return writable;
        }
        if (!Lifecycle.acceptsWrites(state())) return false;
        if (length == 0) return writable; // on seqpacket too: an empty message would read as the end
        boolean wasDrained = drained();
        return waitingSince(wasDrained, seqpacket ? messageOnLoop(data, offset, length, null) : writeOnLoop(data, offset, length));
    }

    /**
     * After a write on the loop thread: if it left bytes waiting where none were, the wait (for
     * the write timeout) begins now. On io_uring that is a write that finds nothing queued or
     * in flight: its SEND is submitted at the end of the turn.
     */
    private boolean waitingSince(boolean wasDrained, boolean result) {
        if (wasDrained && !drained()) writeBeganWaiting();
        return result;
    }

    /** Writes or queues {@code data[offset, offset + length)} on the loop thread; the return value of {@link #write}. */
    protected abstract boolean writeOnLoop(MemorySegment data, long offset, long length);

    @Override
    public final boolean writeWithFds(MemorySegment data, FileDescriptor... fds) throws ErrnoException {
        if (data.byteSize() == 0 && fds.length == 0) return write(data); // nothing at all: no (end-like) empty message
        FileDescriptor[] dups = UnixMessages.duplicate(socket, data, fds);
        if (!loop.inEventLoop()) {
            if (!Lifecycle.acceptsWrites(state())) {
                UnixMessages.closeAll(dups);
                return false;
            }
            MemorySegment copy = copyOf(data);
            if (!loop.offer(() -> messageWritten(copy, 0, copy.byteSize(), dups))) {
                UnixMessages.closeAll(dups); // the loop has ended: the connection is gone
                return false;
            }
            return writable;
        }
        return messageWritten(data, 0, data.byteSize(), dups);
    }

    /** A {@code writeWithFds} on the loop thread; owns {@code fds}. */
    private boolean messageWritten(MemorySegment data, long offset, long length, FileDescriptor[] fds) {
        if (!Lifecycle.acceptsWrites(state())) {
            UnixMessages.closeAll(fds);
            return false;
        }
        boolean wasDrained = drained();
        return waitingSince(wasDrained, messageOnLoop(data, offset, length, fds));
    }

    /**
     * Sends or queues {@code data[offset, offset + length)} as one message of its own, with
     * {@code fds} (owned from now on; null for none), on the loop thread: every write on a
     * seqpacket connection, and every {@code writeWithFds}. The return value of {@link #write}.
     */
    protected abstract boolean messageOnLoop(MemorySegment data, long offset, long length, FileDescriptor[] fds);

    @Override
    public final boolean sendFile(FileDescriptor file, long position, long count) {
        checkFileRange(file, position, count);
        if (seqpacket) throw UnixMessages.refuseSendFile(socket, file);
        if (!loop.inEventLoop()) {
            if (!Lifecycle.acceptsWrites(state()) || !loop.offer(() -> sendFile(file, position, count))) {
                Fds.closeQuietly(file); // handed over to a connection that is gone
                return false;
            }
            return writable;
        }
        if (!Lifecycle.acceptsWrites(state())) {
            Fds.closeQuietly(file);
            return false;
        }
        if (count == 0) {
            Fds.closeQuietly(file);
            return writable;
        }
        boolean wasDrained = drained();
        return waitingSince(wasDrained, sendFileOnLoop(file, position, count));
    }

    /** Sends or queues a file region on the loop thread; the return value of {@link #sendFile}. */
    protected abstract boolean sendFileOnLoop(FileDescriptor file, long position, long count);

    /** Whether nothing written is left to hand to the kernel (queue empty, nothing in flight). */
    protected abstract boolean drained();

    /** Reading was switched on or off ({@link Lifecycle#reading}): arm or disarm it. */
    protected abstract void readingChanged();

    @Override
    protected final boolean writeWaiting() {
        return !drained();
    }

    // ---- the lifecycle calls, for both event-driven models ---------------------------------

    @Override
    public final void shutdownOutput() {
        if (!onLoop(this::shutdownOutput)) return;
        if (apply(Lifecycle.Event.SHUTDOWN_OUTPUT) && drained()) afterDrained();
    }

    @Override
    public final void close() {
        if (!onLoop(this::close)) return;
        if (has(Lifecycle.CONNECTING)) {
            closeNow(CloseCause.LOCAL, null); // nothing can have been written yet
            return;
        }
        if (apply(Lifecycle.Event.CLOSE) && drained()) afterDrained();
    }

    @Override
    public final void abort() {
        if (!onLoop(this::abort)) return;
        closeNow(CloseCause.LOCAL, null);
    }

    @Override
    public final void suspendReading() {
        if (!onLoop(this::suspendReading)) return;
        if (apply(Lifecycle.Event.SUSPEND_READ)) readingChanged();
    }

    @Override
    public final void resumeReading() {
        if (!onLoop(this::resumeReading)) return;
        if (apply(Lifecycle.Event.RESUME_READ)) readingChanged();
    }

    /** The queue has drained: carry out a requested half-close or close. */
    protected final void afterDrained() {
        if (has(Lifecycle.OUTPUT_SHUTTING)) {
            try {
                socket.shutdownOutput();
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            apply(Lifecycle.Event.OUTPUT_DONE);
        }
        int s = state();
        if ((s & Lifecycle.CLOSING) != 0) {
            closeNow((s & Lifecycle.INPUT_CLOSED) != 0 ? CloseCause.PEER_CLOSED : CloseCause.LOCAL, null);
        } else if (Lifecycle.bothDone(s)) {
            closeNow(CloseCause.PEER_CLOSED, null);
        }
    }

    // ---- the queue ------------------------------------------------------------------------

    /** A queued file that ended before its promised bytes: the response cannot be completed. */
    protected final void fileEnded(long position, long remaining) {
        failed(fileEndedEarly(position, remaining));
    }

    /** After appending to the queue: not writable any more past the high watermark. */
    protected final void checkHighWatermark() {
        if (queue.bytes() > loop.options.highWatermark()) writable = false;
    }

    /**
     * Queues a message (see {@link #messageOnLoop}) if the queue's limit allows; if not, the
     * connection is closed, with {@code fds}. Then the caller sends from the queue.
     */
    protected final boolean queueMessage(MemorySegment data, long offset, long length, FileDescriptor[] fds) {
        if (!admit(length)) {
            UnixMessages.closeAll(fds);
            return false;
        }
        queue.appendMessage(data, offset, length, fds);
        checkHighWatermark();
        return true;
    }

    /** Whether a write of {@code more} bytes may be queued; if not, the connection is closed. */
    protected final boolean admit(long more) {
        if (queue.memoryBytes() + more <= loop.options.maxQueuedBytes()) return true;
        failed(new IOException("write queue over its limit of " + loop.options.maxQueuedBytes()
                + " bytes: the peer is not reading and the handler ignored isWritable()"));
        return false;
    }

    /** Records {@code n} bytes taken by the kernel. */
    protected final void wrote(long n) {
        loop.writes++;
        loop.bytesWritten += n;
        wroteSeen();
    }

    /** After queued bytes went out: writable again under the low watermark, telling the handler if {@code notify}. */
    protected final void maybeWritable(boolean notify) {
        if (isClosed() || writable || queue.bytes() > loop.options.lowWatermark()) return;
        writable = true;
        if (!notify) return;
        try {
            handler.onWritable(this);
        } catch (Throwable t) {
            handlerFailed("onWritable", t);
        }
    }

    /** Whether the write queue is under the high watermark (any thread). */
    protected final boolean writableFlag() {
        return writable;
    }

    @Override
    public boolean isWritable() {
        return writable && !isClosed();
    }

    @Override
    public long queuedBytes() {
        return queue.bytes();
    }

    @Override
    protected final int fdForMessages() {
        return socket.fd().intValue();
    }

    @Override
    protected final Socket socket() {
        return socket;
    }
}
