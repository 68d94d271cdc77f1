package dev.panio.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.proxy.ProxiedConnection.Ending;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The JDK's HttpClient against panio's demo server (run as its own process, as a user would
 * run it) through the fault proxy: the server's parser takes a request a byte at a time, a
 * cut or reset answer is an error to the client, and the server serves on after each.
 */
@NoFdLeaks
class FaultProxyDemoServerTest {
    static Process server;
    static InetSocketAddress address;

    @BeforeAll
    static void startTheDemoServer() throws IOException {
        String java = ProcessHandle.current().info().command().orElseThrow();
        server = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                "dev.panio.demo.DemoServer", "--port", "0", "--loops", "1", "--backend", "epoll")
                .redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream()));
        String first = out.readLine();
        Matcher m = Pattern.compile("server on 127\\.0\\.0\\.1:(\\d+),").matcher(String.valueOf(first));
        if (!m.find()) {
            server.destroyForcibly();
            throw new IOException("the demo server did not start: " + first);
        }
        address = new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1)));
        // the rest of its output is drained so it never blocks on a full pipe
        Thread.ofVirtual().start(() -> {
            try (out) {
                while (out.readLine() != null) {
                    // drained
                }
            } catch (IOException e) {
                // the process ended
            }
        });
    }

    @AfterAll
    static void stopIt() throws Exception {
        server.destroy();
        server.waitFor();
        server.getOutputStream().close();
    }

    static HttpResponse<String> plaintext(HttpClient client, FaultProxy p, Duration timeout) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + p.port() + "/plaintext")).timeout(timeout).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRequestArrivingAByteAtATimeIsAnswered() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(address); HttpClient client = HttpClient.newHttpClient()) {
            proxy.add(Direction.TO_UPSTREAM, Fault.slicer(1, Duration.ofMillis(1)));
            HttpResponse<String> r = plaintext(client, proxy, FaultProxyTest.WAIT);
            assertEquals(200, r.statusCode());
            assertEquals("Hello, World!", r.body());
        }
    }

    @Test
    void aResetAnswerIsAnErrorAndTheServerServesOn() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(address)) {
            FaultHandle reset = proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(20));
            try (HttpClient client = HttpClient.newHttpClient()) {
                assertThrows(IOException.class, () -> plaintext(client, proxy, FaultProxyTest.WAIT));
            }
            assertEquals(Ending.RESET_BY_FAULT, proxy.awaitEnded(1, FaultProxyTest.WAIT).get(0).ending());
            reset.remove();
            try (HttpClient client = HttpClient.newHttpClient()) {
                assertEquals(200, plaintext(client, proxy, FaultProxyTest.WAIT).statusCode());
            }
        }
    }

    @Test
    void aStalledRequestTimesTheClientOutAndTheServerServesOn() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(address); HttpClient client = HttpClient.newHttpClient()) {
            FaultHandle stall = proxy.add(Direction.TO_UPSTREAM, Fault.stall());
            assertThrows(HttpTimeoutException.class, () -> plaintext(client, proxy, Duration.ofMillis(300)));
            assertTrue(proxy.connections().get(0).heldToUpstream() > 0, "the request is held by the proxy");
            stall.remove();
            assertEquals(200, plaintext(client, proxy, FaultProxyTest.WAIT).statusCode());
        }
    }
}
