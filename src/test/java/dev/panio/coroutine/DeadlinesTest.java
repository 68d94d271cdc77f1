package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import dev.panio.io.TimerFd;
import dev.panio.testkit.NoFdLeaks;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Long timed waits of virtual threads on the deadline wheel: never over before the deadline
 * (the kernel's timerfd, armed a little sooner, has always expired when they say false),
 * cut short by readiness, and off the wheel afterwards.
 */
@NoFdLeaks
@Timeout(60)
class DeadlinesTest {
    @Test
    void aLongTimedWaitEndsOnlyAfterItsDeadlineAndLeavesTheWheel() throws Exception {
        int n = 2_000;
        long timeout = Deadlines.MIN_NANOS + 200_000_000L;
        try (EventFd never = EventFd.open(); TimerFd sooner = TimerFd.open()) {
            List<CompletableFuture<Boolean>> waits = new ArrayList<>();
            sooner.set(Deadlines.MIN_NANOS + 100_000_000L, 0); // 100 ms before any wait's deadline
            for (int i = 0; i < n; i++) waits.add(ReadinessTest.on(true, () -> Readiness.await(never.fd(), Readiness.IN, timeout)));
            for (CompletableFuture<Boolean> w : waits) assertFalse(w.get(20, TimeUnit.SECONDS), "nothing came: timed out");
            assertEquals(1, sooner.expirations(), "no wait said false before the timer armed 100 ms before its deadline had expired");
        }
        for (int i = 0; i < 100 && Deadlines.linked() > 0; i++) Thread.sleep(10);
        assertEquals(0, Deadlines.linked(), "every wait left the wheel");
    }

    @Test
    void readinessEndsALongTimedWaitAndTakesItOffTheWheel() throws Exception {
        try (EventFd e = EventFd.open()) {
            int before = Deadlines.linked(); // another test's server may still wait on it
            CompletableFuture<Boolean> w = ReadinessTest.on(true, () -> Readiness.await(e.fd(), Readiness.IN, 30_000_000_000L));
            Thread.sleep(100);
            assertFalse(w.isDone());
            assertEquals(before + 1, Deadlines.linked(), "the wait is on the wheel");
            e.signal(1);
            assertTrue(w.get(10, TimeUnit.SECONDS));
            assertEquals(before, Deadlines.linked(), "and off it once woken");
        }
    }
}
