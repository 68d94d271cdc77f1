package dev.panio.reactor;

import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;

/**
 * Thread per connection: {@link Backend#BLOCKING} gives each connection a platform thread
 * doing blocking reads; {@link Backend#VIRTUAL} a virtual thread whose would-block calls
 * park on a {@link VirtualPoller}. The loop thread itself only runs tasks and timers.
 */
final class ThreadDriver extends Driver {
    final boolean virtual;
    VirtualPoller readPoller;
    VirtualPoller writePoller;
    final Set<ThreadConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Socket> listeners = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Socket, Thread> acceptors = new ConcurrentHashMap<>();
    final AtomicInteger open = new AtomicInteger();
    /** Set when the loop closes its connections: one that starts after must close at once. */
    volatile boolean stopping;
    final LongAdder accepted = new LongAdder(), acceptErrors = new LongAdder(), bytesRead = new LongAdder(),
            bytesWritten = new LongAdder(), reads = new LongAdder(), writes = new LongAdder();

    ThreadDriver(EventLoop loop, boolean virtual) {
        super(loop);
        this.virtual = virtual;
    }

    @Override
    void start() throws IOException {
        if (virtual) {
            readPoller = new VirtualPoller(loop + "-read-poller");
            writePoller = new VirtualPoller(loop + "-write-poller");
        }
    }

    Thread.Builder threads(String name) {
        return virtual ? Thread.ofVirtual().name(name) : Thread.ofPlatform().name(name).daemon(true).stackSize(256 * 1024);
    }

    @Override
    void poll(long timeoutNanos) {
        // The loop thread only runs tasks and timers here; its wake-up is an unpark, whose
        // permit any code on this thread could take. Never park without a bound.
        long bound = 100_000_000L;
        if (timeoutNanos < 0) LockSupport.parkNanos(this, bound);
        else if (timeoutNanos > 0) LockSupport.parkNanos(this, Math.min(timeoutNanos, bound));
    }

    @Override
    void wakeup() {
        LockSupport.unpark(loop.thread());
    }

    @Override
    void listen(Socket listener, Supplier<ConnectionHandler> handlers) throws IOException {
        if (!virtual) listener.fd().setNonBlocking(false);
        listeners.add(listener);
        acceptors.put(listener, threads(loop + "-acceptor").start(() -> acceptLoop(listener, handlers)));
    }

    private void acceptLoop(Socket listener, Supplier<ConnectionHandler> handlers) {
        VirtualPoller.Waiter waiter = virtual ? readPoller.waiter(listener.fd()) : null;
        while (listeners.contains(listener)) {
            try {
                Socket s = listener.accept(virtual);
                if (s == null) {
                    waiter.await(dev.panio.epoll.Epoll.EPOLLIN, -1);
                    continue;
                }
                if (stopping || !listeners.contains(listener)) {
                    PollingDriver.closeQuietly(s.fd()); // accepted as the listener closed
                    return;
                }
                accepted.increment();
                ConnectionHandler h = newHandler(handlers);
                if (h == null) {
                    PollingDriver.closeQuietly(s.fd());
                    continue;
                }
                ThreadConnection c = new ThreadConnection(this, s, h);
                c.startReader();
            } catch (ClosedException e) {
                return; // unlisten closed the socket under the accept
            } catch (ErrnoException e) {
                if (!listeners.contains(listener)) return;
                acceptErrors.increment();
                // EMFILE/ENFILE: back off instead of spinning on the pending connection
                LockSupport.parkNanos(10_000_000L);
            }
        }
    }

    @Override
    void unlisten(Socket listener) {
        if (!listeners.remove(listener)) return;
        PollingDriver.closeQuietly(listener.fd()); // wakes a blocked accept (shutdown) ...
        Thread acceptor = acceptors.remove(listener);
        if (acceptor != null) LockSupport.unpark(acceptor); // ... or a parked one
    }

    @Override
    void connect(InetSocketAddress address, ConnectionHandler handler, long timeoutMillis, CompletableFuture<Connection> result) {
        threads(loop + "-connect").start(() -> {
            try {
                Socket s = Socket.tcp(Socket.Family.of(address));
                ThreadConnection c = new ThreadConnection(this, s, handler);
                c.connectAndRun(address, timeoutMillis, result);
            } catch (ErrnoException | RuntimeException e) {
                result.completeExceptionally(e);
            }
        });
    }

    @Override
    int connectionCount() {
        return open.get();
    }

    @Override
    void closeAllGracefully() {
        stopping = true;
        for (Socket l : listeners) unlisten(l);
        for (ThreadConnection c : connections) threads("close").start(c::close);
    }

    @Override
    void abortAll() {
        stopping = true;
        for (Socket l : listeners) unlisten(l);
        for (ThreadConnection c : connections) c.abort();
    }

    @Override
    LoopMetrics metrics(LoopMetrics base) {
        return new LoopMetrics(open.get(), accepted.sum(), acceptErrors.sum(), bytesRead.sum(), bytesWritten.sum(),
                reads.sum(), writes.sum(), base.wakeups(), base.turns(), -1, base.handlerFailures());
    }

    @Override
    void close() {
        if (readPoller != null) readPoller.close();
        if (writePoller != null) writePoller.close();
    }
}
