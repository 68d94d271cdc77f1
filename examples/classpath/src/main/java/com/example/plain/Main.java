package com.example.plain;

import dev.panio.reactor.Backend;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * panio on the class path, no module-info: a reactor echo server and a JDK client in one
 * program, which exits 0 once the echo came back whole.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED -cp "target/panio-on-the-class-path-1.0.jar:target/lib/*" com.example.plain.Main</pre>
 */
public final class Main {
    private Main() {}

    /** Echoes through a reactor on {@code backend}; returns what the JDK client read back. */
    public static byte[] echo(Backend backend, byte[] message) throws IOException {
        try (EventLoopGroup group = EventLoopGroup.start(backend, ReactorOptions.defaults().withLoops(1));
                Listener listener = group.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), () -> new ConnectionHandler() {
                    @Override
                    public void onData(Connection c, MemorySegment data) {
                        if (!c.write(data)) c.suspendReading();
                    }

                    @Override
                    public void onWritable(Connection c) {
                        c.resumeReading();
                    }
                });
                Socket client = new Socket(InetAddress.getLoopbackAddress(), listener.port())) {
            client.setSoTimeout(10_000);
            client.getOutputStream().write(message);
            return client.getInputStream().readNBytes(message.length);
        }
    }

    public static void main(String[] args) throws IOException {
        byte[] message = "panio on the class path\n".repeat(1000).getBytes(StandardCharsets.US_ASCII);
        byte[] back = echo(Backend.AUTO, message);
        if (!Arrays.equals(message, back)) {
            System.err.println("echo differs: " + back.length + " of " + message.length + " bytes");
            System.exit(1);
        }
        System.out.println("class path: " + back.length + " bytes echoed");
    }
}
