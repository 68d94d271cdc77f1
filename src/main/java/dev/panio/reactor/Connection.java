package dev.panio.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.SocketOption;

/**
 * One connection on an {@link EventLoop}: TCP over IPv4 or IPv6, or a Unix stream or
 * seqpacket socket.
 *
 * <p>On a seqpacket connection each {@link #write} is one message, sent whole or queued
 * whole, and each {@link ConnectionHandler#onData} is one message received; a message
 * longer than the loop's read buffer ({@link ReactorOptions#readBufferBytes()}) ends the
 * connection with {@code EMSGSIZE} rather than arrive cut, one longer than the socket's send
 * buffer ({@code SO_SNDBUF}) cannot leave whole and ends it with {@code EMSGSIZE} too, and
 * an empty message reads as the end of input (as it does for {@code recv(2)}), so
 * {@code write} and {@code writeWithFds} without descriptors send none. Unix
 * connections carry descriptors both ways: {@link #writeWithFds} and
 * {@link ConnectionHandler#onFileDescriptors}.
 *
 * <p>Writes are copied into a per-connection queue (or written straight through when the
 * socket takes them), so the caller's memory can be reused at once. The queue has a high
 * and a low watermark: {@link #write} returns false once queued bytes pass the high one,
 * and {@link ConnectionHandler#onWritable} fires when they fall below the low one. A
 * write that would take the queue past its hard limit closes the connection with
 * {@link CloseCause#ERROR}: a peer that never reads cannot make the server hold unbounded
 * memory; files sent with {@link #sendFile} are queued as regions of the file, not copies.
 * Methods may be called from any thread; off the loop thread they are handed to the loop.
 */
public interface Connection {
    /**
     * Queues (or writes) a copy of {@code data}; false if the caller should now wait for onWritable.
     *
     * @param data the bytes, all of it; heap or off-heap, reusable once this returns
     * @return true while the connection takes more; false once queued bytes pass the high
     *         watermark (wait for {@link ConnectionHandler#onWritable}), or if it is closed or
     *         closing (the bytes are dropped). On {@link Backend#BLOCKING} and
     *         {@link Backend#VIRTUAL} the call blocks until the kernel has taken every byte,
     *         and false means the connection ended
     */
    default boolean write(MemorySegment data) {
        return write(data, 0, data.byteSize());
    }

    /**
     * Queues (or writes) a copy of {@code length} bytes of {@code data} from {@code offset}:
     * the same as {@code write(data.asSlice(offset, length))} without the slice, for
     * handlers that build every response in one reused buffer.
     *
     * @param data   the buffer; heap or off-heap, reusable once this returns
     * @param offset where in {@code data} the bytes start
     * @param length how many bytes to write
     * @return true while the connection takes more; false once queued bytes pass the high
     *         watermark (wait for {@link ConnectionHandler#onWritable}), or if it is closed or
     *         closing (the bytes are dropped). On {@link Backend#BLOCKING} and
     *         {@link Backend#VIRTUAL} the call blocks until the kernel has taken every byte,
     *         and false means the connection ended
     * @throws IndexOutOfBoundsException if {@code offset} and {@code length} do not fit {@code data}
     */
    boolean write(MemorySegment data, long offset, long length);

    /**
     * Queues (or writes) a copy of {@code data} with {@code fds} attached ({@code sendmsg}
     * with {@code SCM_RIGHTS}) on a Unix connection, after everything written before: the
     * peer gets descriptors of its own for the same open files. On a seqpacket connection
     * {@code data} and {@code fds} are one message; on a stream connection the descriptors
     * travel with the first byte of {@code data}, so a panio peer's handler hears
     * {@link ConnectionHandler#onFileDescriptors} before the {@code onData} that holds that
     * byte (which may hold earlier bytes too: a stream has no boundaries).
     *
     * <p>Each descriptor is duplicated during this call ({@code F_DUPFD_CLOEXEC}): the caller
     * keeps its own and may close it at once. The duplicates are closed once sent, or when
     * the connection ends with them unsent. Any thread.
     *
     * @param data the bytes the descriptors travel with; reusable once this returns
     * @param fds  the descriptors to pass; the caller keeps them
     * @return as for {@link #write}; false also if the connection is closed or closing (the
     *         duplicates are closed then)
     * @throws IllegalArgumentException if this is not a Unix connection, if more than 253
     *         descriptors are given (the kernel's {@code SCM_MAX_FD}), or if {@code data} is
     *         empty on a stream connection (the descriptors need a byte to ride on)
     * @throws ErrnoException if a descriptor cannot be duplicated ({@code EMFILE}, or one is
     *         closed): then nothing is sent
     */
    boolean writeWithFds(MemorySegment data, FileDescriptor... fds) throws ErrnoException;

    /**
     * Sends {@code count} bytes of {@code file} from {@code position}, after everything
     * written before, without copying them through user space: {@code sendfile(2)} on the
     * readiness and thread backends, {@code splice(2)} through a pipe on io_uring. The
     * connection owns {@code file} from this call on and closes it once sent, or when the
     * connection closes. Stream connections only (a seqpacket connection refuses it with
     * {@code IllegalStateException}: a message cannot come from a file). The bytes count toward the watermarks (the handler sees
     * backpressure as for {@link #write}) but not toward the memory limit: they stay in the
     * page cache. A file shorter than promised closes the connection with
     * {@link CloseCause#ERROR}, since the peer was promised those bytes.
     *
     * @param file     the file to read from; the connection owns it from this call on,
     *                 whatever happens (it is closed also when this throws or returns false)
     * @param position the file offset to start at
     * @param count    how many bytes to send
     * @return as for {@link #write}; false also if the connection is closed or closing
     * @throws IllegalArgumentException if {@code position} or {@code count} is negative
     * @throws IllegalStateException on a seqpacket connection
     */
    boolean sendFile(FileDescriptor file, long position, long count);

    /**
     * Whether queued bytes are under the high watermark.
     *
     * @return false from when the queue passes the high watermark until it falls under the
     *         low one, and once the connection is closed or closing; on {@link Backend#BLOCKING}
     *         and {@link Backend#VIRTUAL}, whether the connection still takes writes
     */
    boolean isWritable();

    /**
     * Bytes queued and not yet taken by the kernel.
     *
     * @return the bytes in the queue, file regions included; always 0 on {@link Backend#BLOCKING}
     *         and {@link Backend#VIRTUAL}, which have no queue
     */
    long queuedBytes();

    /** Shuts down output once the queue is flushed (half-close); reading goes on. */
    void shutdownOutput();

    /** Closes once queued writes are flushed (graceful). */
    void close();

    /** Closes now, discarding queued writes. */
    void abort();

    /**
     * Stops reading until {@link #resumeReading()}: the peer is slowed by flow control. Bytes
     * already read when this is called (those that came with descriptors, when it is called
     * from {@link ConnectionHandler#onFileDescriptors}) are delivered after the resume, and so
     * is the end of the peer's output. A reset by the peer ({@link CloseCause#RESET}) ends the
     * connection at once on the POLL, EPOLL, EPOLL_ET, SIGNAL and IO_URING backends (the
     * kernel reports errors whatever the interest; io_uring waits for one with an empty poll in
     * the receive's place, and hears a reset after the peer's end only where it has multishot
     * poll, Linux 5.13), and on SELECT, BLOCKING and VIRTUAL at the resume: select reports an
     * error only through the sets the fd is in, and a thread per connection learns of it when
     * it reads again. A reset that follows the peer's end reads as that end at the resume.
     */
    void suspendReading();

    /** Resumes reading. */
    void resumeReading();

    /**
     * Closes with {@link CloseCause#TIMEOUT} after {@code millis} without reads or writes (0: never).
     * Replaces the timeout set before, or the group's default.
     *
     * @param millis milliseconds with no byte read or written, 0 for no limit
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    void setIdleTimeout(long millis);

    /**
     * Closes with {@link CloseCause#TIMEOUT} after {@code millis} without bytes read, whatever is written (0: never).
     * The time counts from the last read, or from the connection's start if nothing was read.
     *
     * @param millis milliseconds with no byte read, 0 for no limit
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    void setReadTimeout(long millis);

    /**
     * Whether the connection is not yet closed.
     *
     * @return false once it has ended (before {@code onClose} is called); true while it is
     *         still flushing after {@link #close()}
     */
    boolean isOpen();

    /**
     * The peer's address: an {@link java.net.InetSocketAddress}, or a
     * {@link dev.panio.net.UnixAddress} ({@code unnamed} for an unbound Unix client); null
     * if the socket no longer has one. Any thread.
     *
     * @return the address, or null
     */
    SocketAddress remoteAddress();

    /**
     * This end's address, of the same kinds as {@link #remoteAddress()}. Any thread.
     *
     * @return the address, or null if the socket no longer has one
     */
    SocketAddress localAddress();

    /**
     * The value of a socket option as the kernel has it; see
     * {@link dev.panio.net.Socket#getOption}. Any thread.
     *
     * @param <T>    the option's value type
     * @param option the option
     * @return the value
     * @throws IOException if the socket is closed or the kernel refuses
     * @throws UnsupportedOperationException if the option does not apply to this connection's socket
     */
    <T> T getOption(SocketOption<T> option) throws IOException;

    /**
     * Sets a socket option on the connection's socket; see
     * {@link dev.panio.net.Socket#setOption}. Any thread.
     *
     * @param <T>    the option's value type
     * @param option the option
     * @param value  its value
     * @throws IOException if the socket is closed or the kernel refuses
     * @throws UnsupportedOperationException if the option does not apply to this connection's socket
     * @throws IllegalArgumentException if the value is out of range
     */
    <T> void setOption(SocketOption<T> option, T value) throws IOException;

    /**
     * The loop the connection belongs to.
     *
     * @return the loop, for timers and tasks that should run with its callbacks
     */
    EventLoop loop();

    /**
     * An object the application keeps with the connection. A plain field: read it on the
     * thread that set it (the connection's callback thread) or publish it yourself.
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
