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
 */
final class ThreadConnection extends BaseConnection {
    private final ThreadDriver driver;
    private final Socket socket;
    private final ReentrantLock callbacks = new ReentrantLock();
    private final ReentrantLock writes = new ReentrantLock();
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
            PollingDriver.closeQuietly(socket.fd());
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
                    while (!closed) java.util.concurrent.locks.LockSupport.parkNanos(this, 5_000_000L);
                    return;
                } else {
                    MemorySegment data = buf.asSlice(0, n);
                    withCallbacks(() -> delivered(data));
                }
            }
        } catch (ErrnoException e) {
            failedLocked(e);
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

    @Override
    void checkIdle() {
        callbacks.lock();
        try {
            super.checkIdle();
        } finally {
            callbacks.unlock();
        }
    }

    @Override
    void checkRead() {
        callbacks.lock();
        try {
            super.checkRead();
        } finally {
            callbacks.unlock();
        }
    }

    @Override
    public boolean write(MemorySegment data, long offset, long length) {
        java.util.Objects.checkFromIndexSize(offset, length, data.byteSize());
        if (closed) return false;
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
            failedLocked(e);
            return false;
        } finally {
            writes.unlock();
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
                    failedLocked(fileEndedEarly(position, count));
                    return false;
                }
                wrote(n);
                position += n;
                count -= n;
            }
            return true;
        } catch (ErrnoException e) {
            failedLocked(e);
            return false;
        } finally {
            writes.unlock();
            PollingDriver.closeQuietly(file);
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
        writes.lock();
        try {
            if (closed || outputShut) return;
            socket.shutdownOutput();
            outputShut = true;
        } catch (ErrnoException e) {
            failedLocked(e);
        } finally {
            writes.unlock();
        }
    }

    @Override
    public void close() {
        writes.lock(); // writes are synchronous: once we hold this, nothing is half-sent
        try {
            callbacks.lock();
            try {
                closeNow(CloseCause.LOCAL, null);
            } finally {
                callbacks.unlock();
            }
        } finally {
            writes.unlock();
        }
    }

    @Override
    public void abort() {
        callbacks.lock();
        try {
            closeNow(CloseCause.LOCAL, null);
        } finally {
            callbacks.unlock();
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
