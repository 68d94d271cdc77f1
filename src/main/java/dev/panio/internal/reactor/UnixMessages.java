package dev.panio.internal.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * The Unix half of a connection that every model shares: checking and duplicating the
 * descriptors of {@code writeWithFds} on the caller's thread, and sending a queued
 * {@link WriteQueue.Message} (with its descriptors while it has them), and the errors of
 * messages. Receiving is {@link BaseConnection#receivedMessage}.
 */
public final class UnixMessages {
    private UnixMessages() {}

    /**
     * Checks a {@code writeWithFds} call on {@code socket} and returns duplicates of
     * {@code fds} that the connection owns from now on (close-on-exec). Nothing is left open
     * if it throws.
     */
    public static FileDescriptor[] duplicate(Socket socket, MemorySegment data, FileDescriptor[] fds) throws ErrnoException {
        int self = socket.fd().intValue();
        Objects.requireNonNull(data, "data");
        if (socket.family() != Socket.Family.UNIX) {
            throw new IllegalArgumentException("writeWithFds(fd=" + self + "): descriptors pass only over Unix connections, this is "
                    + socket.family());
        }
        if (fds.length > MessageInfo.MAX_FDS) {
            throw new IllegalArgumentException("writeWithFds(fd=" + self + "): " + fds.length
                    + " descriptors; one message carries at most " + MessageInfo.MAX_FDS);
        }
        if (socket.type() == Socket.Type.STREAM && data.byteSize() == 0 && fds.length > 0) {
            throw new IllegalArgumentException("writeWithFds(fd=" + self
                    + "): descriptors on a stream connection need at least one byte of data to ride on");
        }
        FileDescriptor[] dups = new FileDescriptor[fds.length];
        try {
            for (int i = 0; i < fds.length; i++) {
                if (fds[i] == null) throw new NullPointerException("writeWithFds(fd=" + self + "): descriptor " + i + " is null");
                dups[i] = fds[i].duplicate(0);
            }
        } catch (ErrnoException | RuntimeException e) {
            closeAll(dups);
            throw e;
        }
        return dups;
    }

    /**
     * Sends what is left of {@code m} in one non-blocking call: {@code sendmsg} with its
     * descriptors if it still has them, else {@code send}.
     *
     * @return bytes taken (0 for an empty seqpacket message that carried descriptors), or
     *         {@link FileDescriptor#WOULD_BLOCK}
     */
    public static long send(Socket socket, WriteQueue.Message m) throws ErrnoException {
        try {
            return m.fds != null ? socket.sendWithFds(m.rest(), m.fds) : socket.write(m.rest());
        } catch (ErrnoException e) {
            if (e.errno() != Errno.EMSGSIZE) throw e;
            // the kernel's word alone does not say which limit: a message must fit the send buffer whole
            throw new ErrnoException("sendmsg", "a message of " + m.remaining() + " bytes is more than the socket's send buffer "
                    + "(SO_SNDBUF) can hold whole", socket.fd().intValue(), Errno.EMSGSIZE);
        }
    }

    /** The refusal of {@code sendFile} on a seqpacket connection, after closing the file it was handed. */
    public static IllegalStateException refuseSendFile(Socket socket, FileDescriptor file) {
        Fds.closeQuietly(file);
        return new IllegalStateException("sendFile(fd=" + socket.fd().intValue() + "): a seqpacket connection sends messages, not files");
    }

    /** Closes every non-null descriptor of {@code fds} (null: none). */
    public static void closeAll(FileDescriptor[] fds) {
        if (fds == null) return;
        for (FileDescriptor f : fds) if (f != null) Fds.closeQuietly(f);
    }
}
