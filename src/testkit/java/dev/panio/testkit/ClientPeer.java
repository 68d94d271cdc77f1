package dev.panio.testkit;

import dev.panio.coroutine.Blocking;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A client that misbehaves on purpose, for a server under test: connects to the server's
 * address (TCP over IPv4 or IPv6, or a Unix stream socket) and does what its factory method
 * names on a virtual thread of its own, keeping what it received and how the connection
 * ended. The counterpart of {@link Peer}, which misbehaves as a server.
 *
 * <pre>{@code
 * try (ClientPeer c = ClientPeer.neverReads(server.address(), request)) {
 *     // the server's writes to c back up: its queue grows, its write timeout fires ...
 * }
 * }</pre>
 *
 * <p>Threads: any. The connect happens in the factory method, so a refused connection is the
 * factory's exception; close stops the thread and closes the socket.
 */
public final class ClientPeer implements AutoCloseable {
    /** How the client's connection ended, as the client saw it. */
    public enum End {
        /** The server shut its output: a read returned end-of-stream. */
        END_OF_STREAM,
        /** The server reset the connection ({@code ECONNRESET}, or {@code EPIPE} on a write). */
        RESET,
        /** The client ended it itself, as its behaviour says (a reset, or its close). */
        BY_CLIENT
    }

    private interface Behaviour {
        void run(ClientPeer c) throws IOException, InterruptedException;
    }

    /** Bytes kept of what was received; counted beyond. */
    private static final int KEEP = 16 << 20;

    private final Socket socket;
    private final AtomicLong receivedBytes = new AtomicLong();
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
    private final CompletableFuture<End> end = new CompletableFuture<>();
    private final Thread thread;

    private ClientPeer(SocketAddress server, int receiveBuffer, Behaviour behaviour) throws IOException {
        Socket s = Socket.open(Socket.Family.of(server), Socket.Type.STREAM, true);
        try {
            // before the connect: the window scale follows the buffer
            if (receiveBuffer > 0) s.setReceiveBufferSize(receiveBuffer);
            Blocking.connect(s, server, 10_000);
        } catch (IOException | RuntimeException e) {
            s.close();
            throw e;
        }
        this.socket = s;
        this.thread = Thread.ofVirtual().name("client-peer-" + s.fd().intValue()).start(() -> {
            try {
                behaviour.run(this);
                end.complete(End.BY_CLIENT);
            } catch (ErrnoException e) {
                end.complete(e.errno() == Errno.ECONNRESET || e.errno() == Errno.EPIPE ? End.RESET : End.BY_CLIENT);
            } catch (EndOfStream e) {
                end.complete(End.END_OF_STREAM);
            } catch (IOException | InterruptedException | RuntimeException e) {
                end.complete(End.BY_CLIENT); // closed by close(), or interrupted by it
            }
        });
    }

    /** Thrown inside to say the server ended its output. */
    private static final class EndOfStream extends IOException {
        EndOfStream() {
            super("end of stream");
        }
    }

    /**
     * Sends {@code request} and never reads, with a receive buffer of 4 KiB (the kernel
     * doubles it): the server's answer fills the window within kilobytes, then its writes
     * would block ({@code EAGAIN}, a partial write, a full write queue).
     *
     * @param server  the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @param request the bytes sent first; copied
     * @return the client, connected, its behaviour running
     * @throws IOException if the connect fails or does not complete within 10 s
     * @throws IllegalArgumentException for an address of another kind
     */
    public static ClientPeer neverReads(SocketAddress server, byte[] request) throws IOException {
        byte[] copy = request.clone();
        return new ClientPeer(server, 4096, c -> {
            c.send(copy);
            Thread.sleep(Long.MAX_VALUE);
        });
    }

    /**
     * Sends {@code request}, then reads about {@code bytesPerSecond}: a tenth of it every
     * 100 ms, with a 4 KiB receive buffer so the server feels the pace through the window.
     *
     * @param server  the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @param request the bytes sent first; copied
     * @param bytesPerSecond the pace, positive
     * @return the client, connected, its behaviour running
     * @throws IllegalArgumentException if {@code bytesPerSecond} is not positive, or for an
     *         address of another kind
     * @throws IOException if the connect fails or does not complete within 10 s
     */
    public static ClientPeer readsSlowly(SocketAddress server, byte[] request, long bytesPerSecond) throws IOException {
        if (bytesPerSecond <= 0) throw new IllegalArgumentException("readsSlowly: the rate must be positive: " + bytesPerSecond);
        byte[] copy = request.clone();
        return new ClientPeer(server, 4096, c -> {
            c.send(copy);
            long step = Math.max(1, bytesPerSecond / 10);
            for (;;) {
                c.receive(step);
                Thread.sleep(100);
            }
        });
    }

    /**
     * Sends {@code request}, reads {@code bytes} of the answer, then resets the connection
     * ({@code SO_LINGER} 0 and a close: RST): the server's next read or write fails with a
     * reset, whatever it still had queued.
     *
     * @param server  the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @param request the bytes sent first; copied
     * @param bytes   how many bytes of the answer to read first
     * @return the client, connected, its behaviour running
     * @throws IOException if the connect fails or does not complete within 10 s
     * @throws IllegalArgumentException for an address of another kind
     */
    public static ClientPeer resetsAfterReading(SocketAddress server, byte[] request, long bytes) throws IOException {
        byte[] copy = request.clone();
        return new ClientPeer(server, 0, c -> {
            c.send(copy);
            c.receive(bytes);
            c.socket.setLinger(0);
            c.socket.close();
        });
    }

    /**
     * Sends {@code request}, shuts its output (the server reads end-of-stream) and reads the
     * answer until the server's end: a server must still answer a half-closed client.
     *
     * @param server  the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @param request the bytes sent first; copied
     * @return the client, connected, its behaviour running
     * @throws IOException if the connect fails or does not complete within 10 s
     * @throws IllegalArgumentException for an address of another kind
     */
    public static ClientPeer halfCloses(SocketAddress server, byte[] request) throws IOException {
        byte[] copy = request.clone();
        return new ClientPeer(server, 0, c -> {
            c.send(copy);
            c.socket.shutdownOutput();
            c.receive(Long.MAX_VALUE);
        });
    }

    /**
     * Sends {@code request} a byte per segment, {@code gapMillis} apart, then reads the answer
     * until the server's end: a server must put the request together from many reads.
     *
     * @param server    the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @param request   the bytes to send; copied
     * @param gapMillis the pause after each byte
     * @return the client, connected, its behaviour running
     * @throws IOException if the connect fails or does not complete within 10 s
     * @throws IllegalArgumentException for an address of another kind
     */
    public static ClientPeer trickles(SocketAddress server, byte[] request, long gapMillis) throws IOException {
        byte[] copy = request.clone();
        return new ClientPeer(server, 0, c -> {
            Peer.trickle(c.socket, copy, gapMillis);
            c.receive(Long.MAX_VALUE);
        });
    }

    /**
     * Connects and says nothing; reads until the server's end (an idle timeout, say).
     *
     * @param server the server's address: an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     * @return the client, connected, its behaviour running
     * @throws IOException if the connect fails or does not complete within 10 s
     * @throws IllegalArgumentException for an address of another kind
     */
    public static ClientPeer silent(SocketAddress server) throws IOException {
        return new ClientPeer(server, 0, c -> c.receive(Long.MAX_VALUE));
    }

    // ---- what it saw ------------------------------------------------------------------------

    /**
     * Bytes received so far.
     *
     * @return the count, including bytes beyond what {@link #received()} keeps
     */
    public long bytesReceived() {
        return receivedBytes.get();
    }

    /**
     * What was received so far (the first 16 MiB of it).
     *
     * @return a copy of the bytes
     */
    public byte[] received() {
        synchronized (kept) {
            return kept.toByteArray();
        }
    }

    /**
     * The client's local port (TCP).
     *
     * @return the port, to find the connection in {@link TcpTable}
     * @throws IllegalStateException for a Unix client
     * @throws ErrnoException if {@code getsockname} fails (the socket is closed)
     */
    public int localPort() throws ErrnoException {
        return socket.localPort();
    }

    /**
     * How the connection ended, once it has; empty while it goes on.
     *
     * @return the end, or empty
     */
    public java.util.Optional<End> end() {
        return java.util.Optional.ofNullable(end.getNow(null));
    }

    /**
     * Waits until the connection ends and says how.
     *
     * @param timeout the longest wait
     * @return how it ended
     * @throws TimeoutException if it has not ended within {@code timeout}
     * @throws InterruptedException if the waiting thread is interrupted
     */
    public End awaitEnd(Duration timeout) throws InterruptedException, TimeoutException {
        try {
            return end.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause()); // never: the thread completes it normally
        }
    }

    /** Stops the client's thread and closes its socket (if its behaviour has not already). */
    @Override
    public void close() throws InterruptedException {
        thread.interrupt();
        try {
            if (socket.fd().isOpen()) socket.close(); // wakes a thread parked on its readiness
        } catch (ErrnoException | dev.panio.io.ClosedException e) {
            // closed by its behaviour meanwhile
        }
        thread.join();
    }

    // ---- for the behaviours -------------------------------------------------------------------

    private void send(byte[] data) throws IOException {
        if (data.length > 0) Blocking.write(socket, MemorySegment.ofArray(data));
    }

    /** Reads up to {@code bytes}; throws {@link EndOfStream} if the server ends first. */
    private void receive(long bytes) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(16 * 1024);
            for (long got = 0; got < bytes; ) {
                long n = Blocking.read(socket, buf.asSlice(0, Math.min(buf.byteSize(), bytes - got)));
                if (n <= 0) throw new EndOfStream();
                got += n;
                receivedBytes.addAndGet(n);
                synchronized (kept) {
                    int room = KEEP - kept.size();
                    if (room > 0) kept.write(buf.asSlice(0, Math.min(n, room)).toArray(ValueLayout.JAVA_BYTE), 0, (int) Math.min(n, room));
                }
            }
        }
    }
}
