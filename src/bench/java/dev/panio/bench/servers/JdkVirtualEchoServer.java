package dev.panio.bench.servers;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * TCP echo the way a JDK user writes it with virtual threads: {@code java.net.ServerSocket},
 * a virtual thread per connection reading its {@code InputStream} into a 16 KiB array and
 * writing it back; the JDK parks the threads on its own poller. The reference for panio's
 * coroutine server ({@code dev.panio.demo.CoroutineEchoServer}, same buffer size).
 * Usage: {@code JdkVirtualEchoServer PORT}.
 */
public final class JdkVirtualEchoServer {
    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        try (ServerSocket ss = new ServerSocket(port, 4096, InetAddress.getByName("127.0.0.1"))) {
            System.out.println("jdk virtual-thread echo on 127.0.0.1:" + port);
            for (;;) {
                Socket s = ss.accept();
                Thread.ofVirtual().start(() -> {
                    try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                        byte[] buf = new byte[16 * 1024];
                        int n;
                        while ((n = in.read(buf)) > 0) out.write(buf, 0, n);
                    } catch (IOException e) {
                        // the peer reset it: this connection is over
                    }
                });
            }
        }
    }
}
