package dev.panio.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import java.io.IOException;

/**
 * The part of an event-driven connection that does not depend on how bytes reach the
 * kernel: the write queue and its watermarks, end of input, half-close and graceful close
 * once the queue is drained. {@link PollingConnection} writes the queue on readiness,
 * {@link UringConnection} with SEND completions.
 */
abstract class QueuedConnection extends BaseConnection {
    final Socket socket;
    final WriteQueue queue;
    /** Written on the loop thread; read from others by write() and isWritable(). */
    volatile boolean writable = true;
    boolean inputClosed;
    boolean shutdownRequested;
    boolean outputShut;
    boolean closeRequested;

    QueuedConnection(EventLoop loop, Socket socket, ChunkPool chunks, ConnectionHandler handler) {
        super(loop, handler);
        this.socket = socket;
        this.queue = new WriteQueue(chunks);
        configure(socket);
    }

    /**
     * Hands a call made off the loop thread to the loop (with a copy of the data), refuses
     * writes after close or shutdown, and leaves the rest to {@link #writeOnLoop}.
     */
    @Override
    public final boolean write(java.lang.foreign.MemorySegment data, long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.byteSize());
        if (!loop.inEventLoop()) {
            if (closed) return false;
            java.lang.foreign.MemorySegment copy = copyOf(data.asSlice(offset, length));
            if (!loop.offer(() -> write(copy))) return false; // the loop has ended: the connection is gone
            return writable;
        }
        if (closed || shutdownRequested || closeRequested) return false;
        return writeOnLoop(data, offset, length);
    }

    /** Writes or queues {@code data[offset, offset + length)} on the loop thread; the return value of {@link #write}. */
    abstract boolean writeOnLoop(java.lang.foreign.MemorySegment data, long offset, long length);

    @Override
    public final boolean sendFile(FileDescriptor file, long position, long count) {
        checkFileRange(file, position, count);
        if (!loop.inEventLoop()) {
            if (closed || !loop.offer(() -> sendFile(file, position, count))) {
                PollingDriver.closeQuietly(file); // handed over to a connection that is gone
                return false;
            }
            return writable;
        }
        if (closed || shutdownRequested || closeRequested) {
            PollingDriver.closeQuietly(file);
            return false;
        }
        if (count == 0) {
            PollingDriver.closeQuietly(file);
            return writable;
        }
        return sendFileOnLoop(file, position, count);
    }

    /** Sends or queues a file region on the loop thread; the return value of {@link #sendFile}. */
    abstract boolean sendFileOnLoop(FileDescriptor file, long position, long count);

    /** A queued file that ended before its promised bytes: the response cannot be completed. */
    final void fileEnded(long position, long remaining) {
        failed(fileEndedEarly(position, remaining));
    }

    /** After appending to the queue: not writable any more past the high watermark. */
    final void checkHighWatermark() {
        if (queue.bytes() > loop.options.highWatermark()) writable = false;
    }

    /** Whether a write of {@code more} bytes may be queued; if not, the connection is closed. */
    final boolean admit(long more) {
        if (queue.memoryBytes() + more <= loop.options.maxQueuedBytes()) return true;
        failed(new IOException("write queue over its limit of " + loop.options.maxQueuedBytes()
                + " bytes: the peer is not reading and the handler ignored isWritable()"));
        return false;
    }

    /** Records {@code n} bytes taken by the kernel. */
    final void wrote(long n) {
        loop.writes++;
        loop.bytesWritten += n;
        lastActivity = System.nanoTime();
    }

    /** After queued bytes went out: writable again under the low watermark, telling the handler if {@code notify}. */
    final void maybeWritable(boolean notify) {
        if (closed || writable || queue.bytes() > loop.options.lowWatermark()) return;
        writable = true;
        if (!notify) return;
        try {
            handler.onWritable(this);
        } catch (Throwable t) {
            handlerFailed("onWritable", t);
        }
    }

    /** The queue is empty: carry out a requested half-close or close. */
    final void afterDrained() {
        if (shutdownRequested && !outputShut) {
            try {
                socket.shutdownOutput();
                outputShut = true;
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
        }
        if (closeRequested) closeNow(inputClosed ? CloseCause.PEER_CLOSED : CloseCause.LOCAL, null);
        else if (outputShut && inputClosed) closeNow(CloseCause.PEER_CLOSED, null);
    }

    /** The peer ended its output: tell the handler; close if this side is done too. */
    final void inputEnded() {
        inputClosed = true;
        try {
            handler.onInputClosed(this);
        } catch (Throwable t) {
            handlerFailed("onInputClosed", t);
            return;
        }
        if (!closed && outputShut) closeNow(CloseCause.PEER_CLOSED, null);
    }

    @Override
    public boolean isWritable() {
        return writable && !closed;
    }

    @Override
    public long queuedBytes() {
        return queue.bytes();
    }

    @Override
    java.net.InetSocketAddress queryRemote() throws IOException {
        return socket.remoteAddress();
    }
}
