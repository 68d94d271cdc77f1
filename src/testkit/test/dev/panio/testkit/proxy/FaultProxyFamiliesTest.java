package dev.panio.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.TimerFd;
import dev.panio.net.Socket;
import dev.panio.net.UnixAddress;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.proxy.ProxiedConnection.Ending;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.MemorySegment;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The proxy over IPv6 and Unix stream sockets, and the fault that acts on the end of a stream. */
@NoFdLeaks
class FaultProxyFamiliesTest {
    static final Duration WAIT = FaultProxyTest.WAIT;

    @Test
    void ipv6UpstreamsGetAnIpv6Proxy() throws Exception {
        InetAddress v6 = InetAddress.getByName("::1");
        try (JdkServers.Echo echo = new JdkServers.Echo(v6); FaultProxy proxy = FaultProxy.start(echo.address())) {
            assertInstanceOf(Inet6Address.class, ((InetSocketAddress) proxy.address()).getAddress());
            proxy.add(Direction.TO_UPSTREAM, Fault.slicer(1, Duration.ZERO));
            try (SocketChannel c = SocketChannel.open(proxy.address())) {
                c.write(ByteBuffer.wrap(FaultProxyTest.pattern(1000)));
                assertArrayEquals(FaultProxyTest.pattern(1000), FaultProxyTest.readFully(c, 1000));
            }
            ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
            assertInstanceOf(Inet6Address.class, ((InetSocketAddress) r.client()).getAddress());
            assertEquals(1000, r.bytesToUpstream());
            assertEquals(1000, r.bytesToClient());
        }
    }

    @Test
    void unixStreamSocketsAreProxiedWithFaults(@TempDir Path dir) throws Exception {
        Path path = dir.resolve("upstream.sock");
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(path));
            Thread echo = Thread.ofVirtual().start(() -> {
                try (SocketChannel s = server.accept()) {
                    ByteBuffer b = ByteBuffer.allocate(4096);
                    while (s.read(b) > 0) {
                        b.flip();
                        while (b.hasRemaining()) s.write(b);
                        b.clear();
                    }
                } catch (IOException e) {
                    // the test fails on what the client sees
                }
            });
            try (FaultProxy proxy = FaultProxy.start(UnixAddress.of(path))) {
                assertInstanceOf(UnixAddress.class, proxy.address());
                proxy.add(Direction.TO_CLIENT, Fault.limitData(600));
                try (Socket c = Socket.open(Socket.Family.UNIX, Socket.Type.STREAM, false)) { // blocking
                    c.connect(proxy.address());
                    c.write(MemorySegment.ofArray(FaultProxyTest.pattern(1000)));
                    byte[] got = new byte[2000];
                    int total = 0;
                    for (long n; (n = c.read(MemorySegment.ofArray(got).asSlice(total))) > 0; ) total += (int) n;
                    assertEquals(600, total, "the limit cut the echo; then the end of the stream");
                    assertArrayEquals(java.util.Arrays.copyOf(FaultProxyTest.pattern(1000), 600), java.util.Arrays.copyOf(got, 600));
                }
                ProxiedConnection r = proxy.awaitEnded(1, WAIT).get(0);
                assertEquals(Ending.LIMIT_DATA, r.ending());
                assertEquals(600, r.bytesToClient());
            }
            echo.join(10_000);
        } finally {
            Files.deleteIfExists(path);
        }
    }

    @Test
    void aSlowCloseHoldsTheEndOfTheStreamNotTheBytes() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress()); TimerFd delay = TimerFd.open()) {
            Thread upstream = Thread.ofVirtual().start(() -> {
                try (java.net.Socket s = server.accept(); OutputStream o = s.getOutputStream()) {
                    o.write("bye".getBytes());
                    s.shutdownOutput();
                    s.getInputStream().read(); // until the proxy passes the client's close on
                } catch (IOException e) {
                    // the test fails on what the client sees
                }
            });
            try (FaultProxy proxy = FaultProxy.start(server.getLocalSocketAddress())) {
                proxy.add(Direction.TO_CLIENT, Fault.slowClose(Duration.ofMillis(300)));
                // armed before the connect: the upstream's FIN cannot come earlier, so the
                // client's end of stream, 300 ms after that FIN, finds the timer expired
                delay.set(TimeUnit.MILLISECONDS.toNanos(300), 0);
                try (SocketChannel c = SocketChannel.open(proxy.address())) {
                    assertArrayEquals("bye".getBytes(), FaultProxyTest.readFully(c, 3), "the bytes are not held");
                    assertEquals(-1, c.read(ByteBuffer.allocate(1)));
                    assertEquals(1, delay.expirations(), "the end of the stream came after the slow close's 300 ms");
                }
                assertEquals(Ending.UPSTREAM_CLOSED, proxy.awaitEnded(1, WAIT).get(0).ending());
            }
            upstream.join(10_000);
            assertTrue(!upstream.isAlive());
        }
    }
}
