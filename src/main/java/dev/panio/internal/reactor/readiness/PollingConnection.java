package dev.panio.internal.reactor.readiness;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.internal.reactor.ChunkPool;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Lifecycle;
import dev.panio.internal.reactor.OwnedStream;
import dev.panio.internal.reactor.UnixMessages;
import dev.panio.internal.reactor.QueuedConnection;
import dev.panio.internal.reactor.WriteQueue;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A connection on a readiness backend: reads when the poller says readable, writes
 * straight through while the socket takes the bytes and queues the rest, asking for
 * write readiness only while something is queued (level-triggered) or keeping both
 * directions armed (edge-triggered, signal-driven). Loop thread only, but for the
 * {@link Connection} methods, which hand over.
 */
final class PollingConnection extends QueuedConnection implements PollingDriver.Handle {
    private final PollingDriver driver;
    /** The loop thread's call state (this connection's calls are all made there). */
    private final dev.panio.internal.sys.CallState calls;
    private final boolean edge;
    /**
     * Edge-triggered on epoll: a short stream read ends the drain ({@link Poller#shortReadDrains});
     * cleared for good once an event reports the peer's shutdown or an error, whose end of
     * stream or error must be read out with no event to come for it, or urgent data, which
     * cuts reads short at its mark.
     */
    private boolean shortReadDrains;
    private long token;
    private int interest;
    /**
     * Level-triggered: out of the poller after a hang-up found while reading is suspended
     * (epoll and poll report a hang-up on every wait whatever the interest, so the loop would
     * spin); back in when reading resumes, to read what is left and the end of the stream.
     */
    private boolean unwatched;
    /** Queued on the driver's read-again list (edge-triggered: budget used up, or resumed). */
    boolean readPending;

    PollingConnection(PollingDriver driver, Socket socket, ConnectionHandler handler, SocketOptionSet options) {
        super(driver.loop, socket, driver.chunks, handler, options);
        this.driver = driver;
        this.calls = driver.loop.calls();
        this.edge = driver.poller.edgeTriggered();
        this.shortReadDrains = driver.poller.shortReadDrains();
    }

    /** Registers with the poller; on failure the connection ends (onClose with the error) and false is returned. */
    private boolean register(int initialInterest) {
        // Edge-triggered: arm both directions once and never modify.
        interest = edge ? Poller.READ | Poller.WRITE : initialInterest;
        try {
            token = driver.register(socket.fd(), interest, this);
            return true;
        } catch (ErrnoException e) {
            failed(e);
            return false;
        }
    }

    /** An accepted connection: registers and opens (onOpen). */
    void start() {
        if (register(Poller.READ)) opened();
    }

    /** An outbound connection: registers, connects, and completes {@code result} (see {@link #connected()}). */
    void connect(SocketAddress address, long timeoutMillis, CompletableFuture<Connection> result) {
        connecting(result, timeoutMillis);
        if (!register(Poller.WRITE)) return;
        try {
            if (socket.connect(address)) finishConnect();
        } catch (ErrnoException e) {
            connectFailed(e);
        } catch (RuntimeException e) {
            connectFailed(new java.io.IOException("connect to " + address + " failed", e));
        }
    }

    @Override
    public void ready(int events) {
        if ((events & (Poller.PEER_SHUT | Poller.URGENT | Poller.ERROR)) != 0) shortReadDrains = false;
        if (isConnecting()) {
            if ((events & (Poller.WRITE | Poller.ERROR)) != 0) finishConnect();
            return;
        }
        if ((events & (Poller.READ | Poller.ERROR)) != 0 && Lifecycle.reading(state()) && !readPending) readSome();
        if (isClosed()) return;
        if ((events & Poller.WRITE) != 0 && !queue.isEmpty()) flush(true);
        if ((events & Poller.ERROR) != 0 && !isClosed() && !Lifecycle.reading(state())) {
            // nothing will read the error out: ask the socket for it
            try {
                socket.checkError();
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            // No error: a hang-up, both directions shut, reported again on every wait
            if (!edge && (events & Poller.WRITE) == 0) {
                // A Unix peer's SHUT_RDWR shuts this side's output too, with no write space
                // reported: the queued bytes would wait forever. The write fails (EPIPE) now.
                if (!queue.isEmpty()) flush(true);
                if (!isClosed() && queue.isEmpty()) unwatch();
            }
        }
    }

    private void unwatch() {
        try {
            driver.poller.remove(socket.fd());
            unwatched = true;
        } catch (ErrnoException e) {
            failed(e);
        }
    }

    private void finishConnect() {
        try {
            socket.finishConnect();
            // No error yet is not connected yet: a poller may report readiness that is not the
            // connect's (the signal poller reports a new fd once at once). The peer's address
            // exists only once the handshake is done.
            remote(socket.remoteAddress());
        } catch (ErrnoException e) {
            if (e.errno() == dev.panio.io.Errno.ENOTCONN) return; // still connecting: its own event follows
            connectFailed(e);
            return;
        }
        setInterest(Poller.READ);
        connected();
    }

    /** Reads until the kernel has nothing more (edge) or once (level), within the read budget. */
    void readSome() {
        // suspended since it was queued to read again; and bytes held back come before any new ones
        if (!Lifecycle.reading(state()) || !deliverHeldMessageBytes()) return;
        MemorySegment buf = driver.readBuffer;
        long budget = loop.options.readBudgetBytes();
        for (;;) {
            long n;
            try {
                n = unix ? socket.receiveFrom(buf, loop.messageInfo()) : OwnedStream.read(calls, socket, buf);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            if (unix && n >= 0) {
                if (!receivedMessage(loop.messageInfo(), buf.byteSize())) return;
                deliveredAfterMessage(buf.asSlice(0, n)); // none for descriptors in an empty seqpacket message
                if (!Lifecycle.reading(state())) return;
                budget -= n;
                if (!edge) return;
                if (budget <= 0) {
                    readAgainLater();
                    return;
                }
                continue;
            }
            if (n > 0) {
                delivered(buf.asSlice(0, n));
                if (!Lifecycle.reading(state())) return;
                budget -= n;
                if (!edge) return; // level-triggered: the poller reports it again if more is there
                if (shortReadDrains && n < buf.byteSize()) return; // the queue was empty: a new arrival is a new edge
                if (budget <= 0) {
                    // Edge-triggered must drain to EAGAIN, but not now: others get their turn first.
                    readAgainLater();
                    return;
                }
            } else if (n == FileDescriptor.WOULD_BLOCK) {
                return;
            } else { // EOF
                inputEnded();
                updateInterest();
                return;
            }
        }
    }

    private void readAgainLater() {
        if (readPending) return;
        readPending = true;
        driver.readAgain.addLast(this);
    }

    @Override
    protected boolean writeOnLoop(MemorySegment data, long offset, long length) {
        long off = 0;
        if (queue.isEmpty()) {
            try {
                long n = OwnedStream.send(calls, socket, data, offset, length);
                if (n > 0) {
                    off = n;
                    wrote(n);
                }
            } catch (ErrnoException e) {
                failed(e);
                return false;
            }
            if (off == length) return writableFlag();
        }
        if (!admit(length - off)) return false;
        boolean wasEmpty = queue.isEmpty();
        queue.append(data, offset + off, length - off);
        checkHighWatermark();
        if (wasEmpty && off > 0) {
            // The direct write was cut short without EAGAIN (heap memory goes through a
            // 64 KiB staging buffer): keep writing until the kernel says EAGAIN, or an
            // edge-triggered or signal-driven backend would never hear that space freed up.
            flush(false);
        } else {
            updateInterest();
        }
        return writableFlag() && !isClosed();
    }

    @Override
    protected boolean messageOnLoop(MemorySegment data, long offset, long length, FileDescriptor[] fds) {
        if (!queueMessage(data, offset, length, fds)) return false;
        flush(false); // straight out if nothing waits before it; else it keeps its place
        return writableFlag() && !isClosed();
    }

    @Override
    protected boolean sendFileOnLoop(FileDescriptor file, long position, long count) {
        if (queue.isEmpty()) {
            // Straight to the kernel until done or EAGAIN (edge-triggered backends need the EAGAIN).
            while (count > 0) {
                long n;
                try {
                    n = socket.sendFile(file, position, count);
                } catch (ErrnoException e) {
                    Fds.closeQuietly(file);
                    failed(e);
                    return false;
                }
                if (n == FileDescriptor.WOULD_BLOCK) break;
                if (n == 0) {
                    Fds.closeQuietly(file);
                    fileEnded(position, count);
                    return false;
                }
                wrote(n);
                position += n;
                count -= n;
            }
            if (count == 0) {
                Fds.closeQuietly(file);
                return writableFlag();
            }
        }
        queue.appendFile(file, position, count);
        checkHighWatermark();
        updateInterest();
        return writableFlag() && !isClosed();
    }

    /** Writes queued bytes and files until EAGAIN; {@code notify}: may call onWritable (not from inside write). */
    private void flush(boolean notify) {
        while (!queue.isEmpty()) {
            WriteQueue.FileRegion f = queue.headFile();
            WriteQueue.Message m = f == null ? queue.headMessage() : null;
            long n;
            try {
                if (f != null) {
                    n = socket.sendFile(f.file, f.position, f.remaining);
                } else if (m != null) {
                    n = UnixMessages.send(socket, m);
                } else {
                    ChunkPool.Chunk c = queue.headChunk();
                    n = OwnedStream.send(calls, socket, c.segment, c.start, c.end - c.start);
                }
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            if (n == FileDescriptor.WOULD_BLOCK) break;
            if (n == 0 && f != null) {
                fileEnded(f.position, f.remaining);
                return;
            }
            wrote(n);
            queue.consume(n);
        }
        if (queue.isEmpty()) afterDrained();
        updateInterest();
        maybeWritable(notify); // from inside write() the caller sees the return value instead
    }

    @Override
    protected boolean drained() {
        return queue.isEmpty();
    }

    @Override
    protected void readingChanged() {
        updateInterest();
        // Edge-triggered: data that arrived while suspended raised no new edge. Bytes held back
        // while suspended go out in the driver's read-again pass, not inside resumeReading.
        if (Lifecycle.reading(state()) && (edge || holdsMessageBytes())) readAgainLater();
    }

    private void updateInterest() {
        if (edge || isClosed()) return;
        int want = 0;
        if (Lifecycle.reading(state())) want |= Poller.READ;
        if (!queue.isEmpty()) want |= Poller.WRITE;
        if (unwatched) {
            if (want == 0) return; // still nothing to do but wait for a resume
            try {
                driver.poller.add(socket.fd(), token, want);
                unwatched = false;
                interest = want;
            } catch (ErrnoException e) {
                failed(e);
            }
            return;
        }
        setInterest(want);
    }

    private void setInterest(int want) {
        if (edge || want == interest) return;
        try {
            driver.poller.modify(socket.fd(), token, want);
            interest = want;
        } catch (ErrnoException e) {
            failed(e);
        }
    }

    @Override
    protected void release() {
        queue.clear();
        try {
            if (!unwatched) driver.poller.remove(socket.fd());
        } catch (ErrnoException ignored) {
            // the fd is about to be closed, which removes it from epoll anyway
        }
        driver.release(token);
        Fds.closeQuietly(socket.fd());
        driver.connectionClosed();
    }

    @Override
    public String toString() {
        return "Connection[" + socket + ", " + Lifecycle.describe(state()) + ", queued " + queue.bytes() + "]";
    }
}
