package dev.panio.coroutine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.EventFd;
import dev.panio.testkit.NoFdLeaks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * 10,000 virtual threads, two rounds each of Readiness.await with a random 1-3 s timeout:
 * a quarter time out, a quarter are signalled early, a quarter interrupted, a quarter
 * signalled within 5 ms of the deadline. -Dprobe.load=N adds N CPU-bound platform threads.
 */
@NoFdLeaks
@Timeout(120)
class DeadlinesStressTest {
    record Event(long at, int thread, boolean interrupt) {}

    @Test
    void tenThousandTimedWaits() throws Exception {
        int n = Integer.getInteger("probe.threads", 10_000), rounds = 2;
        int load = Integer.getInteger("probe.load", 0);
        SplittableRandom rnd = new SplittableRandom(42);
        EventFd[] fds = new EventFd[n];
        Thread[] threads = new Thread[n];
        ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger spurious = new java.util.concurrent.atomic.AtomicInteger();
        long pauseMillis = Long.getLong("probe.pauseMillis", 0);
        long[] late = new long[n * rounds], signalLatency = new long[n * rounds];
        Arrays.fill(late, -1);
        Arrays.fill(signalLatency, -1);
        AtomicLongArray signalledAt = new AtomicLongArray(n); // 0: not yet
        long[][] timeouts = new long[n][rounds];
        for (int i = 0; i < n; i++) for (int r = 0; r < rounds; r++) timeouts[i][r] = 1_000_000_000L + rnd.nextLong(2_000_000_000L);
        stop = false;
        List<Thread> burners = new ArrayList<>();
        for (int i = 0; i < load; i++) {
            burners.add(Thread.ofPlatform().daemon().start(() -> {
                long x = 0;
                while (!stop) x += System.nanoTime() & 1;
                if (x == 42) System.out.print("");
            }));
        }
        try {
            for (int i = 0; i < n; i++) fds[i] = EventFd.open();
            CountDownLatch roundStart[] = {new CountDownLatch(n), new CountDownLatch(n)};
            long[][] starts = new long[n][rounds];
            for (int i = 0; i < n; i++) {
                final int id = i;
                threads[i] = Thread.ofVirtual().unstarted(() -> {
                    for (int r = 0; r < rounds; r++) {
                        int kind = (id + r) % 4;
                        long timeout = timeouts[id][r];
                        long t0 = System.nanoTime();
                        starts[id][r] = t0;
                        roundStart[r].countDown();
                        try {
                            boolean woken = Readiness.await(fds[id].fd(), Readiness.IN, timeout);
                            long t1 = System.nanoTime();
                            if (kind == 2) errors.add(id + "/" + r + ": not interrupted (woken=" + woken + ")");
                            if (!woken) {
                                if (t1 - t0 < timeout) errors.add(id + "/" + r + ": timed out " + (timeout - (t1 - t0)) / 1000 + " us early");
                                if (kind == 1) errors.add(id + "/" + r + ": signalled early, yet timed out");
                                late[id * rounds + r] = t1 - t0 - timeout;
                            } else {
                                long s = signalledAt.get(id);
                                if (s == 0) spurious.incrementAndGet(); // allowed: e.g. a stale permit of the turner's from the round before
                                else signalLatency[id * rounds + r] = t1 - s;
                            }
                            fds[id].drain();
                        } catch (InterruptedException e) {
                            long t1 = System.nanoTime();
                            if (kind != 2) errors.add(id + "/" + r + ": interrupted, kind " + kind);
                            long s = signalledAt.get(id);
                            signalLatency[id * rounds + r] = s == 0 ? -2 : t1 - s;
                        } catch (Throwable t) {
                            errors.add(id + "/" + r + ": " + t);
                        }
                        signalledAt.set(id, 0);
                        Thread.interrupted();
                        // wait until every thread finished this round, then go on (next round's schedule is relative to its start)
                        try {
                            roundEnd[r].countDown();
                            roundEnd[r].await();
                        } catch (InterruptedException e) {
                            errors.add(id + ": interrupted at the barrier");
                        }
                    }
                });
            }
            roundEnd = new CountDownLatch[] {new CountDownLatch(n), new CountDownLatch(n)};
            for (Thread t : threads) t.start();
            long begun = System.nanoTime();
            for (int r = 0; r < rounds; r++) {
                roundStart[r].await();
                if (r == 0 && pauseMillis > 0) {
                    long pid = ProcessHandle.current().pid();
                    new ProcessBuilder("sh", "-c", "sleep 1.5; kill -STOP " + pid + "; sleep " + pauseMillis / 1000.0 + "; kill -CONT " + pid)
                            .inheritIO().start();
                }
                System.out.println("probe: round " + r + " started at " + (System.nanoTime() - begun) / 1_000_000 + " ms, linked " + Deadlines.linked());
                // the events of this round, by time
                List<Event> events = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int kind = (i + r) % 4;
                    long s = starts[i][r], timeout = timeouts[i][r];
                    if (kind == 1) events.add(new Event(s + rnd.nextLong(timeout - 100_000_000L), i, false));
                    else if (kind == 2) events.add(new Event(s + rnd.nextLong(timeout - 100_000_000L), i, true));
                    else if (kind == 3) events.add(new Event(s + timeout - 5_000_000L + rnd.nextLong(10_000_000L), i, false));
                }
                events.sort((a, b) -> Long.compare(a.at, b.at));
                for (Event e : events) {
                    long wait = e.at - System.nanoTime();
                    if (wait > 0) TimeUnit.NANOSECONDS.sleep(wait);
                    signalledAt.set(e.thread, System.nanoTime());
                    if (e.interrupt) threads[e.thread].interrupt();
                    else fds[e.thread].signal(1);
                }
                System.out.println("probe: round " + r + " events sent at " + (System.nanoTime() - begun) / 1_000_000 + " ms");
                for (int w = 0; w < 30 && !roundEnd[r].await(1, TimeUnit.SECONDS); w++) {
                    System.out.println("probe: round " + r + " " + roundEnd[r].getCount() + " left at " + (System.nanoTime() - begun) / 1_000_000 + " ms, linked " + Deadlines.linked());
                }
                assertTrue(roundEnd[r].await(1, TimeUnit.MILLISECONDS), "round " + r + " ended: " + roundEnd[r].getCount() + " left; linked " + Deadlines.linked());
            }
            for (Thread t : threads) assertTrue(t.join(java.time.Duration.ofSeconds(10)));
        } finally {
            stop = true;
            for (Thread b : burners) b.join();
            for (EventFd f : fds) if (f != null) f.close();
        }
        System.out.println("timeouts late (ms): " + stats(late) + "; spurious wake-ups: " + spurious);
        for (int k = 1; k < 4; k++) {
            long[] byKind = new long[n * rounds];
            Arrays.fill(byKind, -1);
            for (int i = 0; i < n; i++) for (int r = 0; r < rounds; r++) if ((i + r) % 4 == k) byKind[i * rounds + r] = signalLatency[i * rounds + r];
            System.out.println("kind " + k + " signal/interrupt to return (ms): " + stats(byKind));
        }
        List<String> first = errors.stream().limit(20).toList();
        assertTrue(errors.isEmpty(), errors.size() + " errors, first: " + first);
        for (int i = 0; i < 100 && Deadlines.linked() > 0; i++) Thread.sleep(10);
        assertEquals(0, Deadlines.linked(), "every wait left the wheel");
    }

    static CountDownLatch[] roundEnd;
    static volatile boolean stop;

    private static String stats(long[] v) {
        long[] x = Arrays.stream(v).filter(l -> l >= 0).sorted().toArray();
        if (x.length == 0) return "none";
        return "n=" + x.length + " p50=" + x[x.length / 2] / 1_000_000.0 + " p99=" + x[(int) (x.length * 0.99)] / 1_000_000.0
                + " max=" + x[x.length - 1] / 1_000_000.0;
    }
}
