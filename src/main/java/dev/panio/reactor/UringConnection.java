package dev.panio.reactor;

import dev.panio.internal.io.Results;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.uring.IoUring;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;

/**
 * A connection on the io_uring backend: one multishot RECV armed while reading, at most one
 * SEND or SPLICE in flight (of the write queue's head, which stays untouched until it
 * completes), and the fd closed only when nothing is outstanding. Files go file to pipe to
 * socket with two SPLICEs per pipeful, through a pipe made on the first file sent.
 */
final class UringConnection extends QueuedConnection {
    private final UringDriver driver;
    private final int fd;
    private final long token;
    private boolean recvArmed;
    private int recvBufferId;    // the own buffer of the RECV in flight, when the driver has no buffer ring
    private int inFlight;        // the kind (SEND, SPLICE_IN, SPLICE_OUT) of the write operation outstanding, 0 for none
    private Pipe splicePipe;
    private int pipeBytes;       // file bytes spliced into the pipe, not yet into the socket
    private static final int PIPE_CHUNK = 64 * 1024; // the default pipe capacity
    private boolean readSuspended;
    private boolean released;
    private CompletableFuture<Connection> connecting;
    private ScheduledTask connectTimer;
    // Receive completions held back for fairness: (buffer id << 32 | length), oldest first.
    private final java.util.ArrayDeque<Long> held = new java.util.ArrayDeque<>();
    private int heldEnd = 1;          // a held end of stream (0) or error (< 0); 1 for none
    private boolean pausedForBacklog;
    private long turnSeen;
    private long turnBytes;

    UringConnection(UringDriver driver, Socket socket, ConnectionHandler handler) {
        super(driver.loop, socket, driver.chunks, handler);
        this.driver = driver;
        this.fd = socket.fd().intValue();
        this.token = driver.owners.add(this);
    }

    void start() {
        armRecv();
        opened();
    }

    private void armRecv() {
        if (recvArmed || readSuspended || pausedForBacklog || inputClosed || closed) return;
        if (driver.ownBuffers) {
            // No buffer ring on this kernel: one single-shot RECV into a buffer of the driver's.
            int id = driver.takeOwnBuffer(this);
            if (id < 0) return; // all out: bufferAvailable() re-arms
            recvBufferId = id;
            recvArmed = true;
            driver.sqe().recv(fd, driver.recvBuffer(id), 0).userData(UringDriver.userData(token, UringDriver.RECV));
            return;
        }
        recvArmed = true;
        driver.sqe().recvSelect(fd, driver.buffers.group(), driver.multishotRecv()).userData(UringDriver.userData(token, UringDriver.RECV));
    }

    /** An own receive buffer came back after this connection found none. */
    void bufferAvailable() {
        armRecv();
    }

    void connect(InetSocketAddress address, long timeoutMillis, CompletableFuture<Connection> result) {
        connecting = result;
        driver.sqe().connect(fd, address, socket.family() == Socket.Family.INET6)
                .userData(UringDriver.userData(token, UringDriver.CONNECT));
        if (timeoutMillis > 0) {
            connectTimer = loop.scheduleOnLoop(() -> {
                if (connecting != null) {
                    driver.cancel(token, UringDriver.CONNECT);
                }
            }, timeoutMillis * 1_000_000L);
        }
    }

    void completed(int kind, int res, int flags) {
        switch (kind) {
            case UringDriver.RECV -> received(res, flags);
            case UringDriver.SEND -> sent(res);
            case UringDriver.SPLICE_IN -> splicedIn(res);
            case UringDriver.SPLICE_OUT -> splicedOut(res);
            case UringDriver.SPLICE_WAIT -> writeSpace(res);
            case UringDriver.CONNECT -> connected(res);
            default -> { }
        }
    }

    private void connected(int res) {
        CompletableFuture<Connection> f = connecting;
        connecting = null;
        if (connectTimer != null) connectTimer.cancel();
        if (res < 0) {
            Errno e = res == -Errno.ECANCELED.code() ? Errno.ETIMEDOUT : Errno.of(-res);
            ErrnoException ex = new ErrnoException("connect", fd, e);
            closeNow(e == Errno.ETIMEDOUT ? CloseCause.TIMEOUT : CloseCause.ERROR, ex);
            f.completeExceptionally(ex);
            return;
        }
        start();
        f.complete(this);
    }

    private void received(int res, int flags) {
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) recvArmed = false;
        if (driver.ownBuffers && res <= 0) driver.recycleRecv(recvBufferId); // the buffer came back empty
        if (res > 0) {
            int id = driver.ownBuffers ? recvBufferId : IoUring.bufferId(flags);
            if (closed) {
                driver.recycleRecv(id);
            } else if (!held.isEmpty() || overBudget()) {
                hold(((long) id << 32) | res);
            } else {
                deliver(id, res);
            }
        } else if (res != -Errno.ENOBUFS.code() && res != -Errno.ECANCELED.code()) {
            if (held.isEmpty()) ended(res);
            else heldEnd = res; // after the held data
        }
        // ENOBUFS: every buffer was out in this batch; they come back as data is delivered.
        if (!more) {
            if (closed) maybeRelease();
            else armRecv();
        }
    }

    /**
     * Per-turn read budget, as for edge-triggered epoll: a multishot receive keeps filling
     * buffers for a flooding peer, and delivering all of them in one turn would starve the
     * connections whose completions come later in the queue.
     */
    private boolean overBudget() {
        if (turnSeen != driver.turn) {
            turnSeen = driver.turn;
            turnBytes = 0;
        }
        return turnBytes >= loop.options.readBudgetBytes();
    }

    private void hold(long entry) {
        if (held.isEmpty()) driver.deferred.addLast(this);
        held.addLast(entry);
        if (held.size() >= 8 && recvArmed && !pausedForBacklog) {
            // Stop the kernel from handing this connection every provided buffer.
            pausedForBacklog = true;
            driver.cancel(token, UringDriver.RECV);
        }
    }

    /** Delivers held data within this turn's budget; true if some is still held. */
    boolean deliverHeld() {
        while (!held.isEmpty() && !closed) {
            if (overBudget()) return true;
            long e = held.pollFirst();
            deliver((int) (e >>> 32), (int) e);
        }
        if (closed) {
            releaseHeld();
            return false;
        }
        if (heldEnd != 1) {
            int end = heldEnd;
            heldEnd = 1;
            ended(end);
        }
        if (pausedForBacklog && !closed) {
            pausedForBacklog = false;
            armRecv();
        }
        return false;
    }

    private void deliver(int id, int len) {
        turnBytes += len;
        try {
            delivered(driver.recvBuffer(id).asSlice(0, len));
        } finally {
            driver.recycleRecv(id);
        }
    }

    private void ended(int res) {
        if (res == 0) {
            inputEnded();
        } else {
            failed(Results.failure("recv", null, fd, res));
        }
    }

    private void releaseHeld() {
        Long e;
        while ((e = held.pollFirst()) != null) driver.recycleRecv((int) (e >>> 32));
    }

    @Override
    boolean writeOnLoop(MemorySegment data, long offset, long length) {
        if (!admit(length)) return false;
        queue.append(data, offset, length);
        checkHighWatermark();
        sendHead();
        return writable;
    }

    @Override
    boolean sendFileOnLoop(FileDescriptor file, long position, long count) {
        queue.appendFile(file, position, count);
        checkHighWatermark();
        sendHead();
        return writable && !closed;
    }

    /** Starts the next SEND or SPLICE if none is in flight: pipe contents first, then the queue's head. */
    private void sendHead() {
        if (inFlight != 0 || closed || (queue.isEmpty() && pipeBytes == 0)) return;
        if (pipeBytes > 0) {
            start(UringDriver.SPLICE_OUT).splice(splicePipe.source().intValue(), -1, fd, -1, pipeBytes)
                    .userData(UringDriver.userData(token, UringDriver.SPLICE_OUT));
            return;
        }
        WriteQueue.FileRegion f = queue.headFile();
        if (f == null) {
            ChunkPool.Chunk c = queue.headChunk();
            start(UringDriver.SEND).send(fd, c.segment, c.start, c.end - c.start, 0)
                    .userData(UringDriver.userData(token, UringDriver.SEND));
            return;
        }
        if (splicePipe == null) {
            try {
                splicePipe = Pipe.open(false);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
        }
        start(UringDriver.SPLICE_IN).splice(f.file.intValue(), f.position, splicePipe.sink().intValue(), -1,
                (int) Math.min(f.remaining, PIPE_CHUNK)).userData(UringDriver.userData(token, UringDriver.SPLICE_IN));
    }

    private dev.panio.uring.Sqe start(int kind) {
        inFlight = kind;
        return driver.sqe();
    }

    private void splicedIn(int res) {
        inFlight = 0;
        if (closed) {
            released();
            return;
        }
        WriteQueue.FileRegion f = queue.headFile();
        if (res < 0) {
            failed(Results.failure("splice", null, f.file.intValue(), res));
            return;
        }
        if (res == 0) {
            fileEnded(f.position, f.remaining);
            return;
        }
        pipeBytes = res;
        queue.consume(res); // out of the file (closed once fully read); now counted in pipeBytes
        sendHead();
    }

    private void splicedOut(int res) {
        inFlight = 0;
        if (closed) {
            released();
            return;
        }
        if (Results.wouldBlock(res)) {
            // The socket's buffer is full (a slow reader): the splice runs in a worker that
            // cannot wait for it, so wait for write space with a POLL_ADD, then splice again.
            start(UringDriver.SPLICE_WAIT).pollAdd(fd, Poll.POLLOUT, false)
                    .userData(UringDriver.userData(token, UringDriver.SPLICE_WAIT));
            return;
        }
        if (res <= 0) {
            failed(res == 0 ? new IOException("splice to the socket moved nothing") : Results.failure("splice", null, fd, res));
            return;
        }
        pipeBytes -= res;
        wrote(res);
        if (!queue.isEmpty() || pipeBytes > 0) sendHead();
        else afterDrained();
        maybeWritable(true);
    }

    /** The socket has write space again after a splice found it full: carry on with the pipe. */
    private void writeSpace(int res) {
        inFlight = 0;
        if (closed) {
            released();
            return;
        }
        if (res < 0) {
            failed(Results.failure("poll", "POLLOUT", fd, res));
            return;
        }
        sendHead();
    }

    /** The operation in flight at close has completed: its buffers and files can go. */
    private void released() {
        queue.clear();
        maybeRelease();
    }

    private void sent(int res) {
        inFlight = 0;
        if (closed) {
            released();
            return;
        }
        if (res < 0) {
            failed(Results.failure("send", null, fd, res));
            return;
        }
        wrote(res);
        queue.consume(res);
        if (!queue.isEmpty()) {
            sendHead();
        } else {
            afterDrained();
        }
        maybeWritable(true);
    }

    @Override
    public void shutdownOutput() {
        if (!onLoop(this::shutdownOutput) || closed) return;
        shutdownRequested = true;
        if (drained()) afterDrained();
    }

    @Override
    public void close() {
        if (!onLoop(this::close) || closed) return;
        closeRequested = true;
        if (drained()) afterDrained();
    }

    private boolean drained() {
        return queue.isEmpty() && pipeBytes == 0 && inFlight == 0;
    }

    @Override
    public long queuedBytes() {
        return queue.bytes() + pipeBytes;
    }

    @Override
    public void abort() {
        if (!onLoop(this::abort)) return;
        closeNow(CloseCause.LOCAL, null);
    }

    @Override
    public void suspendReading() {
        if (!onLoop(this::suspendReading) || closed || readSuspended) return;
        readSuspended = true;
        if (recvArmed) {
            driver.cancel(token, UringDriver.RECV);
        }
    }

    @Override
    public void resumeReading() {
        if (!onLoop(this::resumeReading) || closed) return;
        readSuspended = false;
        armRecv();
    }

    @Override
    void release() {
        if (recvArmed) {
            driver.cancel(token, UringDriver.RECV);
        }
        if (connecting != null) {
            driver.cancel(token, UringDriver.CONNECT);
        }
        releaseHeld();
        if (inFlight != 0) {
            // The kernel may still read the head chunk or file: keep both until the
            // operation completes (cancelled now; a blocked splice would otherwise wait
            // for a peer that may never read).
            driver.cancel(token, inFlight);
        } else {
            queue.clear();
        }
        driver.connectionClosed();
        maybeRelease();
    }

    /** Closes the fd once no operation on it is outstanding. */
    private void maybeRelease() {
        if (released || recvArmed || inFlight != 0 || connecting != null) return;
        released = true;
        driver.owners.remove(token);
        PollingDriver.closeQuietly(socket.fd());
        if (splicePipe != null) {
            try {
                splicePipe.close();
            } catch (ErrnoException ignored) {
                // nothing was pending in it any more
            }
        }
    }
}
