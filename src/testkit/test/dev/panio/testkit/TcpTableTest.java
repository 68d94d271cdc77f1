package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link TcpTable} against connections the JDK's sockets make: states, queues and addresses as the kernel has them. */
@NoFdLeaks
class TcpTableTest {
    /** The entry whose local address has {@code port} and whose remote has {@code remotePort}, if the kernel lists one. */
    static Optional<TcpTable.Entry> entry(int port, int remotePort) throws Exception {
        return TcpTable.between(port, remotePort).stream()
                .filter(e -> e.local().getPort() == port && e.remote().getPort() == remotePort).findFirst();
    }

    static dev.panio.net.TcpInfo.State await(int port, int remotePort, dev.panio.net.TcpInfo.State want) throws Exception {
        dev.panio.net.TcpInfo.State seen = null;
        for (int i = 0; i < 500; i++) {
            seen = entry(port, remotePort).map(TcpTable.Entry::state).orElse(null);
            if (seen == want) return seen;
            Thread.sleep(10);
        }
        return seen;
    }

    @Test
    void anOrderlyCloseLeavesCloseWaitThenTimeWaitOnTheCloserSide() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int serverPort = server.getLocalPort();
            Socket client = new Socket(InetAddress.getLoopbackAddress(), serverPort);
            int clientPort = client.getLocalPort();
            try (Socket accepted = server.accept()) {
                assertTrue(accepted.isConnected());
                assertEquals(dev.panio.net.TcpInfo.State.ESTABLISHED, entry(clientPort, serverPort).orElseThrow().state());
                assertEquals(new InetSocketAddress(InetAddress.getLoopbackAddress(), serverPort), entry(clientPort, serverPort).orElseThrow().remote());
                client.close(); // FIN from the client
                assertEquals(dev.panio.net.TcpInfo.State.CLOSE_WAIT, await(serverPort, clientPort, dev.panio.net.TcpInfo.State.CLOSE_WAIT), "the server holds a closed connection");
            }
            assertEquals(dev.panio.net.TcpInfo.State.TIME_WAIT, await(clientPort, serverPort, dev.panio.net.TcpInfo.State.TIME_WAIT), "the closer waits out TIME_WAIT");
        }
    }

    @Test
    void aResetLeavesNothingInTimeWait() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            int serverPort = server.getLocalPort();
            Socket client = new Socket(InetAddress.getLoopbackAddress(), serverPort);
            int clientPort = client.getLocalPort();
            try (Socket accepted = server.accept()) {
                assertTrue(accepted.isConnected());
                client.setSoLinger(true, 0);
                client.close(); // RST
                for (int i = 0; i < 500 && (entry(clientPort, serverPort).isPresent() || entry(serverPort, clientPort).isPresent()); i++) Thread.sleep(10);
                assertEquals(Optional.empty(), entry(clientPort, serverPort), "no TIME_WAIT after a reset");
                assertEquals(Optional.empty(), entry(serverPort, clientPort), "and the server's side is gone from the table too");
            }
        }
    }

    /** Bytes a peer does not read wait in the queues: the writer's send queue and the reader's receive queue. */
    @Test
    void unreadBytesShowInBothQueues() throws Exception {
        try (Peer peer = Peer.neverReads(); SocketChannel c = SocketChannel.open(peer.address())) {
            c.configureBlocking(false);
            ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
            for (int i = 0; i < 1_000 && c.write(chunk.clear()) > 0; i++) { }
            int clientPort = ((InetSocketAddress) c.getLocalAddress()).getPort();
            TcpTable.Entry mine = entry(clientPort, peer.address().getPort()).orElseThrow();
            TcpTable.Entry theirs = entry(peer.address().getPort(), clientPort).orElseThrow();
            assertTrue(mine.sendQueue() > 0, "unsent on the writer: " + mine);
            assertTrue(theirs.receiveQueue() > 0, "unread on the peer: " + theirs);
        }
    }

    /** Two connections from one local port (as after the kernel reuses a port still in TIME_WAIT) are told apart by the pair. */
    @Test
    void betweenSelectsOneConnectionWhereWithPortListsEveryUseOfThePort() throws Exception {
        InetAddress lo = InetAddress.getLoopbackAddress();
        try (ServerSocket one = new ServerSocket(0, 1, lo); ServerSocket two = new ServerSocket(0, 1, lo);
                Socket a = new Socket(); Socket b = new Socket()) {
            a.setReuseAddress(true);
            a.bind(new InetSocketAddress(lo, 0));
            int shared = a.getLocalPort();
            a.connect(one.getLocalSocketAddress());
            b.setReuseAddress(true);
            b.bind(new InetSocketAddress(lo, shared)); // Linux lets two unlistened sockets with SO_REUSEADDR share a port
            b.connect(two.getLocalSocketAddress());
            try (Socket fromA = one.accept(); Socket fromB = two.accept()) {
                assertTrue(fromA.isConnected() && fromB.isConnected());
                List<TcpTable.Entry> byPort = TcpTable.withPort(shared);
                List<TcpTable.Entry> byPair = TcpTable.between(shared, two.getLocalPort());
                assertEquals(4, byPort.size(), "both ends of both connections: " + byPort);
                assertEquals(2, byPair.size(), "both ends of the second, nothing of the first: " + byPair);
                assertTrue(byPair.stream().allMatch(e -> e.state() == dev.panio.net.TcpInfo.State.ESTABLISHED
                        && (e.local().getPort() == two.getLocalPort() || e.remote().getPort() == two.getLocalPort())), byPair.toString());
            }
        }
    }

    @Test
    void addressesAsTheKernelPrintsThem() throws Exception {
        assertEquals(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 8080), TcpTable.address("0100007F:1F90"));
        assertEquals(new InetSocketAddress(InetAddress.getByName("::1"), 443), TcpTable.address("00000000000000000000000001000000:01BB"));
        List<TcpTable.Entry> all = TcpTable.all();
        assertTrue(all.stream().allMatch(e -> e.local() != null && e.state() != null));
    }
}
