package dev.panio.internal.reactor;

import dev.panio.net.Socket;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.LoopMetrics;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The I/O half of a {@link Loop}: one implementation per model (readiness, completion,
 * threads). Every method runs on the loop thread; {@link #waker()} is the driver's answer to
 * "how does another thread interrupt your wait".
 */
public abstract class Driver {
    /** The loop this driver belongs to. */
    public final Loop loop;

    protected Driver(Loop loop) {
        this.loop = loop;
    }

    /**
     * Sets up off-heap resources on the loop thread, before the first {@link #poll}. On
     * failure it releases what it opened and throws the cause.
     */
    public abstract void start() throws IOException;

    /** How other threads wake this driver's wait; valid after {@link #start()}. */
    public abstract Waker waker();

    /** What this driver chose to use on this kernel, if it chooses anything; "" otherwise. */
    public String describe() {
        return "";
    }

    /**
     * Waits up to {@code timeoutNanos} (-1: no limit, 0: do not wait) for I/O or a wake-up,
     * and dispatches what happened.
     */
    public abstract void poll(long timeoutNanos) throws IOException;

    /**
     * Starts accepting on {@code listener} (bound, listening, non-blocking); each accepted
     * socket gets {@code options} before its handler hears {@code onOpen}.
     */
    public abstract void listen(Socket listener, Supplier<ConnectionHandler> handlers, SocketOptionSet options) throws IOException;

    /** Stops accepting on {@code listener} and closes it. */
    public abstract void unlisten(Socket listener);

    /**
     * Opens an outbound connection and completes {@code result} with it, or exceptionally;
     * a connection that was made and failed to connect has its handler's {@code onClose}
     * called too, on every backend.
     */
    public abstract void connect(Outbound request, ConnectionHandler handler, CompletableFuture<Connection> result);

    /**
     * An outbound connection's parameters.
     *
     * @param address       where to connect: IP or Unix
     * @param type          stream, or seqpacket (Unix only)
     * @param local         the address to bind first (bind-before-connect), or null
     * @param options       options set on the socket before it connects
     * @param timeoutMillis how long the connect may take (0: the kernel's limit)
     */
    public record Outbound(SocketAddress address, Socket.Type type, SocketAddress local, SocketOptionSet options, long timeoutMillis) {}

    /**
     * A new non-blocking socket of the request's family and type with the request's options set
     * (before the bind and the connect, which some of them govern), bound to its local address
     * if it has one; or null if that failed: then {@code result} has failed with the reason
     * (no connection exists yet, so no handler is told).
     */
    protected static Socket socketFor(Outbound request, CompletableFuture<Connection> result) {
        Socket s = null;
        try {
            s = Socket.open(Socket.Family.of(request.address()), request.type(), true);
            request.options().applyTo(s);
            if (request.local() != null) s.bind(request.local());
            return s;
        } catch (IOException | RuntimeException e) {
            if (s != null) Fds.closeQuietly(s.fd());
            result.completeExceptionally(e);
            return null;
        }
    }

    /**
     * A handler from {@code handlers}, or null if the supplier threw or returned null: that
     * is reported as a failure (counted, logged) and the caller closes the new connection's
     * fd; the loop goes on.
     */
    protected final ConnectionHandler newHandler(Supplier<ConnectionHandler> handlers) {
        try {
            ConnectionHandler h = handlers.get();
            if (h != null) return h;
            loop.failures.report("the handler supplier returned null; connection closed", null);
        } catch (Throwable t) {
            loop.failures.report("the handler supplier threw; connection closed", t);
        }
        return null;
    }

    // ---- readiness of other fds (datagram channels) ---------------------------------------

    /** {@link #watch} interest: the fd has input (or an error) to take. */
    public static final int READABLE = 1;
    /** {@link #watch} interest: the fd has room for output. */
    public static final int WRITABLE = 2;

    /**
     * Watches {@code fd} for {@code interest} ({@link #READABLE}, {@link #WRITABLE}) and calls
     * {@code ready} with the bits that may be ready, on the loop thread, for components that
     * make their own non-blocking calls (datagram channels). Calls may be spurious, and a
     * mechanism may report only changes: the callee makes its calls until {@code EAGAIN}, or
     * schedules itself to go on. Loop thread.
     */
    public abstract Watch watch(dev.panio.io.FileDescriptor fd, int interest, java.util.function.IntConsumer ready)
            throws IOException;

    /** A {@link #watch} in force. Loop thread. */
    public interface Watch {
        /** Changes the interest (0: none for now). */
        void interest(int interest);

        /** Stops watching; {@code ready} is not called after this returns. The fd stays open. */
        void cancel();
    }

    /**
     * Receives the datagrams of {@code socket} (bound, non-blocking) in a way of the driver's
     * own, calling {@code sink} for each on the loop thread; or returns null if the driver has
     * none, and the caller watches for {@link #READABLE} and calls {@code recvmmsg} itself.
     * Datagrams longer than {@code maxDatagram} bytes reach the sink cut, with their real
     * length. Loop thread.
     */
    public DatagramReceiver receiveDatagrams(Socket socket, int maxDatagram, DatagramSink sink) throws IOException {
        return null;
    }

    /** Where {@link #receiveDatagrams} delivers. Loop thread. */
    public interface DatagramSink {
        /**
         * One datagram: {@code data} as stored, {@code length} its real length (more than
         * {@code data} holds if it was cut), sent from the sockaddr {@code name[0, nameLength)}
         * (0: no name). All valid only during the call.
         */
        void datagram(MemorySegment data, long length, MemorySegment name, int nameLength);

        /**
         * A receive failed: an ICMP error queued on the socket, say, after which receiving goes
         * on; or, if {@code fatal}, one after which the socket cannot be read any more.
         */
        void failed(IOException error, boolean fatal);
    }

    /** A {@link #receiveDatagrams} in force. Loop thread. */
    public interface DatagramReceiver {
        /**
         * Stops; the sink is not called after this returns. The socket stays open, and the
         * caller may close it at once: whatever the driver has in flight on it holds the
         * socket itself, not its number.
         */
        void cancel();
    }

    /** Counts a connection that is now open (loop thread). */
    public void connectionOpened() {
        loop.open++;
    }

    /** Counts a connection that has closed (loop thread). */
    public void connectionClosed() {
        loop.open--;
    }

    /** Connections open now. */
    public int connectionCount() {
        return (int) loop.open;
    }

    /** Asks every connection to close once flushed, and stops accepting. */
    public abstract void closeAllGracefully();

    /** Closes every connection now, and stops accepting. */
    public abstract void abortAll();

    /** Whether {@link #poll} has work that must not wait (e.g. read budget carried over). */
    public boolean hasPendingWork() {
        return false;
    }

    /** Adds counters kept outside the loop thread (thread-per-connection backends). */
    public LoopMetrics metrics(LoopMetrics loopCounters) {
        return loopCounters;
    }

    /**
     * Adds the system calls made on threads of the driver's own (not the loop thread's, which
     * the loop counts) into {@code into}, indexed by {@link dev.panio.internal.sys.Syscall}
     * ordinal. Any thread.
     */
    public void addSystemCalls(long[] into) {
    }

    /** Frees off-heap resources; the last call on the loop thread. */
    public abstract void close();
}
