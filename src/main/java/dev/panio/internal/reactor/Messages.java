package dev.panio.internal.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import java.lang.foreign.MemorySegment;

/**
 * The Unix half of a connection that every model shares: checking and duplicating the
 * descriptors of {@code writeWithFds} on the caller's thread, and sending a queued
 * {@link WriteQueue.Message} (with its descriptors while it has them). Receiving is
 * {@link BaseConnection#receivedMessage}.
 */
public final class Messages {
    private Messages() {}

    /**
     * Checks a {@code writeWithFds} call on {@code socket} and returns duplicates of
     * {@code fds} that the connection owns from now on (close-on-exec). Nothing is left open
     * if it throws.
     */
    public static FileDescriptor[] duplicate(Socket socket, MemorySegment data, FileDescriptor[] fds) throws ErrnoException {
        int self = socket.fd().intValue();
        java.util.Objects.requireNonNull(data, "data");
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
        return m.fds != null ? socket.sendWithFds(m.rest(), m.fds) : socket.write(m.rest());
    }

    /** Closes every non-null descriptor of {@code fds} (null: none). */
    public static void closeAll(FileDescriptor[] fds) {
        if (fds == null) return;
        for (FileDescriptor f : fds) if (f != null) Fds.closeQuietly(f);
    }
}
