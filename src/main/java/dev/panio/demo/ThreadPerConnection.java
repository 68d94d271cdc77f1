package dev.panio.demo;

import dev.panio.coroutine.Blocking;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The frame of the coroutine servers: one virtual thread accepts on a non-blocking listening
 * socket and each connection is served start to end by a virtual thread of its own, which
 * closes it when its {@link Service} returns or throws. Every wait parks on panio's shared
 * readiness poller, so any number of connections run on the scheduler's few carriers.
 *
 * <p>A connection's {@code IOException} (a reset, a timeout, {@link #close} closing it under
 * its thread) ends that connection only; a {@code RuntimeException} from the service is a bug,
 * counted in {@link #failures} and logged, and also ends only its connection.
 */
final class ThreadPerConnection implements AutoCloseable {
    /** Serves one accepted connection; {@link ThreadPerConnection} closes it afterwards. */
    interface Service {
        void serve(Socket s) throws IOException;
    }

    private static final System.Logger LOG = System.getLogger(ThreadPerConnection.class.getName());

    private final Socket listener;
    private final Service service;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    final LongAdder accepted = new LongAdder(), acceptErrors = new LongAdder(), failures = new LongAdder();

    ThreadPerConnection(Socket listener, String name, Service service) {
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
            open.add(s);
            Thread.ofVirtual().start(() -> run(s));
        }
    }

    private void run(Socket s) {
        try {
            service.serve(s);
        } catch (IOException | ClosedException over) {
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

    /** The port it listens on. */
    int port() throws ErrnoException {
        return listener.localPort();
    }

    /** Connections being served now. */
    int connections() {
        return open.size();
    }

    /**
     * Stops accepting and ends every connection: each is closed under its thread, which wakes
     * with {@link ClosedException} and finishes. Waits up to five seconds for them.
     */
    @Override
    public void close() throws ErrnoException {
        listener.close();
        try {
            acceptor.join(5_000); // first: a connection it accepted just now is in `open` after this
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Socket s : open) s.fd().close();
        for (int i = 0; i < 500 && !open.isEmpty(); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Blocks until the acceptor ends (the listener was closed). */
    void awaitClose() throws InterruptedException {
        acceptor.join();
    }
}
