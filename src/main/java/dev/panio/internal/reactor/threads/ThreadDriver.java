package dev.panio.internal.reactor.threads;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.FdReserve;
import dev.panio.internal.reactor.Fds;
import dev.panio.internal.reactor.Loop;
import dev.panio.internal.reactor.Waker;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.LoopMetrics;
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
 * The thread models: {@code BLOCKING} gives each connection a platform thread doing blocking
 * reads; {@code VIRTUAL} a virtual thread whose would-block calls park on a
 * {@link VirtualPoller}, over panio's shared coroutine poller (the coroutine model).
 * Acceptors are threads too; the loop thread itself only runs tasks and timers, and its
 * wait is a park that {@link #waker()} unparks.
 */
public final class ThreadDriver extends Driver {
    final boolean virtual;
    VirtualPoller readPoller;
    VirtualPoller writePoller;
    final Set<ThreadConnection> connections = ConcurrentHashMap.newKeySet();
    private final Set<Socket> listeners = ConcurrentHashMap.newKeySet();
    private final java.util.Map<Socket, Thread> acceptors = new ConcurrentHashMap<>();
    final AtomicInteger open = new AtomicInteger();
    /** Watch threads running; cancelled when the loop closes. */
    final Set<ThreadWatch> watches = ConcurrentHashMap.newKeySet();
    /** Set when the loop closes its connections: one that starts after must close at once. */
    volatile boolean stopping;
    final LongAdder accepted = new LongAdder(), acceptErrors = new LongAdder(), bytesRead = new LongAdder(),
            bytesWritten = new LongAdder(), reads = new LongAdder(), writes = new LongAdder();

    private FdReserve reserve;

    public ThreadDriver(Loop loop, boolean virtual) {
        super(loop);
        this.virtual = virtual;
    }

    @Override
    public void start() throws IOException {
        try {
            reserve = new FdReserve();
            if (virtual) {
                readPoller = new VirtualPoller(loop + "-read-poller");
                writePoller = new VirtualPoller(loop + "-write-poller");
            }
        } catch (IOException | RuntimeException | Error e) {
            close();
            throw e;
        }
    }

    @Override
    public Waker waker() {
        Thread t = loop.thread();
        return () -> LockSupport.unpark(t);
    }

    Thread.Builder threads(String name) {
        return virtual ? Thread.ofVirtual().name(name) : Thread.ofPlatform().name(name).daemon(true).stackSize(256 * 1024);
    }

    @Override
    public void poll(long timeoutNanos) {
        // The loop thread only runs tasks and timers here; its wake-up is an unpark, whose
        // permit any code on this thread could take. Never park without a bound.
        long bound = 100_000_000L;
        if (timeoutNanos < 0) LockSupport.parkNanos(this, bound);
        else if (timeoutNanos > 0) LockSupport.parkNanos(this, Math.min(timeoutNanos, bound));
    }

    @Override
    public void listen(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options) throws IOException {
        if (!virtual) listener.fd().setNonBlocking(false);
        listeners.add(listener);
        acceptors.put(listener, threads(loop + "-acceptor").start(() -> counted(() -> acceptLoop(listener, handlers, options))));
    }

    private void acceptLoop(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options) {
        VirtualPoller.Waiter waiter = virtual ? readPoller.waiter(listener.fd()) : null;
        while (listeners.contains(listener)) {
            try {
                Socket s = listener.accept(virtual);
                if (s == null) {
                    waiter.await(dev.panio.epoll.Epoll.EPOLLIN, -1);
                    continue;
                }
                if (stopping || !listeners.contains(listener)) {
                    Fds.closeQuietly(s.fd()); // accepted as the listener closed
                    return;
                }
                accepted.increment();
                ConnectionHandler h = newHandler(handlers);
                if (h == null) {
                    Fds.closeQuietly(s.fd());
                    continue;
                }
                new ThreadConnection(this, s, h, options).start();
            } catch (ClosedException e) {
                return; // unlisten closed the socket under the accept
            } catch (ErrnoException e) {
                if (!listeners.contains(listener)) return;
                acceptErrors.increment();
                if (e.errno() == Errno.EMFILE || e.errno() == Errno.ENFILE) {
                    // Shed everything pending at once through the reserve fd; back off only if
                    // the reserve could not be taken back (the next accept would fail the same way).
                    boolean held;
                    synchronized (reserve) {
                        held = shed(listener);
                    }
                    if (!held) LockSupport.parkNanos(10_000_000L);
                    // Linux takes the new fd before it looks at the queue: with none to give, the
                    // next accept would fail at once even with nothing pending (a spin). Wait
                    // until a connection is pending (or 100 ms) before trying again.
                    else awaitPending(listener, waiter);
                } else {
                    LockSupport.parkNanos(10_000_000L); // an unexpected error: do not spin on it
                }
            } catch (RuntimeException | Error e) {
                // an acceptor never dies of one connection: count it, log it, go on
                loop.failures.report("the acceptor failed on a connection", e);
            }
        }
    }

    private void awaitPending(Socket listener, VirtualPoller.Waiter waiter) {
        try {
            if (waiter != null) {
                waiter.await(dev.panio.epoll.Epoll.EPOLLIN, 100_000_000L);
                return;
            }
            try (dev.panio.poll.Poll p = new dev.panio.poll.Poll(1)) { // poll(2) needs no new fd
                p.add(listener.fd(), dev.panio.poll.Poll.POLLIN, 0);
                p.poll(100);
            }
        } catch (ErrnoException | RuntimeException e) {
            LockSupport.parkNanos(10_000_000L); // the listener is closing, or poll failed: do not spin
        }
    }

    /** {@link FdReserve#shed} needs accepts that return at once: a blocking listener is non-blocking meanwhile. */
    private boolean shed(Socket listener) {
        try {
            if (!virtual) listener.fd().setNonBlocking(true);
            try {
                return reserve.shed(listener);
            } finally {
                if (!virtual) listener.fd().setNonBlocking(false);
            }
        } catch (ErrnoException | ClosedException e) {
            return false; // the listener is gone, or fcntl failed: the caller backs off
        }
    }

    @Override
    public void unlisten(Socket listener) {
        if (!listeners.remove(listener)) return;
        Fds.closeQuietly(listener.fd()); // wakes a blocked accept (shutdown) ...
        Thread acceptor = acceptors.remove(listener);
        if (acceptor != null) LockSupport.unpark(acceptor); // ... or a parked one
    }

    @Override
    public Watch watch(FileDescriptor fd, int interest, java.util.function.IntConsumer ready) throws IOException {
        return new ThreadWatch(this, fd, interest, ready);
    }

    @Override
    public void connect(Outbound request, ConnectionHandler handler, CompletableFuture<Connection> result) {
        threads(loop + "-connect").start(() -> counted(() -> {
            Socket s = socketFor(request, result);
            if (s == null) return;
            new ThreadConnection(this, s, handler, SocketOptionSet.none())
                    .connectAndRun(request.address(), request.timeoutMillis(), result); // this thread becomes its owner
        }));
    }

    /** Runs {@code r} on the calling thread (one of this driver's), its system calls counted for the loop. */
    void counted(Runnable r) {
        dev.panio.internal.sys.CallState s = calls.join();
        try {
            r.run();
        } finally {
            calls.leave(s);
        }
    }

    @Override
    public int connectionCount() {
        return open.get();
    }

    /** Stops accepting and asks every connection to close; none of it waits (a close never does here). */
    @Override
    public void closeAllGracefully() {
        stopping = true;
        for (Socket l : listeners) unlisten(l);
        for (ThreadConnection c : connections) c.close();
    }

    @Override
    public void abortAll() {
        stopping = true;
        for (Socket l : listeners) unlisten(l);
        for (ThreadConnection c : connections) c.abort();
    }

    @Override
    public LoopMetrics metrics(LoopMetrics base) {
        // the connections' own counters, plus what ran on the loop thread (datagram channels)
        return new LoopMetrics(open.get(), accepted.sum() + base.accepted(), acceptErrors.sum() + base.acceptErrors(),
                bytesRead.sum() + base.bytesRead(), bytesWritten.sum() + base.bytesWritten(), reads.sum() + base.reads(),
                writes.sum() + base.writes(), base.wakeups(), base.turns(), -1, base.handlerFailures(), base.systemCalls());
    }

    /** System calls of the connections' and acceptors' threads. */
    final dev.panio.internal.reactor.CallCounts calls = new dev.panio.internal.reactor.CallCounts();

    @Override
    public void addSystemCalls(long[] into) {
        calls.addTo(into);
    }

    @Override
    public void close() {
        // The connections were ended (abortAll): give their threads a moment to finish the
        // close while the pollers still wake them; a parked one left after that is woken by the
        // pollers' close and finds its connection ended.
        long deadline = System.nanoTime() + 1_000_000_000L;
        while (open.get() > 0 && System.nanoTime() - deadline < 0) LockSupport.parkNanos(1_000_000L);
        for (ThreadWatch w : watches) w.cancel(); // their components have ended; the threads close their eventfds
        if (readPoller != null) readPoller.close();
        if (writePoller != null) writePoller.close();
        if (reserve != null) reserve.close();
    }
}
