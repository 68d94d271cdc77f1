package dev.panio.testkit.proxy;

import java.net.SocketAddress;
import java.time.Duration;
import java.util.List;

/**
 * What a {@link FaultProxy} saw of one client connection, at the moment the record was taken
 * ({@link FaultProxy#connections()}, {@link FaultProxy#awaitEnded}). Times are measured from
 * the proxy's start on the monotonic clock.
 *
 * @param id                  1 for the first connection the proxy accepted, then 2, ...
 * @param client              the client's address as the proxy saw it
 * @param bytesToUpstream     bytes the proxy wrote to the upstream
 * @param bytesToClient       bytes the proxy wrote to the client
 * @param droppedToUpstream   bytes read from the client that a fault dropped (after a limit,
 *                            a half-close, a reset, or held by a stall that timed out)
 * @param droppedToClient     the same, read from the upstream
 * @param heldToUpstream      bytes read from the client that faults hold now (not yet written on)
 * @param heldToClient        the same, read from the upstream
 * @param faults              the faults that hit this connection, as {@code #id direction description}
 * @param acceptedAt          when the proxy accepted the client
 * @param upstreamConnectedAt when the upstream connection was made; null if it was not (yet)
 * @param endedAt             when both sides were closed; null while open
 * @param ending              how it ended; null while open
 * @param detail              for {@link Ending#UPSTREAM_UNREACHABLE} and {@link Ending#ERROR},
 *                            the error; otherwise null
 */
public record ProxiedConnection(long id, SocketAddress client, long bytesToUpstream, long bytesToClient,
        long droppedToUpstream, long droppedToClient, long heldToUpstream, long heldToClient, List<String> faults, Duration acceptedAt,
        Duration upstreamConnectedAt, Duration endedAt, Ending ending, String detail) {

    /** How a proxied connection ended. */
    public enum Ending {
        /** The client ended its stream first, then both directions finished. */
        CLIENT_CLOSED,
        /** The upstream ended its stream first, then both directions finished. */
        UPSTREAM_CLOSED,
        /** The client reset its connection; the proxy reset the upstream's. */
        CLIENT_RESET,
        /** The upstream reset its connection; the proxy reset the client's. */
        UPSTREAM_RESET,
        /** The proxy could not connect to the upstream (refused, timed out); it closed the client. */
        UPSTREAM_UNREACHABLE,
        /** A {@link Fault.LimitData} closed it. */
        LIMIT_DATA,
        /** A {@link Fault.Stall} with a timeout closed it. */
        STALL_TIMEOUT,
        /** A {@link Fault.Reset} reset both sides. */
        RESET_BY_FAULT,
        /** Another error on a side (the detail says which); the proxy closed the other. */
        ERROR,
        /** The proxy was closed while the connection was open. */
        PROXY_CLOSED
    }

    /**
     * Whether the connection was still open when this record was taken.
     *
     * @return true if it had not ended
     */
    public boolean isOpen() {
        return ending == null;
    }

    /**
     * Whether {@code fault} hit this connection.
     *
     * @param fault a fault of the proxy that made this record
     * @return true if it is among {@link #faults()}
     */
    public boolean hitBy(FaultHandle fault) {
        String prefix = "#" + fault.id() + " ";
        for (String f : faults) if (f.startsWith(prefix)) return true;
        return false;
    }
}
