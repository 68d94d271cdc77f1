package dev.panio.coroutine;

import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * A server in the coroutine model: one virtual thread accepts on a non-blocking listening
 * socket ({@link Blocking#accept}) and each connection is served start to end by a virtual
 * thread of its own, which closes it when its {@link Service} returns or throws. Every wait
 * parks on panio's shared pollers, so any number of connections run on the scheduler's few
 * carriers.
 *
 * <p>A connection's {@code IOException} (a reset, a timeout, {@link #close} closing it under
 * its thread) or {@code InterruptedException} ends that connection only; a
 * {@code RuntimeException} from the service is a bug, counted in {@link #failures} and
 * logged, and also ends only its connection. {@code EMFILE} and other accept errors are
 * counted and retried after 10 ms (the connections being served may free an fd).
 *
 * <p>Threads: any thread may read the counters and call {@link #close}. The listener belongs
 * to this object from the constructor on.
 */
public final class ThreadPerConnection implements AutoCloseable {
    /** Serves one accepted connection; {@link ThreadPerConnection} closes it afterwards. */
    @FunctionalInterface
    public interface Service {
        /**
         * Serves {@code s} on its own virtual thread, with {@link Blocking}'s calls.
         *
         * @param s the accepted connection, non-blocking; closed when this returns or throws
         * @throws IOException ends this connection only (a reset, a timeout, a close)
         * @throws InterruptedException ends this connection only ({@link #close} interrupts)
         */
        void serve(Socket s) throws IOException, InterruptedException;
    }

    private static final System.Logger LOG = System.getLogger(ThreadPerConnection.class.getName());

    private final Socket listener;
    private final Service service;
    private final Thread acceptor;
    private final Map<Socket, Thread> open = new ConcurrentHashMap<>();
    private final LongAdder accepted = new LongAdder(), acceptErrors = new LongAdder(), failures = new LongAdder();

    /**
     * Starts accepting on {@code listener} (non-blocking, listening) at once; threads are named after {@code name}.
     *
     * @param listener a non-blocking listening socket, owned by this object from now on
     * @param name     the acceptor thread is {@code name-acceptor}
     * @param service  called once per connection, on the connection's virtual thread
     * @throws IllegalArgumentException if {@code listener} is blocking, closed or not listening
     *         (then it is not taken: the caller still owns it)
     */
    public ThreadPerConnection(Socket listener, String name, Service service) {
        // checked here: in the acceptor a blocking listener would end it before the first
        // connection, and the server would quietly accept nothing
        boolean nonBlocking, listening;
        try {
            nonBlocking = listener.fd().isNonBlocking();
            listening = listener.isListening();
        } catch (ErrnoException | ClosedException e) {
            throw new IllegalArgumentException("ThreadPerConnection: " + e.getMessage(), e);
        }
        if (!listening) { // its accept would fail (EINVAL) at once, over and over, and serve nothing
            throw new IllegalArgumentException("ThreadPerConnection: listener fd=" + listener.fd().intValue() + " ("
                    + listener.type() + ") is not a listening socket: use Socket.listen, or listen on it first");
        }
        if (!nonBlocking) {
            throw new IllegalArgumentException("ThreadPerConnection: listener fd=" + listener.fd().intValue() + " is blocking: "
                    + "its accept would hold a virtual thread's carrier in the kernel; use Socket.listen or setNonBlocking(true)");
        }
        this.listener = listener;
        this.service = service;
        this.acceptor = Thread.ofVirtual().name(name + "-acceptor").start(this::acceptLoop);
    }

    private void acceptLoop() {
        for (;;) {
            Socket s;
            try {
                s = Blocking.accept(listener);
            } catch (ClosedException closed) {
                return; // close() closed the listener under us
            } catch (IOException e) {
                if (!listener.fd().isOpen()) return;
                acceptErrors.increment();
                // EMFILE and the like: the connection stays queued and accept would fail at
                // once again; give the connections being served 10 ms to free an fd
                try {
                    Thread.sleep(10);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            accepted.increment();
            Thread t = Thread.ofVirtual().unstarted(() -> run(s));
            open.put(s, t);
            t.start();
        }
    }

    private void run(Socket s) {
        try {
            service.serve(s);
        } catch (IOException | ClosedException | InterruptedException over) {
            // reset by the peer, timed out, or closed by close(): the connection is over either way
        } catch (RuntimeException bug) {
            failures.increment();
            LOG.log(System.Logger.Level.WARNING, "connection " + s.fd() + " ended by a failure", bug);
        } finally {
            open.remove(s);
            try {
                s.close();
            } catch (ErrnoException ignored) {
                // released by close(2) whatever it reports
            }
        }
    }

    /**
     * The port it listens on.
     *
     * @return the listener's bound port
     * @throws IllegalStateException for a Unix listener
     * @throws ErrnoException if {@code getsockname} fails
     */
    public int port() throws ErrnoException {
        return listener.localPort();
    }

    /**
     * Connections being served now.
     *
     * @return the connections whose service has not returned yet
     */
    public int connections() {
        return open.size();
    }

    /**
     * Connections accepted so far.
     *
     * @return the count since the start
     */
    public long accepted() {
        return accepted.sum();
    }

    /**
     * Accepts that failed (EMFILE and the like) so far.
     *
     * @return the count since the start
     */
    public long acceptErrors() {
        return acceptErrors.sum();
    }

    /**
     * Connections a service's RuntimeException ended so far.
     *
     * @return the count since the start
     */
    public long failures() {
        return failures.sum();
    }

    /**
     * Stops accepting and ends every connection: each is closed under its thread (which wakes
     * from a read or write with {@link ClosedException}) and the thread interrupted (for one
     * that waits on something else). Waits up to five seconds for them.
     *
     * @throws ErrnoException the first failure to close a connection, after every other was
     *         closed and every thread interrupted
     */
    @Override
    public void close() throws ErrnoException {
        listener.close();
        try {
            acceptor.join(5_000); // first: a connection it accepted just now is in `open` after this
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ErrnoException first = null;
        for (Map.Entry<Socket, Thread> e : open.entrySet()) {
            try { // one close failing must not leave the others open
                e.getKey().fd().close();
            } catch (ErrnoException failed) {
                if (first == null) first = failed;
            }
            e.getValue().interrupt();
        }
        for (int i = 0; i < 500 && !open.isEmpty(); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (first != null) throw first;
    }

    /**
     * Blocks until the acceptor ends (the listener was closed).
     *
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public void awaitClose() throws InterruptedException {
        acceptor.join();
    }
}
