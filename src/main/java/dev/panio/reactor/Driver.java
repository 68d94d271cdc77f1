package dev.panio.reactor;

import dev.panio.net.Socket;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The I/O half of an {@link EventLoop}: one implementation per model. All methods but
 * {@link #wakeup()} run on the loop thread.
 */
abstract class Driver {
    final EventLoop loop;

    Driver(EventLoop loop) {
        this.loop = loop;
    }

    /** Sets up off-heap resources on the loop thread, before the first {@link #poll}. */
    abstract void start() throws IOException;

    /** What this driver chose to use on this kernel, if it chooses anything; "" otherwise. */
    String describe() {
        return "";
    }

    /**
     * Waits up to {@code timeoutNanos} (-1: no limit, 0: do not wait) for I/O or a wakeup,
     * and dispatches what happened.
     */
    abstract void poll(long timeoutNanos) throws IOException;

    /** Makes a waiting {@link #poll} return; any thread. */
    abstract void wakeup();

    /** Starts accepting on {@code listener} (bound, listening, non-blocking). */
    abstract void listen(Socket listener, Supplier<ConnectionHandler> handlers) throws IOException;

    /** Stops accepting on {@code listener} and closes it. */
    abstract void unlisten(Socket listener);

    /** Opens an outbound connection. */
    abstract void connect(InetSocketAddress address, ConnectionHandler handler, long timeoutMillis,
                          CompletableFuture<Connection> result);

    /**
     * A handler from {@code handlers}, or null if the supplier threw or returned null: that
     * is reported as a failure (counted, logged) and the caller closes the new connection's
     * fd; the loop goes on.
     */
    final ConnectionHandler newHandler(java.util.function.Supplier<ConnectionHandler> handlers) {
        try {
            ConnectionHandler h = handlers.get();
            if (h != null) return h;
            loop.failures.report("the handler supplier returned null; connection closed", null);
        } catch (Throwable t) {
            loop.failures.report("the handler supplier threw; connection closed", t);
        }
        return null;
    }

    private int connections;

    /** Counts a connection that is now open (loop thread). */
    void connectionOpened() {
        connections++;
        loop.open++;
    }

    /** Counts a connection that has closed (loop thread). */
    void connectionClosed() {
        connections--;
        loop.open--;
    }

    /** Connections open now. */
    int connectionCount() {
        return connections;
    }

    /** Asks every connection to close once flushed. */
    abstract void closeAllGracefully();

    /** Closes every connection now. */
    abstract void abortAll();

    /** Whether {@link #poll} has work that must not wait (e.g. read budget carried over). */
    boolean hasPendingWork() {
        return false;
    }

    /** Adds counters kept outside the loop thread (thread-per-connection backends). */
    LoopMetrics metrics(LoopMetrics loopCounters) {
        return loopCounters;
    }

    /** Frees off-heap resources; the last call on the loop thread. */
    abstract void close();
}
