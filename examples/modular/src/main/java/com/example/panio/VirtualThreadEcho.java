package com.example.panio;

import dev.panio.coroutine.Blocking;
import dev.panio.io.ClosedException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The coroutine model: an echo server written as plain blocking code, one virtual thread
 * per connection. {@link Blocking}'s calls try the non-blocking system call and, on
 * {@code EAGAIN}, park the virtual thread until epoll reports the fd ready, so ten thousand
 * connections cost ten thousand small stacks, not ten thousand kernel threads.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.VirtualThreadEcho 7002</pre>
 */
public final class VirtualThreadEcho implements AutoCloseable {
    private final Socket listener;
    private final Thread acceptor;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();

    private VirtualThreadEcho(Socket listener) {
        this.listener = listener;
        this.acceptor = Thread.ofVirtual().name("accept " + listener).start(this::acceptLoop);
    }

    /** Listens on {@code address} (port 0: any free port) and serves until {@link #close}. */
    public static VirtualThreadEcho start(InetSocketAddress address) throws IOException {
        return new VirtualThreadEcho(Socket.listen(address, 4096));
    }

    /** The address it listens on. */
    public SocketAddress address() throws IOException {
        return listener.localAddress();
    }

    private void acceptLoop() {
        try {
            for (;;) {
                Socket s;
                try {
                    s = Blocking.accept(listener); // parks this virtual thread until a client comes
                } catch (IOException e) {
                    // EMFILE and the like: the client stays queued and the next accept would fail
                    // at once; give the connections being served a moment to free an fd, go on
                    System.err.println("accept: " + e.getMessage());
                    Thread.sleep(10);
                    continue;
                }
                open.add(s);
                Thread.ofVirtual().start(() -> serve(s));
            }
        } catch (ClosedException | InterruptedException e) {
            // close() closed the listener: a parked accept wakes with ClosedException
        }
    }

    private void serve(Socket s) {
        try (s; Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            long n;
            while ((n = Blocking.read(s, buf)) > 0) {
                Blocking.write(s, buf.asSlice(0, n)); // writes it all, parking while the peer's window is full
            }
        } catch (IOException | ClosedException e) {
            // the peer reset the connection, or close() closed it: this one is over
        } finally {
            open.remove(s);
        }
    }

    /** Stops accepting and closes every connection (each blocked read or write wakes with {@link ClosedException}). */
    @Override
    public void close() throws IOException {
        listener.close();
        try {
            acceptor.join(); // no connection is added after this
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        IOException first = null;
        for (Socket s : open) {
            try { // one failing close must not leave the others open
                s.close();
            } catch (IOException e) {
                if (first == null) first = e;
            }
        }
        if (first != null) throw first;
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7002;
        VirtualThreadEcho server = start(new InetSocketAddress("127.0.0.1", port));
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                server.close();
            } catch (IOException ignored) {
                // the JVM is going away
            }
        }));
        System.out.println("virtual-thread echo on " + server.address());
        server.acceptor.join(); // a virtual thread does not keep the JVM alive: main waits for it
    }
}
