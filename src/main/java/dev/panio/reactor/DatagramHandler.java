package dev.panio.reactor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * The application's side of a {@link DatagramChannel}. Every method is called on the
 * channel's loop thread, one at a time.
 */
public interface DatagramHandler {
    /**
     * The channel is bound (and connected, for a connected channel) and receiving.
     *
     * @param channel the channel
     */
    default void onOpen(DatagramChannel channel) {}

    /**
     * One datagram arrived. {@code data} and {@code sender} are valid only during this call
     * (the memory is the channel's receive buffer); answer with
     * {@link DatagramChannel#send(MemorySegment, DatagramSender)}, which makes no address
     * object, or copy what must outlive the call.
     *
     * @param channel the channel
     * @param data    the datagram, whole (a longer one than the receive buffer is dropped and
     *                reported to {@link #onError} instead)
     * @param sender  who sent it
     */
    void onDatagram(DatagramChannel channel, MemorySegment data, DatagramSender sender);

    /**
     * Queued datagrams fell under the low watermark after {@link DatagramChannel#send} returned false.
     *
     * @param channel the channel
     */
    default void onWritable(DatagramChannel channel) {}

    /**
     * A send or receive failed without ending the channel: an ICMP error reported on a
     * connected channel ({@code ECONNREFUSED}), a datagram too large ({@code EMSGSIZE}), one
     * that did not fit the receive buffer (then the error names its length), a queued datagram
     * dropped at the queue's hard limit. The channel goes on.
     *
     * @param channel the channel
     * @param error   what failed
     */
    default void onError(DatagramChannel channel, IOException error) {}

    /**
     * The channel has closed ({@link CloseCause#LOCAL} for close, {@link CloseCause#ERROR} with the error).
     *
     * @param channel the channel
     * @param cause   {@link CloseCause#LOCAL} for a close or the group's shutdown,
     *                {@link CloseCause#TIMEOUT} when a close gave up on a queue not sent in 5 s,
     *                {@link CloseCause#ERROR} for a failure
     * @param error   the failure, or null
     */
    default void onClose(DatagramChannel channel, CloseCause cause, IOException error) {}
}
