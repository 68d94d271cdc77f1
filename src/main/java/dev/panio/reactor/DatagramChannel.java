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
     * @param data   the datagram; reusable once this returns
     * @param target the receiver, of the channel's family
     * @return false if the caller should wait for {@link DatagramHandler#onWritable}, the
     *         datagram was dropped at the queue's hard limit, or the channel is closed
     * @throws NullPointerException if {@code target} is null
     * @throws IllegalArgumentException if {@code target} is not of the channel's family, or
     *         {@code data} is longer than a UDP datagram can be (65,507 bytes over IPv4, 65,527
     *         over IPv6; a Unix datagram's limit is the send buffer's, and the kernel's
     *         {@code EMSGSIZE} goes to {@link DatagramHandler#onError})
     */
    boolean send(MemorySegment data, SocketAddress target);

    /**
     * Sends {@code data} back to {@code sender} (during {@link DatagramHandler#onDatagram}); as
     * {@link #send(MemorySegment, SocketAddress)}.
     *
     * @param data   the datagram; reusable once this returns
     * @param sender the sender of the datagram being delivered
     * @return false if the caller should wait for {@link DatagramHandler#onWritable}, the
     *         datagram was dropped at the queue's hard limit, or the channel is closed
     * @throws IllegalArgumentException if the sender has no address to answer (an unbound
     *         Unix datagram socket), is another channel's, or {@code data} is longer than a
     *         UDP datagram can be (as above)
     * @throws IllegalStateException outside {@link DatagramHandler#onDatagram}
     */
    boolean send(MemorySegment data, DatagramSender sender);

    /**
     * Sends {@code data} to the connected peer of a connected channel.
     *
     * @param data the datagram; reusable once this returns
     * @return false if the caller should wait for {@link DatagramHandler#onWritable}, the
     *         datagram was dropped at the queue's hard limit, or the channel is closed
     * @throws IllegalArgumentException if {@code data} is longer than a UDP datagram can be (as above)
     * @throws IllegalStateException if the channel is not connected
     */
    boolean send(MemorySegment data);

    /**
     * Whether queued bytes are under the high watermark.
     *
     * @return false from when the queue passes the high watermark until it falls to the low one
     */
    boolean isWritable();

    /**
     * Bytes queued and not yet taken by the kernel.
     *
     * @return the queued datagrams' bytes; 0 once closed
     */
    long queuedBytes();

    /**
     * Datagrams dropped: at the queue's hard limit, or received longer than the receive buffer.
     *
     * @return the count since the channel opened
     */
    long droppedDatagrams();

    /**
     * Closes once the queue is sent, or after 5 s with what is still queued dropped (a peer
     * whose queue stays full must not hold the channel open); idempotent.
     */
    void close();

    /**
     * Whether the channel is not yet closed.
     *
     * @return false once it has ended; true while a close waits for the queue
     */
    boolean isOpen();

    /**
     * The bound address: an {@link java.net.InetSocketAddress} with its real port, or a {@link dev.panio.net.UnixAddress}.
     *
     * @return the address, or null if the socket cannot report it (closed)
     */
    SocketAddress localAddress();

    /**
     * The connected peer, or null for an unconnected channel.
     *
     * @return the peer, or null
     */
    SocketAddress remoteAddress();

    /**
     * A socket option as the kernel has it; see {@link dev.panio.net.Socket#getOption}. Any thread.
     *
     * @param <T>    the option's value type
     * @param option the option
     * @return the value
     * @throws IOException if the socket is closed or the kernel refuses
     * @throws UnsupportedOperationException if the option does not apply to the channel's socket
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * Sets a socket option; see {@link dev.panio.net.Socket#setOption}. Any thread.
     *
     * @param <T>    the option's value type
     * @param option the option
     * @param value  its value
     * @throws IOException if the socket is closed or the kernel refuses
     * @throws UnsupportedOperationException if the option does not apply to the channel's socket
     * @throws IllegalArgumentException if the value is out of range
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * The loop the channel belongs to.
     *
     * @return the loop its callbacks run on
     */
    EventLoop loop();

    /**
     * An object the application keeps with the channel.
     *
     * @return the attachment, or null
     */
    Object attachment();

    /**
     * Sets {@link #attachment()}.
     *
     * @param attachment the object, or null
     */
    void attach(Object attachment);
}
