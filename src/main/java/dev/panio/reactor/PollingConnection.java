package dev.panio.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A connection on a readiness backend: reads when the poller says readable, writes
 * straight through while the socket takes the bytes and queues the rest, asking for
 * write readiness only while something is queued (level-triggered) or keeping it armed
 * (edge-triggered).
 */
final class PollingConnection extends QueuedConnection implements PollingDriver.Handle {
    private final PollingDriver driver;
    private final boolean edge;
    private long token;
    private int interest;
    private boolean readSuspended;
    boolean readPending;
    private CompletableFuture<Connection> connecting;
    private ScheduledTask connectTimer;

    PollingConnection(PollingDriver driver, Socket socket, ConnectionHandler handler) {
        super(driver.loop, socket, driver.chunks, handler);
        this.driver = driver;
        this.edge = driver.poller.edgeTriggered();
    }

    /** Registers with the poller; on failure closes the socket and returns false. */
    boolean register(int initialInterest) {
        // Edge-triggered: arm both directions once and never modify.
        interest = edge ? Poller.READ | Poller.WRITE : initialInterest;
        try {
            token = driver.register(socket.fd(), interest, this);
            return true;
        } catch (ErrnoException e) {
            PollingDriver.closeQuietly(socket.fd());
            closed = true;
            return false;
        }
    }

    void awaitConnect(CompletableFuture<Connection> result, long timeoutMillis) {
        connecting = result;
        if (timeoutMillis > 0) {
            connectTimer = loop.scheduleOnLoop(() -> {
                if (connecting != null) {
                    ErrnoException e = new ErrnoException("connect", "timed out after " + timeoutMillis + " ms", socket.fd().intValue(), Errno.ETIMEDOUT);
                    CompletableFuture<Connection> f = connecting;
                    connecting = null;
                    closeNow(CloseCause.TIMEOUT, e);
                    f.completeExceptionally(e);
                }
            }, timeoutMillis * 1_000_000L);
        }
    }

    @Override
    public void ready(int events) {
        if (connecting != null) {
            if ((events & (Poller.WRITE | Poller.ERROR)) != 0) finishConnect();
            return;
        }
        if ((events & (Poller.READ | Poller.ERROR)) != 0 && !readSuspended && !inputClosed && !readPending) readSome();
        if (closed) return;
        if ((events & Poller.WRITE) != 0 && !queue.isEmpty()) flush(true);
        if ((events & Poller.ERROR) != 0 && !closed && (inputClosed || readSuspended)) {
            // nothing will read the error out: ask the socket for it
            try {
                socket.finishConnect();
                if (inputClosed && outputShut) closeNow(CloseCause.PEER_CLOSED, null);
            } catch (ErrnoException e) {
                failed(e);
            }
        }
    }

    private void finishConnect() {
        CompletableFuture<Connection> f = connecting;
        connecting = null;
        if (connectTimer != null) connectTimer.cancel();
        try {
            socket.finishConnect();
            setInterest(Poller.READ);
            opened();
            f.complete(this);
        } catch (ErrnoException e) {
            closeNow(CloseCause.ERROR, e);
            f.completeExceptionally(e);
        }
    }

    /** Reads until the kernel has nothing more (edge) or once (level), within the read budget. */
    void readSome() {
        MemorySegment buf = driver.readBuffer;
        long budget = loop.options.readBudgetBytes();
        for (;;) {
            long n;
            try {
                n = socket.read(buf);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            if (n > 0) {
                delivered(buf.asSlice(0, n));
                if (closed || readSuspended) return;
                budget -= n;
                if (!edge) return; // level-triggered: the poller reports it again if more is there
                if (budget <= 0) {
                    // Edge-triggered must drain to EAGAIN, but not now: others get their turn first.
                    readPending = true;
                    driver.readAgain.addLast(this);
                    return;
                }
            } else if (n == FileDescriptor.WOULD_BLOCK) {
                return;
            } else { // EOF
                inputEnded();
                if (!closed && !edge) updateInterest();
                return;
            }
        }
    }

    @Override
    boolean writeOnLoop(MemorySegment data, long offset, long length) {
        long off = 0;
        if (queue.isEmpty()) {
            try {
                long n = socket.write(data, offset, length);
                if (n > 0) {
                    off = n;
                    wrote(n);
                }
            } catch (ErrnoException e) {
                failed(e);
                return false;
            }
            if (off == length) return writable;
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
        return writable && !closed;
    }

    @Override
    boolean sendFileOnLoop(FileDescriptor file, long position, long count) {
        if (queue.isEmpty()) {
            // Straight to the kernel until done or EAGAIN (edge-triggered backends need the EAGAIN).
            while (count > 0) {
                long n;
                try {
                    n = socket.sendFile(file, position, count);
                } catch (ErrnoException e) {
                    PollingDriver.closeQuietly(file);
                    failed(e);
                    return false;
                }
                if (n == FileDescriptor.WOULD_BLOCK) break;
                if (n == 0) {
                    PollingDriver.closeQuietly(file);
                    fileEnded(position, count);
                    return false;
                }
                wrote(n);
                position += n;
                count -= n;
            }
            if (count == 0) {
                PollingDriver.closeQuietly(file);
                return writable;
            }
        }
        queue.appendFile(file, position, count);
        checkHighWatermark();
        updateInterest();
        return writable && !closed;
    }

    /** Writes queued bytes and files until EAGAIN; {@code notify}: may call onWritable (not from inside write). */
    private void flush(boolean notify) {
        while (!queue.isEmpty()) {
            WriteQueue.FileRegion f = queue.headFile();
            long n;
            try {
                if (f != null) {
                    n = socket.sendFile(f.file, f.position, f.remaining);
                } else {
                    ChunkPool.Chunk c = queue.headChunk();
                    n = socket.write(c.segment, c.start, c.end - c.start);
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
        if (!closed) updateInterest();
        maybeWritable(notify); // from inside write() the caller sees the return value instead
    }

    private void updateInterest() {
        if (edge || closed) return;
        int want = 0;
        if (!readSuspended && !inputClosed) want |= Poller.READ;
        if (!queue.isEmpty()) want |= Poller.WRITE;
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
    public void shutdownOutput() {
        if (!onLoop(this::shutdownOutput) || closed) return;
        shutdownRequested = true;
        if (queue.isEmpty()) afterDrained();
    }

    @Override
    public void close() {
        if (!onLoop(this::close) || closed) return;
        closeRequested = true;
        if (queue.isEmpty()) afterDrained();
    }

    @Override
    public void abort() {
        if (!onLoop(this::abort)) return;
        closeNow(CloseCause.LOCAL, null);
    }

    @Override
    public void suspendReading() {
        if (!onLoop(this::suspendReading) || closed) return;
        readSuspended = true;
        updateInterest();
    }

    @Override
    public void resumeReading() {
        if (!onLoop(this::resumeReading) || closed) return;
        readSuspended = false;
        updateInterest();
        // Edge-triggered: data that arrived while suspended raised no new edge.
        if (edge && !inputClosed && !readPending) {
            readPending = true;
            driver.readAgain.addLast(this);
        }
    }

    @Override
    void release() {
        queue.clear();
        try {
            driver.poller.remove(socket.fd());
        } catch (ErrnoException ignored) {
            // the fd is about to be closed, which removes it from epoll anyway
        }
        driver.release(token);
        PollingDriver.closeQuietly(socket.fd());
        driver.connectionClosed();
    }

    @Override
    public String toString() {
        return "Connection[" + socket + ", queued " + queue.bytes() + "]";
    }
}
