package example;

import static java.net.http.HttpResponse.BodyHandlers.ofString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.testkit.proxy.Direction;
import dev.panio.testkit.proxy.Fault;
import dev.panio.testkit.proxy.FaultHandle;
import dev.panio.testkit.proxy.FaultProxy;
import dev.panio.testkit.proxy.ProxiedConnection;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The README's example, as it is printed there: a client meets a slow answer and a reset. */
@NoFdLeaks // the class fails if it leaves a descriptor open, naming each one
class FlakyNetworkTest {
    HttpServer server; // stands in for the service your code talks to

    @BeforeEach
    void startServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            byte[] body = "a fine answer, long enough to be cut".getBytes();
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stopServer() {
        server.stop(0);
    }

    @Test
    void aSlowAnswerTimesOutAndAResetOneFails() throws Exception {
        try (FaultProxy proxy = FaultProxy.start(server.getAddress()); // your code connects here instead
                HttpClient client = HttpClient.newHttpClient()) {
            URI uri = URI.create("http://127.0.0.1:" + proxy.port() + "/");

            FaultHandle slow = proxy.add(Direction.TO_CLIENT, Fault.latency(Duration.ofSeconds(2)));
            HttpRequest impatient = HttpRequest.newBuilder(uri).timeout(Duration.ofMillis(300)).build();
            assertThrows(HttpTimeoutException.class, () -> client.send(impatient, ofString()));
            slow.remove();

            proxy.add(Direction.TO_CLIENT, Fault.resetAfterBytes(20)); // RST after 20 bytes of the answer
            assertThrows(IOException.class, () -> client.send(HttpRequest.newBuilder(uri).build(), ofString()));

            List<ProxiedConnection> ended = proxy.awaitEnded(2, Duration.ofSeconds(10));
            ProxiedConnection reset = ended.stream()
                    .filter(c -> c.ending() == ProxiedConnection.Ending.RESET_BY_FAULT).findFirst().orElseThrow();
            assertEquals(20, reset.bytesToClient());
            assertTrue(reset.bytesToUpstream() > 0, "the request went through whole");
        }
    }
}
