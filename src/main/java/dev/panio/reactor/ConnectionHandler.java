package dev.panio.reactor;

import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * What a server or client does with a connection. Callbacks for one connection never run
 * concurrently: on the event-driven backends they run on its loop's thread, on
 * {@link Backend#BLOCKING} and {@link Backend#VIRTUAL} on the connection's own thread.
 */
public interface ConnectionHandler {
    /** The connection is established. */
    default void onOpen(Connection connection) {}

    /**
     * Bytes arrived. {@code data} is valid only during this call (it may be the loop's
     * read buffer or a kernel-provided buffer): copy what must outlive it.
     */
    void onData(Connection connection, MemorySegment data);

    /**
     * The peer shut down its output (end of stream). By default this side closes once its
     * queued writes are flushed; override to keep writing (half-close).
     */
    default void onInputClosed(Connection connection) {
        connection.close();
    }

    /**
     * The write queue fell back under the low watermark after {@link Connection#write}
     * had reported it full: writing may go on.
     */
    default void onWritable(Connection connection) {}

    /** The connection is closed; {@code error} is set for {@link CloseCause#ERROR} and {@link CloseCause#RESET}. */
    default void onClose(Connection connection, CloseCause cause, IOException error) {}
}
