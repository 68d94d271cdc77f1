package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Opens regular files as owned {@link FileDescriptor}s ({@code open(2)}, always
 * {@code O_CLOEXEC}) and anonymous in-memory files ({@code memfd_create(2)}), for
 * {@code sendfile} and for io_uring file operations.
 */
public final class Files {
    private Files() {}

    /** Opens {@code path} read-only. */
    public static FileDescriptor openRead(Path path) throws ErrnoException {
        return open(path, LibC.O_RDONLY(), 0);
    }

    /** Opens {@code path} for writing, creating ({@code mode} 0644) or truncating it. */
    public static FileDescriptor openWrite(Path path) throws ErrnoException {
        return open(path, LibC.O_WRONLY() | LibC.O_CREAT() | LibC.O_TRUNC(), 0644);
    }

    private static FileDescriptor open(Path path, int flags, int mode) throws ErrnoException {
        CallState cs = CallState.current();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            int r = FdCalls.open(cs.errno, cpath, flags | LibC.O_CLOEXEC(), mode);
            return FileDescriptor.adopt(Results.check(r, "open", path.toString(), -1));
        }
    }

    /** An anonymous memory-backed file of {@code size} bytes ({@code MFD_CLOEXEC}). */
    public static FileDescriptor memfd(String name, long size) throws ErrnoException {
        CallState cs = CallState.current();
        FileDescriptor fd;
        try (Arena arena = Arena.ofConfined()) {
            int r = FdCalls.memfdCreate(cs.errno, arena.allocateFrom(name), LibC.MFD_CLOEXEC());
            fd = FileDescriptor.adopt(Results.check(r, "memfd_create", name, -1));
        }
        int raw = fd.acquire("ftruncate");
        try {
            Results.check(FdCalls.ftruncate(cs.errno, raw, size), "ftruncate", raw);
        } catch (ErrnoException e) {
            fd.release();
            fd.close();
            throw e;
        }
        fd.release();
        return fd;
    }
}
