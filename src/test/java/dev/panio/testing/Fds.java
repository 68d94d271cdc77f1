package dev.panio.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about file descriptors read from {@code /proc}, independent of panio. */
public final class Fds {
    private Fds() {}

    /** Whether {@code fd} is open in this process. */
    public static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), java.nio.file.LinkOption.NOFOLLOW_LINKS);
    }

    /** The {@code flags:} line of {@code /proc/self/fdinfo/fd}, as an octal number. */
    public static int statusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) return Integer.parseInt(line.substring(6).trim(), 8);
        }
        throw new IOException("no flags line for fd " + fd);
    }
}
