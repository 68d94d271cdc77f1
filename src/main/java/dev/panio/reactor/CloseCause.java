package dev.panio.reactor;

/** Why a connection closed, as {@link ConnectionHandler#onClose} reports it. */
public enum CloseCause {
    /** This side closed it ({@link Connection#close()} or group shutdown). */
    LOCAL,
    /** The peer closed its side and this side finished. */
    PEER_CLOSED,
    /** The peer reset the connection ({@code ECONNRESET}, {@code EPIPE}). */
    RESET,
    /** Idle or read timeout. */
    TIMEOUT,
    /** Any other error, including a write queue over its hard limit; the exception says which. */
    ERROR
}
