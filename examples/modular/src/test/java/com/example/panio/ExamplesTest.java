package com.example.panio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.net.UnixAddress;
import dev.panio.reactor.Backend;
import dev.panio.reactor.DatagramEndpoint;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.uring.IoUring;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Each example, run: what it prints or returns is what its peer really received. */
@NoFdLeaks
class ExamplesTest {
    static final InetSocketAddress ANY_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @ParameterizedTest
    @EnumSource(value = Backend.class, names = {"AUTO", "EPOLL", "POLL", "VIRTUAL"})
    void theReactorEchoServerAnswersTheReactorClient(Backend backend) throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start(backend, ReactorOptions.defaults().withLoops(1));
                Listener listener = EchoServer.listen(group, ANY_PORT)) {
            InetSocketAddress server = new InetSocketAddress(InetAddress.getLoopbackAddress(), listener.port());
            assertEquals(EchoClient.lines(20_000).length, EchoClient.run(group, server, 20_000));
        }
    }

    @Test
    void theUdpServiceAnswersAJdkDatagramSocket() throws Exception {
        try (EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults().withLoops(1));
                DatagramEndpoint endpoint = UdpEchoService.bind(group, ANY_PORT);
                DatagramSocket client = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            client.setSoTimeout(5_000);
            byte[] hello = "hello, udp".getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(hello, hello.length, InetAddress.getLoopbackAddress(), endpoint.port()));
            DatagramPacket reply = new DatagramPacket(new byte[100], 100);
            client.receive(reply);
            assertEquals("HELLO, UDP", new String(reply.getData(), 0, reply.getLength(), StandardCharsets.US_ASCII));
        }
    }

    @Test
    void aDescriptorPassedOverAUnixSocketReadsWhatTheServerWroteIntoIt() throws Exception {
        UnixAddress address = UnixAddress.abstractName("panio-examples-test-" + ProcessHandle.current().pid());
        try (EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults().withLoops(1));
                Listener listener = group.listen(address, FdPassing.HandOut::new)) {
            for (int i = 0; i < 3; i++) {
                assertEquals(new String(FdPassing.MESSAGE, StandardCharsets.UTF_8), FdPassing.fetch(address));
            }
        }
    }

    @Test
    void virtualThreadsEchoToManyClientsAtOnce() throws Exception {
        try (VirtualThreadEcho server = VirtualThreadEcho.start(ANY_PORT);
                ExecutorService clients = Executors.newFixedThreadPool(16)) {
            InetSocketAddress address = (InetSocketAddress) server.address();
            List<Future<byte[]>> replies = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                byte[] message = ("client " + i + " says hello\n").repeat(100).getBytes(StandardCharsets.US_ASCII);
                replies.add(clients.submit(() -> {
                    try (Socket s = new Socket(address.getAddress(), address.getPort())) {
                        s.setSoTimeout(10_000);
                        OutputStream out = s.getOutputStream();
                        InputStream in = s.getInputStream();
                        out.write(message);
                        return in.readNBytes(message.length);
                    }
                }));
            }
            for (int i = 0; i < replies.size(); i++) {
                assertArrayEquals(("client " + i + " says hello\n").repeat(100).getBytes(StandardCharsets.US_ASCII), replies.get(i).get());
            }
        }
    }

    @Test
    void epollByHandEchoesEveryMessage() throws Exception {
        long expected = 0;
        for (int i = 0; i < 500; i++) expected += ("message " + i + "\n").length();
        assertEquals(expected, DirectEpoll.run(500));
    }

    @Test
    void ioUringByHandMovesTheBytes() throws Exception {
        assumeTrue(IoUring.availability().available(), () -> "io_uring: " + IoUring.availability().reason());
        assertEquals("through the ring", DirectIoUring.run("through the ring"));
    }
}
