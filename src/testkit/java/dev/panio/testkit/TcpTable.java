package dev.panio.testkit;

import dev.panio.net.TcpInfo;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The kernel's table of TCP sockets in this network namespace ({@code /proc/net/tcp} and
 * {@code tcp6}), for assertions such as "the connection was reset, not closed" (nothing left
 * in {@code TIME_WAIT}) or "the server still holds it" ({@code CLOSE_WAIT}). It lists every
 * process's sockets, so select a connection by its two ports ({@link #between}). Any thread.
 */
public final class TcpTable {
    private TcpTable() {}

    /**
     * One socket: its addresses, state, and bytes queued to send and to read ({@code tx_queue}, {@code rx_queue}).
     *
     * @param local        the local address and port
     * @param remote       the remote address and port ({@code 0.0.0.0:0} for a listener)
     * @param state        the TCP state (the same enum as {@link TcpInfo#state()}'s)
     * @param sendQueue    bytes written and not yet acknowledged ({@code tx_queue})
     * @param receiveQueue bytes received and not yet read ({@code rx_queue}; for a listener,
     *                     connections waiting to be accepted)
     * @param inode        the socket's inode, as in {@code socket:[inode]} under {@code /proc/<pid>/fd}
     */
    public record Entry(InetSocketAddress local, InetSocketAddress remote, TcpInfo.State state, long sendQueue, long receiveQueue, long inode) {}

    /**
     * Every TCP socket whose local or remote port is {@code port}, IPv4 and IPv6.
     *
     * @param port the port
     * @return the sockets, in table order
     * @throws IOException if a table cannot be read
     */
    public static List<Entry> withPort(int port) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (Entry e : all()) {
            if (e.local().getPort() == port || e.remote().getPort() == port) out.add(e);
        }
        return out;
    }

    /**
     * Both ends of the connections between {@code portA} and {@code portB}: every socket whose
     * local port is one and remote port the other, so at most two per address pair on loopback.
     * This is the selection for "this connection" — {@link #withPort} also lists an earlier
     * connection that used one of the ports and is still in {@code TIME_WAIT}, since the kernel
     * hands out an ephemeral port again while an old connection with a different peer holds it.
     *
     * @param portA one end's port
     * @param portB the other end's port
     * @return the sockets, in table order
     * @throws IOException if a table cannot be read
     */
    public static List<Entry> between(int portA, int portB) throws IOException {
        List<Entry> out = new ArrayList<>();
        for (Entry e : all()) {
            int l = e.local().getPort(), r = e.remote().getPort();
            if ((l == portA && r == portB) || (l == portB && r == portA)) out.add(e);
        }
        return out;
    }

    /**
     * Every TCP socket in the namespace.
     *
     * @return the IPv4 table's sockets, then the IPv6 table's
     * @throws IOException if a table cannot be read
     */
    public static List<Entry> all() throws IOException {
        List<Entry> out = new ArrayList<>();
        read(Path.of("/proc/net/tcp"), out);
        read(Path.of("/proc/net/tcp6"), out);
        return out;
    }

    private static void read(Path table, List<Entry> out) throws IOException {
        if (!Files.exists(table)) return; // no IPv6 in this kernel
        List<String> lines = Files.readAllLines(table);
        for (String line : lines.subList(1, lines.size())) { // the first is the header
            String[] f = line.trim().split("\\s+");
            String[] queues = f[4].split(":");
            out.add(new Entry(address(f[1]), address(f[2]), TcpInfo.State.of(Integer.parseInt(f[3], 16)),
                    Long.parseLong(queues[0], 16), Long.parseLong(queues[1], 16), Long.parseLong(f[9])));
        }
    }

    /**
     * "0100007F:1F90" as the kernel prints it: the address as 32-bit words in the host's byte
     * order (little-endian on x86 and arm64), the port as a number in hex.
     */
    static InetSocketAddress address(String field) throws UnknownHostException {
        String[] hp = field.split(":");
        byte[] words = HexFormat.of().parseHex(hp[0]);
        byte[] ip = words;
        if (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            ip = new byte[words.length];
            for (int w = 0; w < words.length; w += 4) {
                for (int b = 0; b < 4; b++) ip[w + b] = words[w + 3 - b];
            }
        }
        return new InetSocketAddress(InetAddress.getByAddress(ip), Integer.parseInt(hp[1], 16));
    }
}
