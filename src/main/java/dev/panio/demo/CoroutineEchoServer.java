package dev.panio.demo;

import dev.panio.coroutine.Blocking;
import dev.panio.io.ClosedException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The seeds' coroutine server: a virtual thread per connection running straight-line
 * blocking code (read, write back, until the end), with {@code epoll} underneath. Each
 * {@link Blocking} call that would block parks its virtual thread on panio's shared
 * readiness poller, so two carrier threads serve any number of connections; no event loop
 * or callback appears in the server's code.
 *
 * <p>Usage: {@code scripts/run-main.sh dev.panio.demo.CoroutineEchoServer [--port 9000] [--host 127.0.0.1]}.
 * {@link #start} runs it inside another program (the tests do).
 */
public final class CoroutineEchoServer implements AutoCloseable {
    private final Socket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private CoroutineEchoServer(Socket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("coroutine-echo-acceptor").start(this::acceptLoop);
    }

    /** Listens on {@code address} and serves until {@link #close}. */
    public static CoroutineEchoServer start(InetSocketAddress address) throws IOException {
        Socket listener = Socket.listen(address, 4096);
        return new CoroutineEchoServer(listener);
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
                // EMFILE and the like: the connection stays queued and accept would fail at
                // once again; give the connections being served 10 ms to free an fd
                try {
                    Thread.sleep(10);
                } catch (InterruptedException stop) {
                    return;
                }
                continue;
            }
            open.add(s);
            Thread.ofVirtual().start(() -> echo(s));
        }
    }

    /** One connection, start to end. */
    private void echo(Socket s) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            long n;
            while ((n = Blocking.read(s, buf)) > 0) Blocking.write(s, buf.asSlice(0, n));
        } catch (IOException | ClosedException e) {
            // reset by the peer, or closed by close(): the connection is over either way
        } finally {
            open.remove(s);
            try {
                s.close();
            } catch (IOException ignored) {
                // released by close(2) whatever it reports
            }
        }
    }

    /** The port it listens on. */
    public int port() throws IOException {
        return listener.localPort();
    }

    /** Connections being served now. */
    public int connections() {
        return open.size();
    }

    /** Stops accepting and ends every connection (their threads wake with the close and finish). */
    @Override
    public void close() throws IOException {
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

    public static void main(String[] args) throws Exception {
        String host = "127.0.0.1";
        int port = 9000;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[++i]);
                case "--host" -> host = args[++i];
                default -> throw new IllegalArgumentException("usage: CoroutineEchoServer [--port 9000] [--host 127.0.0.1]");
            }
        }
        dev.panio.io.ResourceLimits.raiseOpenFilesToHard();
        CoroutineEchoServer server = start(new InetSocketAddress(host, port));
        System.out.printf("panio coroutine echo on %s:%d (a virtual thread per connection)%n", host, server.port());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException ignored) {
                // exiting anyway
            }
        }));
        server.acceptor.join();
    }
}
