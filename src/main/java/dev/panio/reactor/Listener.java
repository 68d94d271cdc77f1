package dev.panio.reactor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * A listening address served by an {@link EventLoopGroup}. For TCP, one socket per loop
 * bound with {@code SO_REUSEPORT}, so the kernel spreads connections across loops. For a Unix
 * socket, which has no {@code SO_REUSEPORT}, one socket whose descriptor each loop holds a
 * duplicate of: every loop accepts from the one queue (on the signal-driven backend, whose
 * signal owner is shared by duplicates, one loop serves it). Closing a listener bound to a path
 * leaves the socket file, as closing any Unix socket does.
 *
 * <p>Threads: any thread.
 */
public final class Listener implements AutoCloseable {
    private final EventLoopGroup group;
    private final SocketAddress address;
    final List<dev.panio.net.Socket> sockets;

    Listener(EventLoopGroup group, SocketAddress address, List<dev.panio.net.Socket> sockets) {
        this.group = group;
        this.address = address;
        this.sockets = sockets;
    }

    /**
     * The bound address: an {@link InetSocketAddress} with the real port when 0 was asked
     * for, or the {@link dev.panio.net.UnixAddress}.
     *
     * @return the address
     */
    public SocketAddress localAddress() {
        return address;
    }

    /**
     * The bound port of a TCP listener.
     *
     * @return the port
     * @throws IllegalStateException for a Unix listener
     */
    public int port() {
        if (address instanceof InetSocketAddress inet) return inet.getPort();
        throw new IllegalStateException("a Unix listener has no port: " + address);
    }

    /** Stops accepting; open connections stay. */
    @Override
    public void close() {
        group.unlisten(this);
    }
}
