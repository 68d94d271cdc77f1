package dev.panio.internal.reactor;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.SocketCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import java.lang.foreign.MemorySegment;
import java.util.Objects;

/**
 * Reads and sends on a loop's own non-blocking stream socket, without what the typed
 * {@link Socket} calls must do for a caller they know nothing of: no use count around the call
 * (only the loop thread closes a connection's socket, after its last call), the loop's own
 * {@link CallState} instead of the thread's, and heap memory passed to the kernel as it is
 * (critical calls with heap access, {@link SocketCalls#sendNow}) instead of copied to
 * off-heap memory first. Results and errors are the typed calls': bytes,
 * {@link FileDescriptor#EOF}, {@link FileDescriptor#WOULD_BLOCK}, or an
 * {@link ErrnoException} naming the call and the fd. Loop thread only.
 */
public final class OwnedStream {
    private OwnedStream() {}

    private static final int MSG_NOSIGNAL = LibC.MSG_NOSIGNAL();

    /** Reads into {@code buf}: bytes, {@link FileDescriptor#EOF} or {@link FileDescriptor#WOULD_BLOCK}. */
    public static long read(CallState cs, Socket s, MemorySegment buf) throws ErrnoException {
        int fd = s.fd().intValue();
        long r;
        do {
            r = SocketCalls.readNow(cs, fd, buf, buf.byteSize());
        } while (Results.interrupted(r));
        if (r > 0) return r;
        if (r == 0) return buf.byteSize() > 0 ? FileDescriptor.EOF : 0;
        if (Results.wouldBlock(r)) return FileDescriptor.WOULD_BLOCK;
        throw s.fd().failure("read", null, r);
    }

    /** Sends {@code src[offset, offset + length)}: bytes taken, or {@link FileDescriptor#WOULD_BLOCK}. */
    public static long send(CallState cs, Socket s, MemorySegment src, long offset, long length) throws ErrnoException {
        Objects.checkFromIndexSize(offset, length, src.byteSize());
        // From the start, src itself is passed with the count: the kernel reads length bytes,
        // all inside it. A slice would be a new segment per send, which the JIT does not
        // always scalar-replace (then 40 bytes of garbage per response).
        MemorySegment from = offset == 0 ? src : src.asSlice(offset, length);
        int fd = s.fd().intValue();
        long r;
        do {
            r = SocketCalls.sendNow(cs, fd, from, length, MSG_NOSIGNAL);
        } while (Results.interrupted(r));
        if (r >= 0) return r;
        if (Results.wouldBlock(r)) return FileDescriptor.WOULD_BLOCK;
        throw s.fd().failure("send", null, r);
    }
}
