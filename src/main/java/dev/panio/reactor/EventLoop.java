package dev.panio.reactor;

import java.io.IOException;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One thread running one backend's I/O, tasks handed to it from any thread, and timers.
 *
 * <p>Each turn waits for I/O until the nearest timer deadline (or not at all when tasks
 * are queued), dispatches I/O, runs due timers in deadline order, then runs queued tasks.
 * {@link #execute} from another thread wakes the wait (through an eventfd, the ring, or an
 * unpark, depending on the backend). Timers live in a heap: cheap to add and cancel in
 * bulk. Everything a loop owns is touched only by its thread.
 */
public final class EventLoop implements Executor {
    static {
        // Load what the loop may first need when the process is out of fds: loading a
        // class from an exploded directory needs a descriptor, and a class that failed to
        // resolve once stays failed for the referring class. (From a jar, already open,
        // loading needs none.)
        new dev.panio.io.ErrnoException("preload", -1, dev.panio.io.Errno.EMFILE).getMessage();
        for (Class<?> c : new Class<?>[] {CloseCause.class, ScheduledTask.class, Warnings.class, Failures.class, FdReserve.class,
                BaseConnection.class, WriteQueue.class, ChunkPool.class, LoopMetrics.class, Slots.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final EventLoopGroup group;
    private final int index;
    final ReactorOptions options;
    final Driver driver;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile Throwable startFailure;
    private final AtomicLong seq = new AtomicLong();
    private volatile boolean shuttingDown;
    private long shutdownDeadline;

    /** Failures of user code on this loop: counted, logged with a rate limit, never fatal. */
    final Failures failures;

    // metrics, written by the loop thread only
    long open, accepted, acceptErrors, bytesRead, bytesWritten, reads, writes, wakeups, turns;

    EventLoop(EventLoopGroup group, int index, Backend backend, ReactorOptions options) {
        this.group = group;
        this.index = index;
        this.options = options;
        this.driver = Drivers.create(backend, this);
        this.thread = Thread.ofPlatform().name("panio-" + backend.cliName() + "-" + index).daemon(true).unstarted(this::run);
        this.failures = new Failures(thread.getName());
    }

    void start() throws IOException {
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + thread.getName(), e);
        }
        if (startFailure instanceof IOException io) throw io;
        if (startFailure != null) throw new IOException("event loop failed to start", startFailure);
    }

    private void run() {
        try {
            driver.start();
        } catch (Throwable t) {
            startFailure = t;
            started.countDown();
            terminated.countDown();
            return;
        }
        started.countDown();
        try {
            for (;;) {
                turns++;
                driver.poll(waitNanos());
                wakeups++;
                wakeupPending.set(false);
                runTimers();
                runTasks();
                if (shuttingDown && (driver.connectionCount() == 0 || System.nanoTime() - shutdownDeadline >= 0)) break;
            }
        } catch (Throwable t) {
            // Straight to stderr: a logger may need resources (files) that are what ran out.
            System.err.println(thread.getName() + " stopped: " + t);
            t.printStackTrace();
        } finally {
            try {
                driver.abortAll();
                runTasks();
            } finally {
                driver.close();
                terminated.countDown();
            }
        }
    }

    private long waitNanos() {
        if (!tasks.isEmpty() || driver.hasPendingWork()) return 0;
        ScheduledTask next = timers.peek();
        if (shuttingDown) {
            long left = Math.max(0, shutdownDeadline - System.nanoTime());
            return next == null ? Math.min(left, 10_000_000L) : Math.min(left, Math.max(0, next.deadline - System.nanoTime()));
        }
        if (next == null) return -1;
        return Math.max(0, next.deadline - System.nanoTime());
    }

    private void runTimers() {
        long now = System.nanoTime();
        ScheduledTask t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            if (t.cancelled) continue;
            safely(t.task);
            if (t.periodNanos > 0 && !t.cancelled) {
                t.deadline += t.periodNanos;
                timers.add(t);
            }
        }
    }

    private void runTasks() {
        Runnable r;
        while ((r = tasks.poll()) != null) safely(r);
    }

    private void safely(Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            failures.report("a task or timer threw", t);
        }
    }

    /** Whether the caller is this loop's thread. */
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    /** Runs {@code task} on the loop thread, soon; from any thread. */
    @Override
    public void execute(Runnable task) {
        tasks.add(task);
        if (!inEventLoop() && wakeupPending.compareAndSet(false, true)) driver.wakeup();
    }

    /** Runs {@code task} once after {@code delay}. */
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(task, unit.toNanos(delay), 0);
    }

    /** Runs {@code task} every {@code period}, first after {@code initialDelay}. */
    public Timer scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) throw new IllegalArgumentException("period must be positive");
        return schedule(task, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    private Timer schedule(Runnable task, long delayNanos, long periodNanos) {
        ScheduledTask t = new ScheduledTask(task, System.nanoTime() + Math.max(0, delayNanos), periodNanos, seq.getAndIncrement());
        if (inEventLoop()) {
            addTimer(t);
        } else {
            execute(() -> addTimer(t));
        }
        return t;
    }

    private void addTimer(ScheduledTask t) {
        timers.add(t);
    }

    /** Schedules from the loop thread itself, without the hand-over. */
    ScheduledTask scheduleOnLoop(Runnable task, long delayNanos) {
        ScheduledTask t = new ScheduledTask(task, System.nanoTime() + delayNanos, 0, seq.getAndIncrement());
        timers.add(t);
        return t;
    }

    void beginShutdown(long deadlineNanos) {
        shuttingDown = true;
        shutdownDeadline = deadlineNanos;
        driver.closeAllGracefully();
    }

    boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** This loop's counters. */
    public LoopMetrics metrics() {
        return driver.metrics(new LoopMetrics(open, accepted, acceptErrors, bytesRead, bytesWritten, reads, writes, wakeups, turns,
                allocatedBytes(), failures.count()));
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() ? t : null;

    private long allocatedBytes() {
        if (THREADS == null || !THREADS.isThreadAllocatedMemoryEnabled()) return -1;
        return THREADS.getThreadAllocatedBytes(thread.threadId());
    }

    Thread thread() {
        return thread;
    }

    /** Position of this loop in its group. */
    public int index() {
        return index;
    }

    /** The group this loop belongs to. */
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
