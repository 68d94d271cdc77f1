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
        MemorySegment[] kept(IoVec iov);
    }

    private static Access access;

    public static void register(Access a) {
        access = a;
    }

    /** After {@link IoVec#check}: one segment per arena of the entries, NULL-padded. */
    public static MemorySegment[] kept(IoVec iov) {
        return access.kept(iov);
    }
}
