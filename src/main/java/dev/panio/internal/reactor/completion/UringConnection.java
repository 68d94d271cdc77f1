package dev.panio.internal.reactor.completion;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.internal.io.Results;
import dev.panio.internal.reactor.ChunkPool;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Lifecycle;
import dev.panio.internal.reactor.UnixMessages;
import dev.panio.internal.reactor.QueuedConnection;
import dev.panio.internal.reactor.WriteQueue;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.uring.IoUring;
import dev.panio.uring.Sqe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/**
 * A connection on the io_uring backend: one (multishot) RECV armed while reading, at most one
 * SEND or SPLICE in flight (of the write queue's head, which stays untouched until it
 * completes), and the fd closed only when nothing is outstanding. Files go file to pipe to
 * socket with two SPLICEs per pipeful, through a pipe made on the first file sent; a splice
 * into a full socket waits for write space with a POLL_ADD and carries on.
 *
 * <p>Unix connections read differently: a POLL_ADD for input, then non-blocking
 * {@code recvmsg} calls on the loop thread, because a RECV into the buffer ring would drop
 * passed descriptors and could not tell a seqpacket message longer than its buffer. Their
 * messages (seqpacket writes, {@code writeWithFds}) are sent the same way, with
 * {@code sendmsg} and a POLL_ADD for write space on {@code EAGAIN}. Loop thread only, but
 * for the {@link Connection} methods, which hand over.
 */
final class UringConnection extends QueuedConnection {
    private static final int PIPE_CHUNK = 64 * 1024; // the default pipe capacity

    private final UringDriver driver;
    private final int fd;
    private final long token;
    private boolean recvArmed;
    /**
     * The operation armed in the receive's place is an ERROR_WAIT: a POLL_ADD with no events
     * while reading is suspended or the input has ended, which the kernel completes on an
     * error (a reset), so that a reset ends such a connection at once, as epoll reports it.
     * Multishot where the kernel has it: it also completes on the peer's end, which stays set,
     * and then again only when the socket is woken (a reset after the end is still heard).
     */
    private boolean errorWaitArmed;
    /**
     * The ERROR_WAIT ended without an error and may not be armed again before the resume: a
     * single-shot one completed on the peer's end (armed again, it would complete at once),
     * or the poll failed. A reset after that is heard at the resume, or not at all after the end.
     */
    private boolean errorWaitDone;
    private int recvBufferId;    // the own buffer of the RECV in flight, when the driver has no buffer ring
    private int inFlight;        // the kind (SEND, SPLICE_IN, SPLICE_OUT, WRITE_WAIT) of the write operation outstanding, 0 for none
    private boolean sendRetryQueued;
    private Pipe splicePipe;
    private int pipeBytes;       // file bytes spliced into the pipe, not yet into the socket
    private boolean connectInFlight;
    private boolean released;
    // Receive completions held back for fairness: (buffer id << 32 | length), oldest first.
    private final ArrayDeque<Long> held = new ArrayDeque<>();
    private int heldEnd = 1;          // a held end of stream (0) or error (< 0); 1 for none
    private boolean pausedForBacklog;
    private boolean deferredQueued;
    private long turnSeen;
    private long turnBytes;

    UringConnection(UringDriver driver, Socket socket, ConnectionHandler handler, SocketOptionSet options) {
        super(driver.loop, socket, driver.chunks, handler, options);
        this.driver = driver;
        this.fd = socket.fd().intValue();
        this.token = driver.owners.add(this);
    }

    /** An accepted connection: reading starts, the handler hears onOpen. */
    void start() {
        opened();
    }

    private void armRecv() {
        if (recvArmed || pausedForBacklog) return;
        if (!Lifecycle.reading(state())) {
            armErrorWait();
            return;
        }
        if (unix) {
            Sqe s = driver.sqe(this::armRecv);
            if (s == null) return;
            recvArmed = true;
            s.pollAdd(fd, Poll.POLLIN, false).userData(UserData.of(token, UserData.POLL_IN));
            return;
        }
        if (driver.ownBuffers) {
            // No buffer ring on this kernel: one single-shot RECV into a buffer of the driver's.
            int id = driver.takeOwnBuffer(this);
            if (id < 0) return; // all out: bufferAvailable() re-arms
            Sqe s = driver.sqe(this::armRecv);
            if (s == null) {
                driver.untakeOwnBuffer(id);
                return;
            }
            recvBufferId = id;
            recvArmed = true;
            s.recv(fd, driver.recvBuffer(id), 0).userData(UserData.of(token, UserData.RECV));
            return;
        }
        Sqe s = driver.sqe(this::armRecv);
        if (s == null) return;
        recvArmed = true;
        s.recvSelect(fd, driver.buffers.group(), driver.multishotRecv()).userData(UserData.of(token, UserData.RECV));
    }

    /** While reading is suspended: waits for an error or hang-up in the receive's place. */
    private void armErrorWait() {
        if (errorWaitDone || isClosed() || isConnecting()) return;
        Sqe s = driver.sqe(this::armRecv);
        if (s == null) return;
        recvArmed = true;
        errorWaitArmed = true;
        s.pollAdd(fd, 0, driver.multishotPoll()).userData(UserData.of(token, UserData.ERROR_WAIT));
    }

    /** An ERROR_WAIT completed: the socket's error, the peer's end or hang-up, or cancelled by the resume or the close. */
    private void errorWaitCompleted(int res, int flags) {
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) {
            recvArmed = false;
            errorWaitArmed = false;
        }
        if (isClosed()) {
            if (!more) maybeRelease();
            return;
        }
        if (res > 0 && (res & Poll.POLLERR) != 0) {
            try {
                socket.checkError(); // the reset, with its errno
            } catch (ErrnoException e) {
                failed(e); // the close cancels a multishot wait; its last completion releases
                return;
            }
        }
        if (more) return; // still armed: a later wake-up (a reset) completes it again
        // Ended with no error: a single-shot wait on the peer's end, or a failed poll, would
        // complete again at once if armed again, so what happened waits for the resume, read
        // in order after any bytes held. Cancelled (the resume): the receive goes in its place.
        if (res != -Errno.ECANCELED.code() && !Lifecycle.reading(state())) errorWaitDone = true;
        armRecv();
    }

    /** An own receive buffer came back after this connection found none. */
    void bufferAvailable() {
        armRecv();
    }

    void connect(SocketAddress address, long timeoutMillis, CompletableFuture<Connection> result) {
        connecting(result, timeoutMillis);
        submitConnect(address);
    }

    private void submitConnect(SocketAddress address) {
        if (!isConnecting()) return; // timed out or closed while waiting for room
        Sqe s = driver.sqe(() -> submitConnect(address));
        if (s == null) return;
        connectInFlight = true;
        s.connect(fd, address, socket.family() == Socket.Family.INET6).userData(UserData.of(token, UserData.CONNECT));
    }

    void completed(int kind, int res, int flags) {
        switch (kind) {
            case UserData.RECV -> received(res, flags);
            case UserData.POLL_IN -> readable(res);
            case UserData.SEND -> sent(res);
            case UserData.SPLICE_IN -> splicedIn(res);
            case UserData.SPLICE_OUT -> splicedOut(res);
            case UserData.WRITE_WAIT -> writeSpace(res);
            case UserData.CONNECT -> connectDone(res);
            case UserData.ERROR_WAIT -> errorWaitCompleted(res, flags);
            default -> { }
        }
    }

    private void connectDone(int res) {
        connectInFlight = false;
        if (isClosed()) { // ended (timed out, aborted) while the CONNECT was in flight
            maybeRelease();
            return;
        }
        if (res < 0) {
            connectFailed(new ErrnoException("connect", fd, Errno.of(-res)));
            return;
        }
        connected(); // opened() arms the first RECV
    }

    @Override
    protected void opened() {
        armRecv();
        super.opened();
    }

    private void received(int res, int flags) {
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) recvArmed = false;
        if (driver.ownBuffers && res <= 0) driver.recycleRecv(recvBufferId); // the buffer came back empty
        if (res > 0) {
            int id = driver.ownBuffers ? recvBufferId : IoUring.bufferId(flags);
            if (isClosed()) {
                driver.recycleRecv(id);
            } else if (!held.isEmpty() || overBudget() || has(Lifecycle.READ_SUSPENDED)) {
                // suspended: what the kernel had already received waits for resumeReading
                hold(((long) id << 32) | res);
            } else {
                deliver(id, res);
            }
        } else if (res != -Errno.ENOBUFS.code() && res != -Errno.ECANCELED.code()) {
            // after the held data; an end of stream also waits for resumeReading (errors do not wait)
            if (held.isEmpty() && (res < 0 || !has(Lifecycle.READ_SUSPENDED))) ended(res);
            else heldEnd = res;
        }
        // ENOBUFS: every buffer was out in this batch; they come back as data is delivered.
        if (!more) {
            if (isClosed()) maybeRelease();
            else armRecv();
        }
    }

    /** A Unix connection's socket has input (or an error, or end of stream): receive it with recvmsg. */
    private void readable(int res) {
        recvArmed = false;
        if (isClosed()) {
            maybeRelease();
            return;
        }
        if (res < 0 && res != -Errno.ECANCELED.code()) {
            failed(Results.failure("poll", "POLLIN", fd, res));
            return;
        }
        if (res >= 0 && Lifecycle.reading(state())) receiveMessages();
        if (isClosed()) maybeRelease();
        else armRecv(); // ready again at once if the budget left some behind
    }

    /** Receives until EAGAIN, the end of input, or the read budget. */
    private void receiveMessages() {
        if (!deliverHeldMessageBytes()) return; // bytes held back while suspended come first
        MemorySegment buf = driver.unixBuffer();
        MessageInfo info = loop.messageInfo();
        long budget = loop.options.readBudgetBytes();
        while (budget > 0 && Lifecycle.reading(state())) {
            long n;
            try {
                n = socket.receiveFrom(buf, info);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            if (n == FileDescriptor.WOULD_BLOCK) return;
            if (n == FileDescriptor.EOF) {
                inputEnded();
                return;
            }
            if (!receivedMessage(info, buf.byteSize())) return;
            deliveredAfterMessage(buf.asSlice(0, n));
            budget -= n;
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
        if (held.isEmpty()) defer();
        held.addLast(entry);
        if (held.size() >= 8 && recvArmed && !pausedForBacklog) {
            // Stop the kernel from handing this connection every provided buffer.
            pausedForBacklog = true;
            driver.cancel(token, UserData.RECV);
        }
    }

    /** Queues this connection for {@link #runDeferred} at the start of the next turn (once). */
    private void defer() {
        if (deferredQueued) return;
        deferredQueued = true;
        driver.deferred.addLast(this);
    }

    /** The driver's call at the start of a turn: delivers what was held back, and stays queued if some still is. */
    void runDeferred() {
        deferredQueued = false;
        if (deliverHeld()) defer();
    }

    /** Delivers held data within this turn's budget; true if some is still held and deliverable. */
    private boolean deliverHeld() {
        while (!held.isEmpty() && !isClosed()) {
            if (has(Lifecycle.READ_SUSPENDED)) return false; // resumeReading queues it again
            if (overBudget()) return true;
            long e = held.pollFirst();
            deliver((int) (e >>> 32), (int) e);
        }
        if (isClosed()) {
            releaseHeld();
            return false;
        }
        if (heldEnd != 1 && !has(Lifecycle.READ_SUSPENDED)) {
            int end = heldEnd;
            heldEnd = 1;
            ended(end);
        }
        if (pausedForBacklog && !isClosed()) {
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
    protected boolean writeOnLoop(MemorySegment data, long offset, long length) {
        if (!admit(length)) return false;
        queue.append(data, offset, length);
        checkHighWatermark();
        sendHead();
        return writableFlag();
    }

    @Override
    protected boolean messageOnLoop(MemorySegment data, long offset, long length, FileDescriptor[] fds) {
        if (!queueMessage(data, offset, length, fds)) return false;
        sendHead(); // messages go out inline, at once if nothing waits before them
        maybeWritable(false); // the return value tells the caller; onWritable is for a change it did not see
        return writableFlag() && !isClosed();
    }

    @Override
    protected boolean sendFileOnLoop(FileDescriptor file, long position, long count) {
        queue.appendFile(file, position, count);
        checkHighWatermark();
        sendHead();
        return writableFlag() && !isClosed();
    }

    /** Starts the next SEND or SPLICE if none is in flight: pipe contents first, then the queue's head. */
    private void sendHead() {
        if (inFlight != 0 || sendRetryQueued || isClosed() || (queue.isEmpty() && pipeBytes == 0)) return;
        if (pipeBytes == 0 && queue.headMessage() != null) {
            sendMessages();
            return;
        }
        WriteQueue.FileRegion f = pipeBytes > 0 ? null : queue.headFile();
        if (f != null && splicePipe == null) {
            try {
                splicePipe = Pipe.open(false);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
        }
        Sqe s = driver.sqe(this::retrySend);
        if (s == null) {
            sendRetryQueued = true;
            return;
        }
        if (pipeBytes > 0) {
            inFlight = UserData.SPLICE_OUT;
            s.splice(splicePipe.source().intValue(), -1, fd, -1, pipeBytes).userData(UserData.of(token, UserData.SPLICE_OUT));
        } else if (f == null) {
            ChunkPool.Chunk c = queue.headChunk();
            inFlight = UserData.SEND;
            s.send(fd, c.segment, c.start, c.end - c.start, 0).userData(UserData.of(token, UserData.SEND));
        } else {
            inFlight = UserData.SPLICE_IN;
            s.splice(f.file.intValue(), f.position, splicePipe.sink().intValue(), -1, (int) Math.min(f.remaining, PIPE_CHUNK))
                    .userData(UserData.of(token, UserData.SPLICE_IN));
        }
    }

    /**
     * Sends the messages at the head of the queue with non-blocking {@code sendmsg} calls
     * until one would block (then a POLL_ADD waits for write space) or something else comes
     * next (then it goes out as usual).
     */
    private void sendMessages() {
        WriteQueue.Message m;
        while ((m = queue.headMessage()) != null) {
            long n;
            try {
                n = UnixMessages.send(socket, m);
            } catch (ErrnoException e) {
                failed(e);
                return;
            }
            if (n == FileDescriptor.WOULD_BLOCK) {
                awaitWriteSpace();
                return;
            }
            wrote(n);
            queue.consume(n);
        }
        if (!queue.isEmpty()) sendHead();
        else afterDrained();
    }

    /**
     * Waits for write space with a POLL_ADD; {@link #writeSpace} carries on with the head
     * (a splice from the pipe, or a message). Without a free SQE it tries the head again at
     * the end of the turn, which comes back here if the socket is still full.
     */
    private void awaitWriteSpace() {
        Sqe s = driver.sqe(this::retrySend);
        if (s == null) {
            sendRetryQueued = true; // no other write operation may start meanwhile
            return;
        }
        inFlight = UserData.WRITE_WAIT;
        s.pollAdd(fd, Poll.POLLOUT, false).userData(UserData.of(token, UserData.WRITE_WAIT));
    }

    private void retrySend() {
        sendRetryQueued = false;
        sendHead();
        maybeWritable(true); // a message may have gone out inline (the end of a turn: the handler may hear it)
    }

    private void splicedIn(int res) {
        inFlight = 0;
        if (isClosed()) {
            releaseWrites();
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
        if (isClosed()) {
            releaseWrites();
            return;
        }
        if (Results.wouldBlock(res)) {
            // The socket's buffer is full (a slow reader): the splice runs in a worker that
            // cannot wait for it, so wait for write space with a POLL_ADD, then splice again.
            awaitWriteSpace();
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
        if (isClosed()) {
            releaseWrites();
            return;
        }
        if (res < 0) {
            failed(Results.failure("poll", "POLLOUT", fd, res));
            return;
        }
        sendHead();
        maybeWritable(true);
    }

    private void sent(int res) {
        inFlight = 0;
        if (isClosed()) {
            releaseWrites();
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

    /** The write operation in flight at the end has completed: its buffers and files can go. */
    private void releaseWrites() {
        queue.clear();
        maybeRelease();
    }

    @Override
    protected boolean drained() {
        return queue.isEmpty() && pipeBytes == 0 && inFlight == 0;
    }

    @Override
    protected void readingChanged() {
        if (Lifecycle.reading(state())) {
            errorWaitDone = false;
            if (!held.isEmpty() || heldEnd != 1) defer(); // what arrived while suspended goes first
            if (holdsMessageBytes()) loop.offer(() -> deliverHeldMessageBytes()); // after this call, not inside it
            if (errorWaitArmed) driver.cancel(token, UserData.ERROR_WAIT); // its completion arms the receive
            else armRecv();
        } else if (recvArmed) {
            if (!errorWaitArmed) driver.cancel(token, recvKind()); // its completion arms the ERROR_WAIT
        } else {
            armErrorWait();
        }
    }

    /** The kind of this connection's receive operation, or of the ERROR_WAIT in its place. */
    private int recvKind() {
        return errorWaitArmed ? UserData.ERROR_WAIT : unix ? UserData.POLL_IN : UserData.RECV;
    }

    @Override
    public long queuedBytes() {
        return queue.bytes() + pipeBytes;
    }

    @Override
    protected void release() {
        if (recvArmed) driver.cancel(token, recvKind());
        if (connectInFlight) driver.cancel(token, UserData.CONNECT);
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
        if (released || recvArmed || inFlight != 0 || connectInFlight) return;
        released = true;
        driver.owners.remove(token);
        Fds.closeQuietly(socket.fd());
        if (splicePipe != null) {
            try {
                splicePipe.close();
            } catch (ErrnoException ignored) {
                // nothing was pending in it any more
            }
        }
    }

    @Override
    public String toString() {
        return "Connection[" + socket + ", " + Lifecycle.describe(state()) + ", queued " + queuedBytes() + "]";
    }
}
