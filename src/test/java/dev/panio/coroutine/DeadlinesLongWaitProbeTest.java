package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Deadlines more than a turn (5.12 s) away, and just about a turn: on time, not a turn late or early. */
@Timeout(60)
class DeadlinesLongWaitProbeTest {
    @Test
    void waitsOfMoreThanATurn() throws Exception {
        long[] timeouts = {5_110_000_000L, 5_120_000_000L, 5_125_000_000L, 5_130_000_000L, 6_000_000_000L, 10_240_000_000L, 10_255_000_000L, 1_000_000_000L};
        try (EventFd never = EventFd.open()) {
            List<CompletableFuture<long[]>> all = new ArrayList<>();
            for (long t : timeouts) {
                all.add(ReadinessTest.on(true, () -> {
                    long t0 = System.nanoTime();
                    boolean r = Readiness.await(never.fd(), Readiness.IN, t);
                    return new long[] {r ? 1 : 0, System.nanoTime() - t0 - t};
                }));
            }
            for (int i = 0; i < timeouts.length; i++) {
                long[] r = all.get(i).get(30, TimeUnit.SECONDS);
                System.out.println("probe: timeout " + timeouts[i] / 1_000_000 + " ms: late by " + r[1] / 1_000_000.0 + " ms");
                assertFalse(r[0] == 1);
                assertTrue(r[1] >= 0 && r[1] < 50_000_000L, "timeout " + timeouts[i] + " late by " + r[1]);
            }
        }
    }
}
