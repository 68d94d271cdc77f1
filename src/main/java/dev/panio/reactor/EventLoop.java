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
    /** The driver started: wake-ups may be sent. */
    private volatile boolean running;
    /** The loop has ended: no task handed over now would ever run. */
    private volatile boolean stopped;
    private final java.util.ArrayList<ScheduledTask> timersAgain = new java.util.ArrayList<>();

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
            stopped = true;
            started.countDown();
            terminated.countDown();
            return;
        }
        running = true;
        started.countDown();
        try {
            for (;;) {
                turns++;
                // Cleared before the queue is looked at and the wait begins: every task handed
                // over from now on wakes this wait, even if something consumed an earlier wake-up
                // (an unpark permit taken by a task's own park, say).
                wakeupPending.set(false);
                driver.poll(waitNanos());
                wakeups++;
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
                // From here on offer() refuses; what was handed over before runs now, on
                // connections that are closed (so writes return false, files are closed).
                stopped = true;
                runTasks();
            } finally {
                running = false;
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

    /**
     * Runs the timers that were due when this turn began, at most: a fixed-rate timer whose
     * task takes longer than its period, or a timer a task schedules with no delay, waits for
     * the next turn, after I/O and tasks have had theirs.
     */
    private void runTimers() {
        long now = System.nanoTime();
        long lastSeq = seq.get(); // timers scheduled from here on belong to a later turn
        ScheduledTask t;
        while ((t = timers.peek()) != null && t.deadline - now <= 0) {
            timers.poll();
            if (t.cancelled) continue;
            if (t.seq >= lastSeq) {
                timersAgain.add(t);
                continue;
            }
            safely(t.task);
            if (t.periodNanos > 0 && !t.cancelled) {
                t.deadline += t.periodNanos;
                timersAgain.add(t); // even if due again already: next turn
            }
        }
        if (!timersAgain.isEmpty()) {
            timers.addAll(timersAgain);
            timersAgain.clear();
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

    /**
     * Runs {@code task} on the loop thread, soon; from any thread.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     *         (its loops take no new work), naming the loop
     */
    @Override
    public void execute(Runnable task) {
        java.util.Objects.requireNonNull(task, "task");
        rejectIfShutDown("execute");
        if (!offer(task)) throw rejected("execute");
    }

    /**
     * Hands {@code task} to the loop thread for panio's own hand-overs, which must still run
     * during a graceful shutdown (to flush and close); false once the loop has ended, when
     * the task will never run and the caller must release what it carries.
     */
    boolean offer(Runnable task) {
        if (stopped) return false;
        tasks.add(task);
        if (stopped && tasks.remove(task)) return false; // lost the race with the loop's last drain
        if (running && !inEventLoop() && wakeupPending.compareAndSet(false, true)) driver.wakeup();
        return true;
    }

    private void rejectIfShutDown(String call) {
        if (group.isShutdown()) throw rejected(call);
    }

    private java.util.concurrent.RejectedExecutionException rejected(String call) {
        return new java.util.concurrent.RejectedExecutionException(call + " on " + thread.getName()
                + ": the event loop group is shut down");
    }

    /**
     * Runs {@code task} once after {@code delay}.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(task, unit.toNanos(delay), 0);
    }

    /**
     * Runs {@code task} every {@code period}, first after {@code initialDelay}. A run that
     * takes longer than the period does not make the next runs pile up in one turn: each turn
     * runs a timer at most once, after the loop's I/O and tasks.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    public Timer scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) throw new IllegalArgumentException("period must be positive");
        return schedule(task, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    private Timer schedule(Runnable task, long delayNanos, long periodNanos) {
        java.util.Objects.requireNonNull(task, "task");
        rejectIfShutDown("schedule");
        ScheduledTask t = new ScheduledTask(task, System.nanoTime() + Math.max(0, delayNanos), periodNanos, seq.getAndIncrement());
        if (inEventLoop()) {
            addTimer(t);
        } else if (!offer(() -> addTimer(t))) {
            throw rejected("schedule");
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

    boolean isTerminated() {
        return terminated.getCount() == 0;
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
