package dev.panio.reactor;

import java.net.SocketAddress;

/**
 * The sender of the datagram being delivered to {@link DatagramHandler#onDatagram}: valid
 * only during that call. Replying with {@link DatagramChannel#send(java.lang.foreign.MemorySegment, DatagramSender)}
 * copies the sender's address as the kernel gave it, without making an address object.
 * The channel reuses one object for every delivery: used outside a callback it throws
 * {@link IllegalStateException}, and one kept from an earlier callback stands for the sender
 * of the datagram being delivered now, so keep {@link #address()} instead.
 */
public interface DatagramSender {
    /**
     * The sender's address as an object (made on each call): an {@link java.net.InetSocketAddress} or a {@link dev.panio.net.UnixAddress}.
     *
     * @return the address, valid after the callback
     * @throws IllegalStateException outside {@link DatagramHandler#onDatagram}
     */
    SocketAddress address();

    /**
     * The sender's port, without making an object; -1 for a Unix sender.
     *
     * @return the port, or -1
     * @throws IllegalStateException outside {@link DatagramHandler#onDatagram}
     */
    int port();
}
