package dev.panio.testkit;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/** Facts about this process's file descriptors, read from {@code /proc}; any thread. */
public final class Fds {
    private Fds() {}

    /** Whether {@code fd} is open in this process. */
    public static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), LinkOption.NOFOLLOW_LINKS);
    }

    /** The {@code flags:} line of {@code /proc/self/fdinfo/fd}, as an octal number ({@code O_NONBLOCK}, ...). */
    public static int statusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) return Integer.parseInt(line.substring(6).trim(), 8);
        }
        throw new IOException("no flags line for fd " + fd);
    }

    /** fd number to what it points at ({@code socket:[inode]}, {@code pipe:[inode]}, a path), for every open fd. */
    public static Map<Integer, String> open() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // the listing's own directory fd, closed by now
                }
            }
        }
        return fds;
    }

    /**
     * For a {@code socket:[inode]} target: its TCP addresses and state from
     * {@code /proc/net/tcp} or {@code tcp6} (hex, as the kernel writes them), " (not TCP)"
     * otherwise; "" for anything that is not a socket.
     */
    public static String describeSocket(String target) {
        if (!target.startsWith("socket:[")) return "";
        String inode = target.substring(8, target.length() - 1);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[9].equals(inode)) {
                        return " (" + table.substring(10) + " " + f[1] + " -> " + f[2] + " state " + f[3] + ")";
                    }
                }
            } catch (IOException ignored) {
                // no table: say nothing more
            }
        }
        return " (not TCP)";
    }
}
