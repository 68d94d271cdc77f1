package dev.panio.internal.reactor;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Keeps a group's listening port its own. Several sockets in one {@code SO_REUSEPORT} group
 * spread connections over the loops, but any other socket of the same user that sets
 * {@code SO_REUSEPORT} could join that group and take a share of the connections. So before
 * binding the group, {@link #claim} binds the address once without {@code SO_REUSEPORT}: that
 * fails with {@code EADDRINUSE} if anything listens there, however it was set up. After
 * binding, {@link #checkAlone} counts the listeners the kernel reports on the port
 * ({@code /proc/net/tcp}, {@code tcp6}) to catch one that slipped in between.
 */
public final class Ports {
    private Ports() {}

    /** Binds {@code address} alone and releases it; the address with the port chosen if it was 0. */
    public static InetSocketAddress claim(InetSocketAddress address) throws IOException {
        try (Socket probe = Socket.tcp(Socket.Family.of(address))) {
            probe.setReuseAddress(true); // as the group's sockets: TIME_WAIT leftovers do not count
            probe.bind(address);
            probe.listen(1); // a listening socket conflicts with every later bind, REUSEPORT or not
            InetSocketAddress bound = (InetSocketAddress) probe.localAddress();
            return new InetSocketAddress(address.getAddress(), bound.getPort());
        }
    }

    /** Fails with {@code EADDRINUSE} if more than {@code ours} sockets listen on {@code bound}'s port and address. */
    public static void checkAlone(InetSocketAddress bound, int ours) throws IOException {
        int listeners = listeners(bound);
        if (listeners > ours) {
            throw new ErrnoException("bind", bound + ": another SO_REUSEPORT socket joined this port ("
                    + listeners + " listeners, " + ours + " of them this group's); use listenShared to share", -1, Errno.EADDRINUSE);
        }
    }

    /** Listening sockets on {@code a}'s port and address, as the kernel lists them. */
    public static int listeners(InetSocketAddress a) throws IOException {
        boolean v6 = a.getAddress() instanceof Inet6Address;
        Path table = Path.of(v6 ? "/proc/net/tcp6" : "/proc/net/tcp");
        String want = hex(a.getAddress()) + ":" + String.format("%04X", a.getPort());
        int n = 0;
        List<String> lines = Files.readAllLines(table);
        for (int i = 1; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length > 3 && f[1].equalsIgnoreCase(want) && f[3].equals("0A")) n++; // 0A: TCP_LISTEN
        }
        return n;
    }

    /** An address as /proc/net/tcp spells it: each 32-bit word in host (little-endian) order. */
    private static String hex(InetAddress address) {
        byte[] b = address.getAddress();
        StringBuilder sb = new StringBuilder();
        for (int w = 0; w < b.length; w += 4) {
            for (int i = 3; i >= 0; i--) sb.append(String.format("%02X", b[w + i] & 0xff));
        }
        return sb.toString();
    }
}
