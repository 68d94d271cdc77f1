package dev.panio.io;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.open_how;
import dev.panio.internal.gen.stat;
import dev.panio.internal.io.Results;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Opens regular files as owned {@link FileDescriptor}s ({@code open(2)}, always
 * {@code O_CLOEXEC}) and anonymous in-memory files ({@code memfd_create(2)}), for
 * {@code sendfile} and for io_uring file operations. {@link #openBeneath} opens a path
 * that the kernel guarantees stays inside a directory ({@code openat2(2)} with
 * {@code RESOLVE_BENEATH}), which is how a file server refuses traversal.
 *
 * <p>Threads: every method may be called from any thread. Names and paths are checked
 * before the call: a NUL inside one (which C would silently cut there) is refused.
 */
public final class LinuxFiles {
    private LinuxFiles() {}

    /**
     * Opens {@code path} read-only.
     *
     * @param path the file; a relative path is resolved by the kernel against the process's working directory
     * @return the descriptor, blocking, owned by the caller
     * @throws IllegalArgumentException if the path contains NUL
     * @throws ErrnoException if {@code open} fails ({@code ENOENT}, {@code EACCES}, ...)
     */
    public static FileDescriptor openRead(Path path) throws ErrnoException {
        return open(path, LibC.O_RDONLY(), 0);
    }

    /**
     * Opens {@code path} for writing, creating ({@code mode} 0644) or truncating it.
     *
     * @param path the file; a relative path is resolved by the kernel against the process's working directory
     * @return the descriptor, blocking, owned by the caller
     * @throws IllegalArgumentException if the path contains NUL
     * @throws ErrnoException if {@code open} fails
     */
    public static FileDescriptor openWrite(Path path) throws ErrnoException {
        return open(path, LibC.O_WRONLY() | LibC.O_CREAT() | LibC.O_TRUNC(), 0644);
    }

    /**
     * Opens {@code path} for reading and writing, creating it ({@code mode} 0644) if missing; what it holds stays.
     *
     * @param path the file; a relative path is resolved by the kernel against the process's working directory
     * @return the descriptor, blocking, owned by the caller
     * @throws IllegalArgumentException if the path contains NUL
     * @throws ErrnoException if {@code open} fails
     */
    public static FileDescriptor openReadWrite(Path path) throws ErrnoException {
        return open(path, LibC.O_RDWR() | LibC.O_CREAT(), 0644);
    }

    /**
     * Opens the directory {@code path} ({@code O_DIRECTORY}), as the base of {@link #openBeneath}.
     *
     * @param path the file; a relative path is resolved by the kernel against the process's working directory
     * @return the directory's descriptor, owned by the caller
     * @throws IllegalArgumentException if the path contains NUL
     * @throws ErrnoException if {@code open} fails ({@code ENOTDIR} if it is not a directory)
     */
    public static FileDescriptor openDirectory(Path path) throws ErrnoException {
        return open(path, LibC.O_RDONLY() | LibC.O_DIRECTORY(), 0);
    }

    /**
     * Opens {@code relative} read-only under the directory {@code dir}, refused by the kernel
     * if resolving it would leave {@code dir}: through {@code ..}, an absolute path, or a
     * symbolic link that points outside ({@code openat2} with {@code RESOLVE_BENEATH |
     * RESOLVE_NO_MAGICLINKS}; the refusal is {@link Errno#EXDEV}). Opened with
     * {@code O_NONBLOCK} so that a FIFO cannot make the open hang; regular-file reads and
     * {@code sendfile} do not heed the flag.
     *
     * @param dir      a directory, from {@link #openDirectory}
     * @param relative the path under {@code dir}
     * @return the opened file's descriptor, owned by the caller
     * @throws IllegalArgumentException if {@code relative} contains NUL
     * @throws ErrnoException naming {@code openat2}, the path and the errno ({@code ENOSYS}
     *     before Linux 5.6)
     */
    public static FileDescriptor openBeneath(FileDescriptor dir, String relative) throws ErrnoException {
        checkNoNul("openat2", relative);
        CallState cs = CallState.current();
        int d = dir.acquire("openat2");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment how = arena.allocate(open_how.layout());
            open_how.flags(how, LibC.O_RDONLY() | LibC.O_CLOEXEC() | LibC.O_NONBLOCK() | LibC.O_NOCTTY());
            open_how.resolve(how, LibC.RESOLVE_BENEATH() | LibC.RESOLVE_NO_MAGICLINKS());
            int r = FdCalls.openat2(cs, d, arena.allocateFrom(relative), how);
            return FileDescriptor.adopt(Results.check(r, "openat2", relative, d));
        } finally {
            dir.release();
        }
    }

    /**
     * {@code fstat(2)}: the file's type and size.
     *
     * @param fd an open descriptor of any kind
     * @return its mode and size as of the call
     * @throws ErrnoException if {@code fstat} fails
     */
    public static FileStatus stat(FileDescriptor fd) throws ErrnoException {
        CallState cs = CallState.current();
        int raw = fd.acquire("fstat");
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment st = arena.allocate(stat.layout());
            Results.check(FdCalls.fstat(cs, raw, st), "fstat", raw);
            return new FileStatus(stat.st_mode(st), stat.st_size(st));
        } finally {
            fd.release();
        }
    }

    private static FileDescriptor open(Path path, int flags, int mode) throws ErrnoException {
        checkNoNul("open", path.toString());
        CallState cs = CallState.current();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cpath = arena.allocateFrom(path.toString());
            int r = FdCalls.open(cs, cpath, flags | LibC.O_CLOEXEC(), mode);
            return FileDescriptor.adopt(Results.check(r, "open", path.toString(), -1));
        }
    }

    /** The longest memfd name the kernel takes, in bytes ({@code MFD_NAME_MAX_LEN}: 249). */
    public static final int MEMFD_NAME_MAX = 249;

    /**
     * An anonymous memory-backed file of {@code size} bytes ({@code MFD_CLOEXEC}).
     *
     * @param name a name for {@code /proc/self/fd} (as {@code memfd:name}), at most
     *             {@value #MEMFD_NAME_MAX} bytes in UTF-8, without NUL
     * @param size the file's length ({@code ftruncate}), zero-filled
     * @return the descriptor, read-write, owned by the caller
     * @throws IllegalArgumentException for a name with NUL or too long, or a negative size
     * @throws ErrnoException if {@code memfd_create} or {@code ftruncate} fails (then nothing stays open)
     */
    public static FileDescriptor memfd(String name, long size) throws ErrnoException {
        checkNoNul("memfd_create", name);
        int bytes = name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        if (bytes > MEMFD_NAME_MAX) {
            throw new IllegalArgumentException("memfd_create: name of " + bytes + " bytes, at most " + MEMFD_NAME_MAX);
        }
        if (size < 0) throw new IllegalArgumentException("memfd_create: negative size " + size);
        CallState cs = CallState.current();
        FileDescriptor fd;
        try (Arena arena = Arena.ofConfined()) {
            int r = FdCalls.memfdCreate(cs, arena.allocateFrom(name), LibC.MFD_CLOEXEC());
            fd = FileDescriptor.adopt(Results.check(r, "memfd_create", name, -1));
        }
        int raw = fd.acquire("ftruncate");
        try {
            Results.check(FdCalls.ftruncate(cs, raw, size), "ftruncate", raw);
        } catch (ErrnoException e) {
            fd.release();
            fd.close();
            throw e;
        }
        fd.release();
        return fd;
    }

    /** C strings end at the first NUL: a Java string with one would be cut silently. */
    private static void checkNoNul(String call, String s) {
        int at = s.indexOf('\0');
        if (at >= 0) throw new IllegalArgumentException(call + ": name contains NUL at index " + at + ": " + s.replace('\0', '?'));
    }
}
