package dev.panio.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ResourceLimits;
import dev.panio.testing.NoFdLeaks;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The coroutine echo server at C10K: 10,000 connections from a client in another process,
 * each served by a virtual thread parked in a read, on this machine's two carriers; all
 * answered, no {@code jdk.VirtualThreadPinned} event in panio's code, no fd left behind.
 */
@ExtendWith(NoFdLeaks.class)
@Timeout(300)
class CoroutineEchoServerTest {
    @Test
    void tenThousandConnectionsEachOnAVirtualThreadAreAllAnsweredWithoutPinning() throws Exception {
        int n = 10_000;
        ResourceLimits.Limit before = ResourceLimits.openFiles();
        Path jfr = Files.createTempFile("panio-c10k", ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(Duration.ZERO).withStackTrace();
            recording.start();
            ResourceLimits.raiseOpenFilesToHard();
            try (CoroutineEchoServer server = CoroutineEchoServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
                String java = ProcessHandle.current().info().command().orElse("java");
                Process client = new ProcessBuilder(java, Path.of("src/test/load/LoadClient.java").toString(), "127.0.0.1",
                        String.valueOf(server.port()), String.valueOf(n)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try {
                    BufferedReader out = new BufferedReader(new InputStreamReader(client.getInputStream()));
                    String line = out.readLine();
                    assertEquals("echoed=" + n + " failed=0", line, "every connection answered");
                    assertEquals(n, server.connections(), "all held at once, a virtual thread each");
                    try (OutputStream in = client.getOutputStream()) {
                        in.write('\n'); // the client closes them all
                    }
                    assertTrue(client.waitFor(60, TimeUnit.SECONDS));
                } finally {
                    client.destroyForcibly();
                }
                for (int i = 0; i < 1000 && server.connections() > 0; i++) Thread.sleep(10);
                assertEquals(0, server.connections(), "every server thread saw its end");
            }
            recording.stop();
            recording.dump(jfr);
            dev.panio.testing.PinnedEvents.Found pinned = dev.panio.testing.PinnedEvents.read(jfr);
            assertEquals(List.of(), pinned.panio(), "jdk.VirtualThreadPinned in panio's calls (besides "
                    + pinned.linkage() + " waits on first-use class initialisation or linkage)");
        } finally {
            ResourceLimits.setOpenFiles(before);
            Files.deleteIfExists(jfr);
        }
    }
}
