package dev.panio.reactor;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * A TCP listening address served by an {@link EventLoopGroup}: one socket per loop bound
 * with {@code SO_REUSEPORT}, so the kernel spreads connections across loops.
 */
public final class Listener implements AutoCloseable {
    private final EventLoopGroup group;
    private final InetSocketAddress address;
    final List<dev.panio.net.Socket> sockets;

    Listener(EventLoopGroup group, InetSocketAddress address, List<dev.panio.net.Socket> sockets) {
        this.group = group;
        this.address = address;
        this.sockets = sockets;
    }

    /** The bound address (with the real port when 0 was asked for). */
    public InetSocketAddress localAddress() {
        return address;
    }

    /** Stops accepting; open connections stay. */
    @Override
    public void close() {
        group.unlisten(this);
    }
}
