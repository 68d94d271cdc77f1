package dev.panio.reactor;

import dev.panio.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.util.List;

/**
 * What a server or client does with a connection. Callbacks for one connection never run
 * concurrently: on the event-driven backends they run on its loop's thread, on
 * {@link Backend#BLOCKING} and {@link Backend#VIRTUAL} on the connection's own thread.
 */
public interface ConnectionHandler {
    /**
     * The connection is established.
     *
     * @param connection the connection
     */
    default void onOpen(Connection connection) {}

    /**
     * Bytes arrived. {@code data} is valid only during this call (it may be the loop's
     * read buffer or a kernel-provided buffer): copy what must outlive it.
     *
     * @param connection the connection
     * @param data       the bytes
     */
    void onData(Connection connection, MemorySegment data);

    /**
     * Descriptors arrived on a Unix connection ({@code SCM_RIGHTS}): the peer attached them
     * to bytes that {@link #onData} delivers next (or, on a seqpacket connection, to the
     * next message; to no bytes at all if the message was empty). The handler owns them from
     * now on and must close them; keep them past this call as long as needed. By default they
     * are closed. If this throws, panio closes them all (a handler that kept some must not use
     * them) and the connection ends as for any handler failure.
     *
     * @param connection the connection
     * @param fds        the descriptors, now the handler's
     */
    default void onFileDescriptors(Connection connection, List<FileDescriptor> fds) {
        for (FileDescriptor fd : fds) {
            try {
                fd.close();
            } catch (IOException ignored) {
                // closed already by the handler's own code
            }
        }
    }

    /**
     * The peer shut down its output (end of stream). By default this side closes once its
     * queued writes are flushed; override to keep writing (half-close).
     *
     * @param connection the connection
     */
    default void onInputClosed(Connection connection) {
        connection.close();
    }

    /**
     * The write queue fell back under the low watermark after {@link Connection#write}
     * had reported it full: writing may go on.
     *
     * @param connection the connection
     */
    default void onWritable(Connection connection) {}

    /**
     * The connection is closed; {@code error} is set for {@link CloseCause#ERROR} and {@link CloseCause#RESET}.
     * Called once per connection, also for one whose connect failed; an exception thrown here
     * is reported and otherwise ignored.
     *
     * @param connection the connection
     * @param cause      why it closed
     * @param error      the failure, or null
     */
    default void onClose(Connection connection, CloseCause cause, IOException error) {}
}
