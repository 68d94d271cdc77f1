package dev.panio.io;

import dev.panio.internal.gen.LibC;

/**
 * What {@code fstat(2)} said about a file: its type bits and size, as of the call.
 *
 * @param mode {@code st_mode}: file type ({@code S_IFMT} bits) and permissions
 * @param size {@code st_size} in bytes
 */
public record FileStatus(int mode, long size) {
    /**
     * {@code S_ISREG}: a regular file, the only kind {@code sendfile} reads from a known size.
     *
     * @return true for a regular file
     */
    public boolean isRegularFile() {
        return (mode & LibC.S_IFMT()) == LibC.S_IFREG();
    }

    /**
     * {@code S_ISDIR}.
     *
     * @return true for a directory
     */
    public boolean isDirectory() {
        return (mode & LibC.S_IFMT()) == LibC.S_IFDIR();
    }
}
