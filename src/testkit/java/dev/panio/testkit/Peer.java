package dev.panio.testkit;

import dev.panio.coroutine.Blocking;
import dev.panio.coroutine.ThreadPerConnection;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.LongAdder;

/**
 * A loopback TCP server that misbehaves on purpose, for the code under test to connect to:
 * each connection is served by a virtual thread of its own ({@link ThreadPerConnection}) in
 * the way the factory method names, and the peer counts what it saw. Point the client at {@link #address()}; close the
 * peer at the end (it closes every connection it holds).
 *
 * <pre>{@code
 * try (Peer peer = Peer.resetsAfter(100)) {
 *     // a client that sends 1,000 bytes to peer.address() sees "Connection reset"
 * }
 * }</pre>
 *
 * <p>Threads: any; the counters may be read while connections are served.
 */
public final class Peer implements AutoCloseable {
    /** What the peer does with one accepted connection. */
    private interface Behaviour {
        void serve(Peer peer, Socket s) throws IOException, InterruptedException;
    }

    private final ThreadPerConnection server;
    private final LongAdder received = new LongAdder();

    private Peer(int receiveBuffer, Behaviour behaviour) throws ErrnoException {
        Socket listener = Socket.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        try {
            // before any connection: accepted sockets inherit it, and the window scale follows it
            if (receiveBuffer > 0) listener.setReceiveBufferSize(receiveBuffer);
        } catch (ErrnoException e) {
            listener.close();
            throw e;
        }
        this.server = new ThreadPerConnection(listener, "peer", s -> behaviour.serve(this, s));
    }

    /**
     * Echoes what it receives.
     *
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer echo() throws ErrnoException {
        return new Peer(0, (peer, s) -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(16 * 1024);
                for (long n; (n = peer.read(s, buf)) > 0; ) Blocking.write(s, buf.asSlice(0, n));
            }
        });
    }

    /**
     * Accepts and never reads, with a receive buffer of 4 KiB (the kernel doubles it): a
     * client's writes fill the window within kilobytes, then would block ({@code EAGAIN}, a
     * partial write, a blocked {@code write}).
     *
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer neverReads() throws ErrnoException {
        return new Peer(4096, (peer, s) -> Thread.sleep(Long.MAX_VALUE));
    }

    /**
     * Reads about {@code bytesPerSecond}: a tenth of it every 100 ms, with a receive buffer of
     * 4 KiB so the client feels the pace through the window (its writes slow down, then
     * would block, as against a slow consumer).
     *
     * @param bytesPerSecond the pace, positive; at most about 10 MiB/s is kept
     * @return the peer, listening on an ephemeral loopback port
     * @throws IllegalArgumentException if {@code bytesPerSecond} is not positive
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer readsSlowly(long bytesPerSecond) throws ErrnoException {
        if (bytesPerSecond <= 0) throw new IllegalArgumentException("readsSlowly: the rate must be positive: " + bytesPerSecond);
        long step = Math.max(1, bytesPerSecond / 10);
        return new Peer(4096, (peer, s) -> {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment buf = arena.allocate(Math.min(step, 1 << 20)); // so at most ~10 MiB/s
                for (long n; (n = peer.read(s, buf)) > 0; ) Thread.sleep(100);
            }
        });
    }

    /**
     * Reads {@code bytes} and then resets the connection ({@code SO_LINGER} 0 and a close,
     * so the kernel sends RST): the client's next read or write fails with a reset.
     *
     * @param bytes how many bytes to read first (fewer if the client ends first)
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer resetsAfter(long bytes) throws ErrnoException {
        return new Peer(0, (peer, s) -> {
            peer.readAtLeast(s, bytes);
            s.setLinger(0);
            s.close();
        });
    }

    /**
     * Reads {@code bytes}, then shuts its output down (the client reads the end of the
     * stream) and goes on reading: a half-closed connection whose other direction still works.
     *
     * @param bytes how many bytes to read before the shutdown
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer halfClosesAfter(long bytes) throws ErrnoException {
        return new Peer(0, (peer, s) -> {
            peer.readAtLeast(s, bytes);
            s.shutdownOutput();
            peer.readAtLeast(s, Long.MAX_VALUE); // until the client's end
        });
    }

    /**
     * Accepts, reads what comes, and never answers.
     *
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer silent() throws ErrnoException {
        return new Peer(0, (peer, s) -> peer.readAtLeast(s, Long.MAX_VALUE));
    }

    /**
     * Sends {@code message} one byte at a time, {@code gapMillis} apart, then closes: a client
     * must put the message together from many reads.
     *
     * @param message   the bytes to send; copied
     * @param gapMillis the pause after each byte
     * @return the peer, listening on an ephemeral loopback port
     * @throws ErrnoException if the listening socket cannot be made
     */
    public static Peer trickles(byte[] message, long gapMillis) throws ErrnoException {
        byte[] copy = message.clone();
        return new Peer(0, (peer, s) -> trickle(s, copy, gapMillis));
    }

    /** Writes {@code message} a byte per segment ({@code TCP_NODELAY} on TCP), {@code gapMillis} apart; for {@link ClientPeer} too. */
    static void trickle(Socket s, byte[] message, long gapMillis) throws IOException, InterruptedException {
        if (s.family() != Socket.Family.UNIX) s.setTcpNoDelay(true);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment one = arena.allocate(1);
            for (byte b : message) {
                one.set(java.lang.foreign.ValueLayout.JAVA_BYTE, 0, b);
                Blocking.write(s, one);
                Thread.sleep(gapMillis);
            }
        }
    }

    /**
     * Where to connect.
     *
     * @return the loopback address and the peer's port
     * @throws ErrnoException if {@code getsockname} fails
     */
    public InetSocketAddress address() throws ErrnoException {
        return new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port());
    }

    /**
     * Bytes received from every connection so far.
     *
     * @return the sum
     */
    public long bytesReceived() {
        return received.sum();
    }

    /**
     * Connections accepted so far.
     *
     * @return the count
     */
    public int connectionsAccepted() {
        return (int) server.accepted();
    }

    /**
     * Connections still held open.
     *
     * @return the count
     */
    public int connectionsOpen() {
        return server.connections();
    }

    private long read(Socket s, MemorySegment buf) throws IOException {
        long n = Blocking.read(s, buf);
        if (n > 0) received.add(n);
        return n;
    }

    /** Reads until {@code bytes} have come or the stream ends. */
    private void readAtLeast(Socket s, long bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            for (long got = 0; got < bytes; ) {
                long n = read(s, buf.asSlice(0, Math.min(buf.byteSize(), bytes - got)));
                if (n <= 0) return;
                got += n;
            }
        }
    }

    /** Stops accepting and closes every connection it holds (their threads end); waits up to five seconds for them. */
    @Override
    public void close() throws ErrnoException {
        server.close();
    }
}
