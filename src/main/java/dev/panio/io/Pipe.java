package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import java.lang.foreign.ValueLayout;

/**
 * Both ends of a {@code pipe2(2)}, each an owned {@link FileDescriptor}, always
 * {@code O_CLOEXEC}. Closing the pipe closes both ends; idempotent, from any thread.
 * Threads: every method may be called from any thread (see {@link FileDescriptor}).
 *
 * @param source the read end
 * @param sink   the write end
 */
public record Pipe(FileDescriptor source, FileDescriptor sink) implements AutoCloseable {

    /**
     * A pipe whose ends are non-blocking when {@code nonBlocking} is true.
     *
     * @param nonBlocking true for {@code O_NONBLOCK} on both ends
     * @return the pipe, both ends owned by the caller
     * @throws ErrnoException if {@code pipe2} fails ({@code EMFILE}, {@code ENFILE})
     */
    public static Pipe open(boolean nonBlocking) throws ErrnoException {
        CallState cs = CallState.current();
        int flags = LibC.O_CLOEXEC() | (nonBlocking ? LibC.O_NONBLOCK() : 0);
        Results.check(FdCalls.pipe2(cs, cs.scratch, flags), "pipe2", -1);
        return new Pipe(FileDescriptor.adopt(cs.scratch.get(ValueLayout.JAVA_INT, 0)),
                FileDescriptor.adopt(cs.scratch.get(ValueLayout.JAVA_INT, 4)));
    }

    /**
     * Capacity of the pipe's kernel buffer in bytes ({@code fcntl F_GETPIPE_SZ}).
     *
     * @return the capacity, 65536 by default
     * @throws ErrnoException if {@code fcntl} fails
     * @throws ClosedException if the write end is closed
     */
    public int capacity() throws ErrnoException {
        CallState cs = CallState.current();
        int fd = sink.acquire("fcntl");
        try {
            return Results.check(FdCalls.fcntl(cs, fd, LibC.F_GETPIPE_SZ(), 0), "fcntl", "F_GETPIPE_SZ", fd);
        } finally {
            sink.release();
        }
    }

    @Override
    public void close() throws ErrnoException {
        try {
            source.close();
        } finally {
            sink.close();
        }
    }
}
