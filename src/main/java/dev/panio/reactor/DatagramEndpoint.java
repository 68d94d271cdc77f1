package dev.panio.reactor;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The datagram channels of one {@link EventLoopGroup#bindDatagram}: one channel, or one per
 * loop bound to the same port with {@code SO_REUSEPORT} (the kernel then spreads flows over
 * them). Closing it closes every channel once its queue is sent.
 *
 * <p>Threads: any thread.
 */
public final class DatagramEndpoint implements AutoCloseable {
    private final SocketAddress address;
    private final List<DatagramChannel> channels;

    DatagramEndpoint(SocketAddress address, List<DatagramChannel> channels) {
        this.address = address;
        this.channels = List.copyOf(channels);
    }

    /**
     * The bound address, with the real port when 0 was asked for.
     *
     * @return an {@link InetSocketAddress} or a {@link dev.panio.net.UnixAddress}
     */
    public SocketAddress localAddress() {
        return address;
    }

    /**
     * The bound port.
     *
     * @return the port
     * @throws IllegalStateException for a Unix address
     */
    public int port() {
        if (address instanceof InetSocketAddress inet) return inet.getPort();
        throw new IllegalStateException("a Unix address has no port: " + address);
    }

    /**
     * The channels, one per socket.
     *
     * @return the channels, an unmodifiable list
     */
    public List<DatagramChannel> channels() {
        return channels;
    }

    /** Closes every channel once its queue is sent. */
    @Override
    public void close() {
        for (DatagramChannel c : channels) c.close();
    }
}
