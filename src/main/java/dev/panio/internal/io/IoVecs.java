package dev.panio.internal.io;

import dev.panio.io.IoVec;
import java.lang.foreign.MemorySegment;

/**
 * What panio's own packages need from an {@link IoVec} beyond its public API: the segments
 * whose arenas a call must keep alive. Set once by {@code IoVec}'s class initialiser, the
 * way the JDK shares package-private access between its own packages.
 */
public final class IoVecs {
    private IoVecs() {}

    /** The accessor {@code IoVec} registers. */
    public interface Access {
        MemorySegment[] keepAlive(IoVec iov, String call, int fd, boolean withArray);
    }

    private static Access access;

    public static void register(Access a) {
        access = a;
    }

    /**
     * One segment per arena of the entries (and the array, {@code withArray}), NULL-padded,
     * for a call to keep alive; refuses more arenas than a call can keep.
     */
    public static MemorySegment[] keepAlive(IoVec iov, String call, int fd, boolean withArray) {
        return access.keepAlive(iov, call, fd, withArray);
    }
}
