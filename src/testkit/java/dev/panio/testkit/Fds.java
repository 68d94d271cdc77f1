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

    /**
     * Whether {@code fd} is open in this process.
     *
     * @param fd a descriptor number
     * @return true if {@code /proc/self/fd/fd} exists
     */
    public static boolean isOpen(int fd) {
        return Files.exists(Path.of("/proc/self/fd/" + fd), LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * The {@code flags:} line of {@code /proc/self/fdinfo/fd}, as an octal number ({@code O_NONBLOCK}, ...).
     *
     * @param fd an open descriptor number
     * @return the file status flags
     * @throws IOException if the fd is not open (no such file) or has no flags line
     */
    public static int statusFlags(int fd) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/fdinfo/" + fd))) {
            if (line.startsWith("flags:")) return Integer.parseInt(line.substring(6).trim(), 8);
        }
        throw new IOException("no flags line for fd " + fd);
    }

    /**
     * fd number to what it points at ({@code socket:[inode]}, {@code pipe:[inode]}, a path), for every open fd.
     *
     * @return the descriptors in number order, as of the listing
     * @throws IOException if {@code /proc/self/fd} cannot be listed
     */
    public static Map<Integer, String> open() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // closed between the listing and this read (by another thread); the listing's
                    // own directory fd is still open here and is listed, as /proc/<pid>/fd
                }
            }
        }
        return fds;
    }

    /**
     * For a {@code socket:[inode]} target: its TCP addresses and state from
     * {@link TcpTable} (" (tcp 127.0.0.1:41395 -> 0.0.0.0:0 LISTEN)"), " (not TCP)" otherwise;
     * "" for anything that is not a socket.
     *
     * @param target what an fd points at, as {@link #open()} gives it
     * @return the description, to append to the target
     */
    public static String describeSocket(String target) {
        if (!target.startsWith("socket:[")) return "";
        long inode = Long.parseLong(target.substring(8, target.length() - 1));
        try {
            for (TcpTable.Entry e : TcpTable.all()) {
                if (e.inode() == inode) return " (tcp " + hostPort(e.local()) + " -> " + hostPort(e.remote()) + " " + e.state() + ")";
            }
        } catch (IOException ignored) {
            // no table: say nothing more
        }
        return " (not TCP)";
    }

    private static String hostPort(java.net.InetSocketAddress a) {
        String host = a.getAddress().getHostAddress();
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
    }
}
