package dev.panio.net;

import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A Unix domain socket address ({@code sockaddr_un}): a filesystem path, a name in Linux's
 * abstract namespace, or unnamed.
 *
 * <p>A path is stored as its UTF-8 bytes followed by a NUL in {@code sun_path}, which holds
 * 108 bytes, so a path may have at most {@value #MAX_PATH_BYTES} bytes. An abstract name is
 * stored after a leading NUL byte and is not NUL-terminated, so it may have at most
 * {@value #MAX_PATH_BYTES} bytes too; it exists only while a socket is bound to it and
 * leaves nothing in the filesystem. Both limits are checked here, when the address is made,
 * so a bind or connect never sees a path the kernel would cut short. An unnamed address is
 * what a socket from {@link Socket#pair} or an unbound client reports.
 *
 * <p>Binding a path creates the socket file; closing the socket does not remove it, and a
 * second bind to an existing file fails with {@code EADDRINUSE}. Removing a stale file is
 * the application's decision.
 *
 * <p>Immutable and thread-safe.
 */
public final class UnixAddress extends SocketAddress {
    /** The longest path or abstract name in bytes: {@code sun_path} is 108 bytes. */
    public static final int MAX_PATH_BYTES = 107;

    private static final long serialVersionUID = 1L;
    private static final UnixAddress UNNAMED = new UnixAddress(new byte[0], false);

    /** The path's bytes without the NUL, or the abstract name without the leading NUL. */
    private final byte[] name;
    /** Whether {@code name} is in the abstract namespace. */
    private final boolean isAbstract;

    private UnixAddress(byte[] name, boolean isAbstract) {
        this.name = name;
        this.isAbstract = isAbstract;
    }

    /**
     * The filesystem path {@code path}.
     *
     * @param path the path, absolute or relative to the working directory at bind or connect time
     * @return the address
     * @throws IllegalArgumentException if it is empty, contains a NUL, or is longer than
     *         {@value #MAX_PATH_BYTES} bytes in UTF-8
     */
    public static UnixAddress of(String path) {
        return ofPathBytes(path.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The filesystem path whose bytes are {@code path} (Linux paths are bytes; the kernel
     * reports them so).
     *
     * @param path the path's bytes, without a terminating NUL; copied
     * @return the address
     * @throws IllegalArgumentException if it is empty, contains a NUL, or is longer than
     *         {@value #MAX_PATH_BYTES} bytes
     */
    public static UnixAddress ofPathBytes(byte[] path) {
        String shown = new String(path, StandardCharsets.UTF_8);
        if (path.length == 0) throw new IllegalArgumentException("a Unix socket path cannot be empty");
        for (byte c : path) {
            if (c == 0) throw new IllegalArgumentException("a Unix socket path cannot contain NUL: " + shown);
        }
        if (path.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("Unix socket path of " + path.length + " bytes, longer than sun_path's "
                    + MAX_PATH_BYTES + " (use a shorter or relative path, or an abstract name): " + shown);
        }
        return new UnixAddress(path.clone(), false);
    }

    /**
     * The filesystem path {@code path}; see {@link #of(String)}.
     *
     * @param path the path
     * @return the address
     * @throws IllegalArgumentException as {@link #of(String)}
     */
    public static UnixAddress of(Path path) {
        return of(path.toString());
    }

    /**
     * The JDK's address for the same path; see {@link #of(String)}.
     *
     * @param address the JDK's address
     * @return the address of the same path
     * @throws IllegalArgumentException as {@link #of(String)}, also for the JDK's empty (unnamed) path
     */
    public static UnixAddress of(UnixDomainSocketAddress address) {
        return of(address.getPath());
    }

    /**
     * {@code name} in the abstract namespace (stored after a leading NUL).
     *
     * @param name the name, without the leading NUL; it may hold NULs
     * @return the address
     * @throws IllegalArgumentException if it is longer than {@value #MAX_PATH_BYTES} bytes in UTF-8
     */
    public static UnixAddress abstractName(String name) {
        return abstractName(name.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@code name}, any bytes, in the abstract namespace; see {@link #abstractName(String)}.
     *
     * @param name the name's bytes, without the leading NUL; copied
     * @return the address
     * @throws IllegalArgumentException if it is longer than {@value #MAX_PATH_BYTES} bytes
     */
    public static UnixAddress abstractName(byte[] name) {
        if (name.length > MAX_PATH_BYTES) {
            throw new IllegalArgumentException("abstract Unix socket name of " + name.length + " bytes, longer than "
                    + MAX_PATH_BYTES);
        }
        return new UnixAddress(name.clone(), true);
    }

    /**
     * The address of an unbound or {@code socketpair} socket.
     *
     * @return the one unnamed address
     */
    public static UnixAddress unnamed() {
        return UNNAMED;
    }

    /**
     * Whether this is a name in the abstract namespace.
     *
     * @return true for an abstract name
     */
    public boolean isAbstract() {
        return isAbstract;
    }

    /**
     * Whether this is the unnamed address.
     *
     * @return true for the unnamed address
     */
    public boolean isUnnamed() {
        return !isAbstract && name.length == 0;
    }

    /**
     * The path, for a filesystem address.
     *
     * @return the path, its bytes read as UTF-8
     * @throws IllegalStateException for an abstract or unnamed address
     */
    public Path path() {
        if (isAbstract || name.length == 0) throw new IllegalStateException("not a filesystem address: " + this);
        return Path.of(new String(name, StandardCharsets.UTF_8));
    }

    /**
     * The path's or the abstract name's bytes (without the leading NUL of an abstract name).
     *
     * @return a copy of the bytes; empty for the unnamed address
     */
    public byte[] nameBytes() {
        return name.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof UnixAddress u && u.isAbstract == isAbstract && Arrays.equals(u.name, name);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(name) * 31 + (isAbstract ? 1 : 0);
    }

    /** {@code unix:path}, {@code unix:@name} for an abstract name, {@code unix:(unnamed)}. */
    @Override
    public String toString() {
        if (isUnnamed()) return "unix:(unnamed)";
        return "unix:" + (isAbstract ? "@" : "") + new String(name, StandardCharsets.UTF_8);
    }
}
