package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import dev.panio.io.TimerFd;
import dev.panio.testkit.NoFdLeaks;
import java.lang.reflect.Field;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A wait that reaches the wheel after its deadline (the waiter was held up between computing
 * its deadline and linking: a contended bucket lock, a carrier-starved virtual thread, a long
 * pause) must still end about at once, not when the turner next comes round to its bucket,
 * up to a whole turn (5.12 s) later.
 */
@NoFdLeaks
@Timeout(60)
class DeadlinesLateLinkTest {
    @Test
    void aDeadlineAlreadyPassedEndsTheParkAtOnce() throws Exception {
        try (TimerFd bound = TimerFd.open()) {
            // the bug: the park lasts until the turner comes round again, up to a 5.12 s turn
            bound.set(2_000_000_000L, 0);
            ReadinessTest.on(true, () -> {
                Deadlines.parkUntil(this, System.nanoTime() - 200_000_000L); // passed 20 ticks ago
                return true;
            }).get(20, TimeUnit.SECONDS);
            assertEquals(0, bound.expirations(), "a park whose deadline had passed ended before a 2 s timer did");
        }
        for (int i = 0; i < 100 && Deadlines.linked() > 0; i++) Thread.sleep(10);
        assertEquals(0, Deadlines.linked());
    }

    /** The same through Readiness.await: the waiter is held up 1.3 s (all bucket locks held) before it links. */
    @Test
    void aWaitThatLinksAfterItsDeadlineTimesOutSoonAfter() throws Exception {
        Field wheelField = Deadlines.class.getDeclaredField("WHEEL");
        wheelField.setAccessible(true);
        Object[] wheel = (Object[]) wheelField.get(null);
        Field lockField = wheel[0].getClass().getDeclaredField("lock");
        lockField.setAccessible(true);
        try (EventFd never = EventFd.open()) {
            CountDownLatch held = new CountDownLatch(1), release = new CountDownLatch(1);
            Thread holder = Thread.ofPlatform().start(() -> {
                for (Object b : wheel) lockLock(lockField, b);
                held.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    throw new RuntimeException(e);
                } finally {
                    for (Object b : wheel) lockUnlock(lockField, b);
                }
            });
            held.await();
            try (TimerFd bound = TimerFd.open()) {
                bound.set(3_500_000_000L, 0); // fixed: about 1.3 s; the bug: about 6 s (a turn more)
                CompletableFuture<Boolean> timedOut = ReadinessTest.on(true,
                        () -> !Readiness.await(never.fd(), Readiness.IN, Deadlines.MIN_NANOS));
                Thread.sleep(1_300); // the waiter is blocked in link, its 1 s deadline passing
                release.countDown();
                holder.join();
                assertTrue(timedOut.get(20, TimeUnit.SECONDS));
                assertEquals(0, bound.expirations(), "a 1 s wait held up 1.3 s before it linked ended before a 3.5 s timer did");
            }
        }
        for (int i = 0; i < 100 && Deadlines.linked() > 0; i++) Thread.sleep(10);
        assertEquals(0, Deadlines.linked());
    }

    private static void lockLock(Field f, Object bucket) {
        try {
            ((ReentrantLock) f.get(bucket)).lock();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }

    private static void lockUnlock(Field f, Object bucket) {
        try {
            ((ReentrantLock) f.get(bucket)).unlock();
        } catch (IllegalAccessException e) {
            throw new AssertionError(e);
        }
    }
}
