package dev.panio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.ClosedException;
import dev.panio.io.Pipe;
import dev.panio.poll.Poll;
import dev.panio.select.Select;
import dev.panio.testing.Forked;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.uring.IoUring;
import dev.panio.uring.IoUringOptions;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code close()} from another thread while a thread waits in select, poll, epoll_wait or
 * io_uring_enter, 100 times each, with the close landing before, at and after the start of
 * the wait: the waiter always comes back with {@link ClosedException}, never a crash, never
 * a hang, never an early plain return (every timeout here is endless or longer than the
 * kernel takes), and no fd is left behind. Run in a child JVM: the io_uring race used to
 * crash the JVM.
 */
@org.junit.jupiter.api.Timeout(300) // a hang guard
@NoFdLeaks
class CloseWhileWaitingTest {
    static final int ROUNDS = 100;

    interface Waitable extends AutoCloseable {
        void await() throws Exception;
    }

    @FunctionalInterface
    interface Body {
        void await() throws Exception;
    }

    interface Opener {
        Waitable open(Pipe watched) throws Exception;
    }

    static final Map<String, Opener> CASES = new LinkedHashMap<>();

    static {
        CASES.put("select(-1)", p -> {
            Select s = new Select();
            s.add(p.source(), Select.READ);
            return waitable(s, () -> s.select(-1));
        });
        CASES.put("select(Long.MAX_VALUE)", p -> {
            Select s = new Select();
            s.add(p.source(), Select.READ);
            return waitable(s, () -> s.select(Long.MAX_VALUE));
        });
        CASES.put("poll(-1)", p -> {
            Poll poll = new Poll(4);
            poll.add(p.source(), Poll.POLLIN, 0);
            return waitable(poll, () -> poll.poll(-1));
        });
        CASES.put("poll(10^13 ms)", p -> {
            Poll poll = new Poll(4);
            poll.add(p.source(), Poll.POLLIN, 0);
            return waitable(poll, () -> poll.poll(10_000_000_000_000L));
        });
        CASES.put("epoll_wait(-1)", p -> {
            Epoll ep = Epoll.open(8);
            ep.add(p.source(), Interest.READ, 1);
            return waitable(ep, () -> ep.epollWait(-1));
        });
        CASES.put("epoll_wait(Integer.MAX_VALUE)", p -> {
            Epoll ep = Epoll.open(8);
            ep.add(p.source(), Interest.READ, 1);
            return waitable(ep, () -> ep.epollWait(Integer.MAX_VALUE));
        });
        CASES.put("io_uring submitAndWait(1, -1)", p -> {
            IoUring ring = IoUring.open(8);
            return waitable(ring, () -> ring.submitAndWait(1, -1));
        });
        CASES.put("io_uring submitAndWait(1, Long.MAX_VALUE)", p -> {
            IoUring ring = IoUring.open(8);
            return waitable(ring, () -> ring.submitAndWait(1, Long.MAX_VALUE));
        });
        CASES.put("io_uring submitAndWait(16, -1)", p -> {
            IoUring ring = IoUring.open(8);
            return waitable(ring, () -> ring.submitAndWait(16, -1));
        });
        CASES.put("io_uring submitAndWait(1, 300 ms)", p -> {
            IoUring ring = IoUring.open(8);
            return waitable(ring, () -> ring.submitAndWait(1, 300_000_000L));
        });
        CASES.put("io_uring SINGLE_ISSUER+DEFER_TASKRUN, a READ in flight", null); // opened on the waiting thread, below
    }

    static Waitable waitable(AutoCloseable owner, Body body) {
        return new Waitable() {
            @Override
            public void await() throws Exception {
                body.await();
            }

            @Override
            public void close() throws Exception {
                owner.close();
            }
        };
    }

    /** One case, {@value #ROUNDS} rounds; the body run in the child JVM. */
    static void runForked(String name) throws Exception {
        boolean uring = name.startsWith("io_uring");
        if (uring) {
            assumeTrue(IoUring.availability().available(), () -> "io_uring unavailable here: " + IoUring.availability().reason());
        }
        Map<Integer, String> before = dev.panio.testkit.Fds.open();
        for (int round = 0; round < ROUNDS; round++) {
            try (Pipe p = Pipe.open(true)) {
                if (CASES.get(name) == null) singleIssuerRound(p, round);
                else round(CASES.get(name).open(p), round);
            }
        }
        for (int attempt = 0; ; attempt++) {
            Map<Integer, String> after = dev.panio.testkit.Fds.open();
            after.keySet().removeIf(fd -> after.get(fd).endsWith(".jar") || after.get(fd).contains("/proc/"));
            before.keySet().removeIf(fd -> before.get(fd).endsWith(".jar") || before.get(fd).contains("/proc/"));
            if (after.equals(before)) break;
            if (attempt == 50) assertEquals(before, after, "fds after " + ROUNDS + " rounds");
            Thread.sleep(20);
        }
    }

    /** The waiter starts; the close lands before, during or (mostly) well into its wait. */
    static void round(Waitable w, int round) throws Exception {
        CountDownLatch started = new CountDownLatch(1);
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().name("waiter-" + round).start(() -> {
            started.countDown();
            try {
                w.await();
                outcome.set("returned without the close being seen");
            } catch (Throwable t) {
                outcome.set(t);
            }
        });
        started.await();
        switch (round % 4) {
            case 0 -> { } // at once: often before the wait has begun
            case 1 -> Thread.onSpinWait();
            default -> java.util.concurrent.locks.LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(2_000_000));
        }
        w.close();
        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(waiter.isAlive(), "round " + round + ": the waiter is still waiting 10 s after close()");
        w.close(); // idempotent
        Object o = outcome.get();
        assertTrue(o instanceof ClosedException, "round " + round + ": " + o);
    }

    /** A SINGLE_ISSUER ring belongs to the thread that opens it: the waiter opens it, main closes it. */
    static void singleIssuerRound(Pipe p, int round) throws Exception {
        CompletableFuture<IoUring> opened = new CompletableFuture<>();
        AtomicReference<Object> outcome = new AtomicReference<>();
        Thread waiter = Thread.ofPlatform().name("uring-waiter-" + round).start(() -> {
            try {
                IoUring ring = IoUring.open(IoUringOptions.entries(8).forSingleThread());
                java.lang.foreign.MemorySegment buf = ring.allocate(64);
                ring.sqe().read(p.source().intValue(), buf, -1).userData(7); // never completes: the pipe stays empty
                opened.complete(ring);
                ring.submitAndWait(1, -1);
                outcome.set("returned without the close being seen");
            } catch (Throwable t) {
                opened.completeExceptionally(t);
                outcome.set(t);
            }
        });
        IoUring ring = opened.get(10, TimeUnit.SECONDS);
        if (round % 2 == 1) java.util.concurrent.locks.LockSupport.parkNanos(ThreadLocalRandom.current().nextInt(2_000_000));
        ring.close();
        waiter.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(waiter.isAlive(), "round " + round + ": the waiter is still waiting 10 s after close()");
        assertTrue(outcome.get() instanceof ClosedException, "round " + round + ": " + outcome.get());
    }

    @TestFactory
    Stream<DynamicTest> closeAlwaysWakesTheWaiter() throws Exception {
        List<String> names = List.copyOf(CASES.keySet());
        Map<String, Forked.Result> results = Forked.run(CloseWhileWaitingTest.class, names);
        return names.stream().map(n -> DynamicTest.dynamicTest(n + " x" + ROUNDS + " [forked JVM]", () -> {
            Forked.Result r = results.get(n);
            if (r == null) fail(n + ": no result from the child JVM");
            assumeTrue(!r.skipped(), r.detail());
            if (!r.passed()) fail(r.detail());
        }));
    }
}
