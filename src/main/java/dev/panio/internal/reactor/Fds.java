package dev.panio.internal.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;

/** Closing descriptors where nothing can be done about an error. */
public final class Fds {
    private Fds() {}

    /** Closes {@code fd} (null: nothing); an error from close(2) is dropped, since Linux releases the fd anyway. */
    public static void closeQuietly(FileDescriptor fd) {
        if (fd == null) return;
        try {
            fd.close();
        } catch (ErrnoException ignored) {
            // the fd is released by close(2) even when it reports an error
        }
    }

    /** Closes a raw descriptor number this code owns. */
    public static void closeRaw(int fd) {
        closeQuietly(FileDescriptor.adopt(fd));
    }
}
