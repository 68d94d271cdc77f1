package dev.panio.testkit.proxy;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** Upstreams for the proxy tests written with the JDK alone: an HTTP server and a TCP echo server. */
final class JdkServers {
    private JdkServers() {}

    /** The JDK's own HTTP server: {@code /hello} answers "hello", {@code /big} 100,000 bytes of a known pattern. */
    static final class Http implements AutoCloseable {
        static final int BIG = 100_000;
        final HttpServer server;
        private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();

        Http(InetAddress at) throws IOException {
            server = HttpServer.create(new InetSocketAddress(at, 0), 50);
            server.createContext("/hello", x -> {
                byte[] b = "hello".getBytes();
                x.sendResponseHeaders(200, b.length);
                try (OutputStream o = x.getResponseBody()) {
                    o.write(b);
                }
            });
            server.createContext("/big", x -> {
                x.sendResponseHeaders(200, BIG);
                try (OutputStream o = x.getResponseBody()) {
                    o.write(big());
                }
            });
            server.setExecutor(pool);
            server.start();
        }

        static byte[] big() {
            byte[] b = new byte[BIG];
            for (int i = 0; i < b.length; i++) b[i] = (byte) (i % 251);
            return b;
        }

        InetSocketAddress address() {
            return server.getAddress();
        }

        @Override
        public void close() {
            server.stop(0);
            pool.close();
        }
    }

    /** A blocking TCP echo server on {@code java.net}, a thread per connection; counts what it received. */
    static final class Echo implements AutoCloseable {
        final ServerSocket listener;
        final java.util.concurrent.atomic.AtomicLong received = new java.util.concurrent.atomic.AtomicLong();
        private final ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor();
        private final java.util.Set<Socket> open = java.util.concurrent.ConcurrentHashMap.newKeySet();

        Echo(InetAddress at) throws IOException {
            listener = new ServerSocket(0, 50, at);
            pool.submit(() -> {
                while (!listener.isClosed()) {
                    Socket s;
                    try {
                        s = listener.accept();
                    } catch (IOException e) {
                        return null;
                    }
                    open.add(s);
                    pool.submit(() -> serve(s));
                }
                return null;
            });
        }

        private Void serve(Socket s) {
            try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                byte[] buf = new byte[16384];
                for (int n; (n = in.read(buf)) > 0; ) {
                    received.addAndGet(n);
                    out.write(buf, 0, n);
                }
            } catch (IOException e) {
                // reset by the proxy: what the test is about
            } finally {
                open.remove(s);
            }
            return null;
        }

        InetSocketAddress address() {
            return (InetSocketAddress) listener.getLocalSocketAddress();
        }

        @Override
        public void close() throws IOException {
            listener.close();
            for (Socket s : open) s.close();
            pool.close();
        }
    }
}
