package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.net.Socket;
import java.io.InterruptedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Probe: 4,000 socket pairs, recv with short timeouts racing the data and interrupts; no byte lost or doubled. */
@dev.panio.testkit.NoFdLeaks
@Timeout(180)
class UringBlockingStressTest {
    @BeforeAll
    static void ring() {
        assumeTrue(UringBlocking.available());
    }

    @Test
    void timeoutsAndInterruptsRacingDataLoseNothing() throws Exception {
        int pairs = 4000, perPair = 20;
        List<Socket.Pair> all = new ArrayList<>();
        AtomicLong received = new AtomicLong(), sum = new AtomicLong(), timeouts = new AtomicLong(), interrupts = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> readers = new ArrayList<>();
        try {
            for (int i = 0; i < pairs; i++) all.add(Socket.pair(Socket.Type.STREAM, true));
            for (int i = 0; i < pairs; i++) {
                Socket.Pair p = all.get(i);
                readers.add(Thread.ofVirtual().start(() -> {
                    try (Arena arena = Arena.ofConfined()) {
                        MemorySegment b = arena.allocate(64);
                        int got = 0;
                        while (got < perPair) {
                            try {
                                long n = UringBlocking.read(p.first(), b, ThreadLocalRandom.current().nextLong(100_000, 3_000_000));
                                for (int k = 0; k < n; k++) sum.addAndGet(b.get(ValueLayout.JAVA_BYTE, k));
                                got += (int) n;
                                received.addAndGet(n);
                            } catch (SocketTimeoutException e) {
                                timeouts.incrementAndGet();
                            } catch (InterruptedIOException e) {
                                Thread.interrupted();
                                interrupts.incrementAndGet();
                            }
                            Thread.interrupted(); // an interrupt that lost the race stays set: clear it
                        }
                    } catch (Throwable t) {
                        failure.compareAndSet(null, t);
                    }
                }));
            }
            Thread interrupter = Thread.ofPlatform().start(() -> {
                ThreadLocalRandom r = ThreadLocalRandom.current();
                for (int i = 0; i < 50_000 && !Thread.currentThread().isInterrupted(); i++) {
                    readers.get(r.nextInt(pairs)).interrupt();
                    if (i % 500 == 0) LockSupport_parkNanos(1_000_000);
                }
            });
            MemorySegment one = MemorySegment.ofArray(new byte[] {1});
            for (int round = 0; round < perPair; round++) {
                for (Socket.Pair p : all) {
                    while (p.second().write(one) == 0) Thread.onSpinWait();
                }
                Thread.sleep(ThreadLocalRandom.current().nextInt(0, 3));
            }
            for (Thread t : readers) t.join(60_000);
            interrupter.interrupt();
            interrupter.join();
            if (failure.get() != null) throw new AssertionError(failure.get());
            System.out.println("probe: timeouts " + timeouts + ", interrupts " + interrupts + ", alive " + readers.stream().filter(Thread::isAlive).count());
            assertEquals((long) pairs * perPair, received.get());
            assertEquals((long) pairs * perPair, sum.get());
        } finally {
            for (Socket.Pair p : all) p.close();
        }
    }

    private static void LockSupport_parkNanos(long n) {
        java.util.concurrent.locks.LockSupport.parkNanos(n);
    }
}
