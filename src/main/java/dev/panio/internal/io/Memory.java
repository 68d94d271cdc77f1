package dev.panio.internal.io;

import java.lang.foreign.MemorySegment;

/**
 * Checks made on memory before it is handed to the kernel, so that a Java mistake stays a
 * Java exception: the kernel never writes into memory whose arena was closed (it may belong
 * to someone else by now), never into read-only memory, and is never given the address of
 * a heap array it would keep past the call. Each check names the call and the fd.
 */
public final class Memory {
    private Memory() {}

    /** {@code dst} may receive bytes from the kernel during the call. */
    public static void checkTarget(MemorySegment dst, String call, int fd) {
        checkAlive(dst, call, fd);
        if (dst.isReadOnly()) {
            throw new IllegalArgumentException(where(call, fd) + ": the destination is read-only");
        }
    }

    /** {@code src} is read by the kernel during the call. */
    public static void checkAlive(MemorySegment src, String call, int fd) {
        if (!src.scope().isAlive()) {
            throw new IllegalStateException(where(call, fd) + ": the segment's arena is closed");
        }
    }

    /**
     * {@code seg} is kept by the kernel past the call (io_uring): it must be off-heap and
     * alive, and writable if the kernel writes into it.
     */
    public static void checkKept(MemorySegment seg, String call, int fd, boolean target) {
        if (!seg.isNative()) {
            throw new IllegalArgumentException(where(call, fd)
                    + ": io_uring needs off-heap memory (the kernel keeps the address until the completion; a heap array can move)");
        }
        if (target) checkTarget(seg, call, fd);
        else checkAlive(seg, call, fd);
    }

    private static String where(String call, int fd) {
        return fd >= 0 ? call + "(fd=" + fd + ")" : call;
    }
}
