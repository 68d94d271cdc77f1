package com.example.panio;

import dev.panio.reactor.Backend;
import dev.panio.reactor.DatagramChannel;
import dev.panio.reactor.DatagramEndpoint;
import dev.panio.reactor.DatagramHandler;
import dev.panio.reactor.DatagramSender;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.ReactorOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A UDP service on panio's reactor: each datagram goes back to its sender, upper-cased.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.UdpEchoService 7001</pre>
 *
 * Try it with {@code echo hello | nc -u -w1 127.0.0.1 7001}.
 */
public final class UdpEchoService {
    private UdpEchoService() {}

    /** The handler each loop's socket runs. */
    static final class Upper implements DatagramHandler {
        @Override
        public void onDatagram(DatagramChannel channel, MemorySegment data, DatagramSender sender) {
            // data is the loop's receive buffer, valid during this call only: change it in place
            // and send it back; send copies it when the socket cannot take it at once
            for (long i = 0; i < data.byteSize(); i++) {
                byte b = data.get(ValueLayout.JAVA_BYTE, i);
                if (b >= 'a' && b <= 'z') data.set(ValueLayout.JAVA_BYTE, i, (byte) (b - 32));
            }
            // false: the queue is past its high watermark (still queued up to the hard limit,
            // then dropped and counted in droppedDatagrams); a UDP service may simply go on
            channel.send(data, sender);
        }

        @Override
        public void onError(DatagramChannel channel, IOException error) {
            // a datagram too long for the receive buffer, one dropped at the queue's limit: the service goes on
            System.err.println("udp: " + error.getMessage());
        }
    }

    /** Binds the service on {@code address} (port 0: any free port). */
    public static DatagramEndpoint bind(EventLoopGroup group, InetSocketAddress address) throws IOException {
        return group.bindDatagram(address, Upper::new);
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 7001;
        EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> group.shutdownGracefully(1_000)));
        DatagramEndpoint endpoint = bind(group, new InetSocketAddress("127.0.0.1", port));
        System.out.println("udp upper-case echo on " + endpoint.localAddress());
        group.awaitTermination(Long.MAX_VALUE, TimeUnit.DAYS);
    }
}
