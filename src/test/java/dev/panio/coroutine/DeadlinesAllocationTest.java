package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Does a wait on the wheel allocate? Link and unlink on a platform and a virtual thread, and a whole Readiness.await. */
@Timeout(60)
class DeadlinesAllocationTest {
    static final com.sun.management.ThreadMXBean MX = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    static long perPark(int calls) {
        for (int i = 0; i < 20_000; i++) {
            LockSupport.unpark(Thread.currentThread()); // the park returns at once: link + unlink
            Deadlines.parkUntil("x", System.nanoTime() + 2_000_000_000L);
        }
        boolean virtual = Thread.currentThread().isVirtual();
        long before = virtual ? MX.getTotalThreadAllocatedBytes() : MX.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < calls; i++) {
            LockSupport.unpark(Thread.currentThread());
            Deadlines.parkUntil("x", System.nanoTime() + 2_000_000_000L);
        }
        long after = virtual ? MX.getTotalThreadAllocatedBytes() : MX.getCurrentThreadAllocatedBytes();
        return before < 0 ? -1 : (after - before) / calls;
    }

    @Test
    void aParkOnThePlatformThread() {
        long per = perPark(50_000);
        System.out.println("probe: platform bytes per park " + per);
        assertTrue(per < 8, "bytes per park: " + per);
    }

    @Test
    void aParkOnAVirtualThread() throws Exception {
        long per = ReadinessTest.on(true, () -> perPark(50_000)).get(30, TimeUnit.SECONDS);
        System.out.println("probe: virtual bytes per park " + per);
        assertTrue(per < 8, "bytes per park: " + per);
    }

    @Test
    void aReadyAwaitWithALongTimeoutOnAVirtualThread() throws Exception {
        try (EventFd e = EventFd.open()) {
            e.signal(1); // always ready: the wait parks, is woken by the poller at once
            long per = ReadinessTest.on(true, () -> {
                for (int i = 0; i < 20_000; i++) Readiness.await(e.fd(), Readiness.IN, 5_000_000_000L);
                long before = MX.getTotalThreadAllocatedBytes();
                for (int i = 0; i < 20_000; i++) Readiness.await(e.fd(), Readiness.IN, 5_000_000_000L);
                return before < 0 ? -1 : (MX.getTotalThreadAllocatedBytes() - before) / 20_000;
            }).get(30, TimeUnit.SECONDS);
            System.out.println("probe: virtual bytes per ready Readiness.await(5 s), all threads " + per);
            long per2 = ReadinessTest.on(true, () -> {
                for (int i = 0; i < 20_000; i++) Readiness.await(e.fd(), Readiness.IN, 500_000_000L);
                long before = MX.getTotalThreadAllocatedBytes();
                for (int i = 0; i < 20_000; i++) Readiness.await(e.fd(), Readiness.IN, 500_000_000L);
                return before < 0 ? -1 : (MX.getTotalThreadAllocatedBytes() - before) / 20_000;
            }).get(30, TimeUnit.SECONDS);
            System.out.println("probe: virtual bytes per ready Readiness.await(0.5 s, parkNanos), all threads " + per2);
        }
    }
}
