package dev.panio.reactor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.SocketOption;

/**
 * A datagram socket (UDP over IPv4 or IPv6, or Unix datagram) served by an {@link EventLoop}:
 * received datagrams go to its {@link DatagramHandler} in batches ({@code recvmmsg}), and
 * sends are written at once when the kernel takes them, or queued.
 *
 * <p>Sends copy the caller's bytes when they must wait, so the caller's memory can be reused
 * at once. The queue follows the loop's {@link ReactorOptions} like a connection's: a send
 * returns false once queued bytes pass the high watermark, {@link DatagramHandler#onWritable}
 * fires under the low one, and a datagram that would take the queue past the hard limit is
 * dropped and reported to {@link DatagramHandler#onError} (a datagram socket loses
 * datagrams under pressure; this one says so). Nothing is sent in part: a datagram leaves
 * whole or not at all.
 *
 * <p>Threads: every method may be called from any thread; off the loop thread, sends are
 * handed to the loop (in order). Handler callbacks run on the loop thread.
 */
public interface DatagramChannel {
    /**
     * Sends {@code data} as one datagram to {@code target}.
     *
     * @return false if the caller should wait for {@link DatagramHandler#onWritable}, or the
     *         channel is closed
     * @throws IllegalArgumentException if {@code target} is not of the channel's family, or
     *         {@code data} is longer than a datagram can be (65,507 bytes over IPv4)
     */
    boolean send(MemorySegment data, SocketAddress target);

    /**
     * Sends {@code data} back to {@code sender} (during {@link DatagramHandler#onDatagram}); as
     * {@link #send(MemorySegment, SocketAddress)}.
     *
     * @throws IllegalArgumentException if the sender has no address to answer (an unbound
     *         Unix datagram socket)
     */
    boolean send(MemorySegment data, DatagramSender sender);

    /**
     * Sends {@code data} to the connected peer of a connected channel.
     *
     * @throws IllegalStateException if the channel is not connected
     */
    boolean send(MemorySegment data);

    /** Whether queued bytes are under the high watermark. */
    boolean isWritable();

    /** Bytes queued and not yet taken by the kernel. */
    long queuedBytes();

    /** Datagrams dropped: at the queue's hard limit, or received longer than the receive buffer. */
    long droppedDatagrams();

    /**
     * Closes once the queue is sent, or after 5 s with what is still queued dropped (a peer
     * whose queue stays full must not hold the channel open); idempotent.
     */
    void close();

    /** Whether the channel is not yet closed. */
    boolean isOpen();

    /** The bound address: an {@link java.net.InetSocketAddress} with its real port, or a {@link dev.panio.net.UnixAddress}. */
    SocketAddress localAddress();

    /** The connected peer, or null for an unconnected channel. */
    SocketAddress remoteAddress();

    /** A socket option as the kernel has it; see {@link dev.panio.net.Socket#getOption}. Any thread. */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /** Sets a socket option; see {@link dev.panio.net.Socket#setOption}. Any thread. */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /** The loop the channel belongs to. */
    EventLoop loop();

    /** An object the application keeps with the channel. */
    Object attachment();

    /** Sets {@link #attachment()}. */
    void attach(Object attachment);
}
