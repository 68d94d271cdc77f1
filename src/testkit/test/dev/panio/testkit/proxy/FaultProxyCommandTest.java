package dev.panio.testkit.proxy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.testkit.NoFdLeaks;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The proxy's command form: its flags, its fault syntax and its commands on standard input. */
@NoFdLeaks
class FaultProxyCommandTest {
    @Test
    void everyKindParsesFromText() {
        assertEquals(new FaultSpec(Direction.TO_CLIENT, new Fault.Latency(Duration.ofMillis(100), Duration.ofNanos(500_000)), 0.25),
                FaultSpec.parse("to-client latency delay=100ms jitter=500us toxicity=0.25"));
        assertEquals(Fault.bandwidth(64 * 1024), FaultSpec.parse("to-upstream bandwidth rate=64KiB").fault());
        assertEquals(new Fault.Slicer(10, 3, Duration.ofMillis(2)), FaultSpec.parse("to-upstream slicer size=10 variation=3 delay=2ms").fault());
        assertEquals(Fault.limitData(1 << 20), FaultSpec.parse("to-client limit-data bytes=1MiB").fault());
        assertEquals(Fault.stall(), FaultSpec.parse("to-client stall").fault());
        assertEquals(Fault.stall(Duration.ofMillis(1500)), FaultSpec.parse("to-client stall timeout=1.5s").fault());
        assertEquals(Fault.resetAfterBytes(7), FaultSpec.parse("TO_CLIENT reset bytes=7").fault());
        assertEquals(Fault.resetAfter(Duration.ofSeconds(2)), FaultSpec.parse("to-client reset after=2s").fault());
        assertEquals(Fault.slowClose(Duration.ofMillis(5)), FaultSpec.parse("to-client slow-close delay=5ms").fault());
        assertEquals(Fault.halfClose(0), FaultSpec.parse("to-client half-close").fault());
        assertEquals(new Fault.ZeroWindow(10, 0), FaultSpec.parse("to-upstream zero-window bytes=10").fault());
        assertEquals(new Fault.ZeroWindow(0, 4096), FaultSpec.parse("to-upstream zero-window buffer=4KiB").fault());
    }

    @Test
    void badTextSaysWhatIsWrong() {
        assertMessage("not a direction: sideways", () -> FaultSpec.parse("sideways latency delay=1ms"));
        assertMessage("unknown fault jam", () -> FaultSpec.parse("to-client jam"));
        assertMessage("latency needs delay", () -> FaultSpec.parse("to-client latency"));
        assertMessage("latency takes delay, jitter; not rate", () -> FaultSpec.parse("to-client latency delay=1ms rate=5"));
        assertMessage("delay is a duration", () -> FaultSpec.parse("to-client latency delay=soon"));
        assertMessage("toxicity must be 0 to 1", () -> FaultSpec.parse("to-client stall toxicity=2"));
        assertMessage("reset takes bytes=N or after=D", () -> FaultSpec.parse("to-client reset"));
        assertMessage("given twice", () -> FaultSpec.parse("to-client latency delay=1ms delay=2ms"));
        assertMessage("bandwidth must be positive", () -> FaultSpec.parse("to-client bandwidth rate=0"));
        assertMessage("port out of range", () -> FaultProxyCommand.address("127.0.0.1:70000"));
        assertMessage("--upstream is required", () -> FaultProxyCommand.start(new String[] {"--seed", "1"}, System.out));
    }

    @Test
    void commandsChangeTheFaultsOfALiveConnection() throws Exception {
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (JdkServers.Echo echo = new JdkServers.Echo(InetAddress.getLoopbackAddress());
                FaultProxy proxy = FaultProxyCommand.start(new String[] {"--upstream", "127.0.0.1:" + echo.address().getPort(),
                        "--seed", "9", "--fault", "to-client limit-data bytes=1000000"}, new PrintStream(printed, true));
                SocketChannel c = SocketChannel.open(proxy.address())) {
            assertTrue(printed.toString().startsWith("panio fault proxy on 127.0.0.1:"), printed.toString());
            assertTrue(printed.toString().contains("seed 9"), printed.toString());
            c.write(ByteBuffer.wrap(FaultProxyTest.pattern(4)));
            assertArrayEquals(FaultProxyTest.pattern(4), FaultProxyTest.readFully(c, 4));
            assertEquals("fault #1 to-client limit-data 6 B", FaultProxyCommand.command(proxy, "change 1 bytes=6"));
            assertEquals("error: no fault #3 (faults lists them)", FaultProxyCommand.command(proxy, "remove 3"));
            c.write(ByteBuffer.wrap(FaultProxyTest.pattern(4)));
            assertEquals(2, c.read(ByteBuffer.allocate(10)), "4 passed before, 2 more up to the new limit of 6");
            proxy.awaitEnded(1, FaultProxyTest.WAIT);
            String connections = FaultProxyCommand.command(proxy, "connections");
            assertTrue(connections.contains("8 B to upstream, 6 B to client, dropped 0 / 2") && connections.contains("LIMIT_DATA"), connections);
            assertEquals("removed #1 to-client limit-data 6 B", FaultProxyCommand.command(proxy, "remove #1"));
            assertEquals("0 fault(s)", FaultProxyCommand.command(proxy, "faults"));
        }
    }

    private static void assertMessage(String part, org.junit.jupiter.api.function.Executable e) {
        IllegalArgumentException x = assertThrows(IllegalArgumentException.class, e);
        assertTrue(x.getMessage().contains(part), "\"" + x.getMessage() + "\" says " + part);
    }
}
