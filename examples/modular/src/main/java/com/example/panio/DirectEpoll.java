package com.example.panio;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.FutureTask;

/**
 * epoll by hand, the way a C server does it: a non-blocking listener and its connections
 * in one epoll set (level-triggered), {@code EAGAIN} as a value, an echo per readable
 * connection. A JDK client in another thread talks to it; the program ends when the client
 * has hung up. No reactor: this is the layer the reactor is built on.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.DirectEpoll</pre>
 */
public final class DirectEpoll {
    private DirectEpoll() {}

    /** Serves one client's echo with epoll; returns the bytes echoed. */
    public static long run(int messages) throws Exception {
        Map<Long, Socket> connections = new HashMap<>();
        long echoed = 0;
        try (Socket listener = Socket.listen(new InetSocketAddress("127.0.0.1", 0), 128);
                Epoll epoll = Epoll.open(64); Arena arena = Arena.ofConfined()) {
            epoll.add(listener.fd(), Interest.READ, 0); // user data 0: the listener; connections get 1, 2, ...
            InetSocketAddress address = (InetSocketAddress) listener.localAddress();
            FutureTask<Void> client = new FutureTask<>(() -> client(address, messages), null);
            Thread.ofPlatform().name("jdk client").start(client);
            MemorySegment buf = arena.allocate(16 * 1024);
            long nextId = 1;
            boolean clientGone = false;
            while (!clientGone) {
                int n = epoll.epollWait(5_000);
                if (n == 0) throw new IOException("no event in 5 s");
                for (int i = 0; i < n; i++) {
                    long id = epoll.data(i);
                    if (id == 0) {
                        Socket s;
                        while ((s = listener.accept()) != null) { // null: EAGAIN, the backlog is empty
                            epoll.add(s.fd(), Interest.READ.with(Interest.RDHUP), nextId);
                            connections.put(nextId++, s);
                        }
                        continue;
                    }
                    Socket s = connections.get(id);
                    long r = s.read(buf);
                    if (r > 0) {
                        // A real server queues what a full socket does not take and asks for
                        // EPOLLOUT. The client here reads every echo, so this one waits for
                        // room (poll for POLLOUT) instead of trying again at once (a spin).
                        for (long off = 0; off < r; ) {
                            long w = s.write(buf, off, r - off);
                            if (w > 0) off += w;
                            else awaitWritable(s);
                        }
                        echoed += r;
                    } else if (r == FileDescriptor.EOF) {
                        epoll.delete(s.fd());
                        connections.remove(id).close();
                        clientGone = true;
                    } // else WOULD_BLOCK: nothing after all (level-triggered: we will hear again)
                }
            }
            client.get(); // the client's own failure, if it had one
        } finally {
            for (Socket s : connections.values()) s.close();
        }
        return echoed;
    }

    /** Waits up to 5 s for room in {@code s}'s send buffer, after a write that returned WOULD_BLOCK. */
    private static void awaitWritable(Socket s) throws IOException {
        try (Poll one = new Poll(1)) {
            one.add(s.fd(), Poll.POLLOUT, 0);
            if (one.poll(5_000) == 0) throw new IOException("the client took no byte in 5 s");
        }
    }

    /** A plain JDK client: sends each message, reads its echo, hangs up. */
    private static void client(InetSocketAddress server, int messages) {
        try (java.net.Socket s = new java.net.Socket(server.getAddress(), server.getPort())) {
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            for (int i = 0; i < messages; i++) {
                byte[] m = ("message " + i + "\n").getBytes(StandardCharsets.US_ASCII);
                out.write(m);
                if (!java.util.Arrays.equals(m, in.readNBytes(m.length))) throw new IOException("wrong echo of message " + i);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static void main(String[] args) throws Exception {
        int messages = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        System.out.println("epoll echoed " + run(messages) + " bytes of " + messages + " messages");
    }
}
