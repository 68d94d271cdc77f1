package dev.panio.internal.reactor;

import dev.panio.net.MessageInfo;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.EventLoop;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.LoopMetrics;
import dev.panio.reactor.ReactorOptions;
import dev.panio.reactor.Timer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Objects;
import java.util.PriorityQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * The {@link EventLoop} every backend shares: the thread, the task queue and its wake-up
 * (through the driver's {@link Waker}), the timer heap, graceful shutdown and the counters.
 * The I/O is the {@link Driver}'s, one per model.
 *
 * <p>Threads: the public {@link EventLoop} methods, {@link #offer} and {@link #metrics()} from
 * any thread; everything else, the counters included, on the loop thread only.
 */
public final class Loop implements EventLoop {
    static {
        // Load what the loop may first need when the process is out of fds: loading a
        // class from an exploded directory needs a descriptor, and a class that failed to
        // resolve once stays failed for the referring class. (From a jar, already open,
        // loading needs none.)
        new dev.panio.io.ErrnoException("preload", -1, dev.panio.io.Errno.EMFILE).getMessage();
        for (Class<?> c : new Class<?>[] {CloseCause.class, ScheduledTask.class, Warnings.class, Failures.class, FdReserve.class,
                BaseConnection.class, Lifecycle.class, Lifecycle.Event.class, WriteQueue.class, ChunkPool.class,
                LoopMetrics.class, Slots.class, Fds.class}) {
            try {
                Class.forName(c.getName(), true, c.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new ExceptionInInitializerError(e);
            }
        }
    }

    private final EventLoopGroup group;
    private final int index;
    /** The group's options. */
    public final ReactorOptions options;
    /** This loop's I/O. */
    public final Driver driver;
    private final Thread thread;
    private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean wakeupPending = new AtomicBoolean();
    private final PriorityQueue<ScheduledTask> timers = new PriorityQueue<>();
    private final java.util.ArrayList<ScheduledTask> timersAgain = new java.util.ArrayList<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile Throwable startFailure;
    private final AtomicLong seq = new AtomicLong();
    private volatile boolean shuttingDown;
    private long shutdownDeadline;
    /** The driver started, its waker is set: wake-ups may be sent. */
    private volatile Waker waker;
    /** The loop has ended: no task handed over now would ever run. */
    private volatile boolean stopped;
    private final AtomicLong wakeupsSent = new AtomicLong();

    /** The loop thread's call state: the system calls made on it, counted (set as the thread starts). */
    private volatile dev.panio.internal.sys.CallState loopCalls;

    /** The loop thread's call state, for calls the loop makes itself (loop thread only). */
    public dev.panio.internal.sys.CallState calls() {
        return loopCalls;
    }

    /** The time of the reads and writes of this loop's connections: one clock read per phase of a turn. */
    final TurnStamps turnStamps = new TurnStamps();

    /** Failures of user code on this loop: counted, logged with a rate limit, never fatal. */
    public final Failures failures;

    /** Counters, written by the loop thread only (the thread backends keep their own). */
    public long open, accepted, acceptErrors, bytesRead, bytesWritten, reads, writes, turns;

    /**
     * @param driverFactory makes this loop's driver (the model); called once, here
     */
    public Loop(EventLoopGroup group, int index, String backendName, ReactorOptions options,
                Function<Loop, Driver> driverFactory) {
        this.group = group;
        this.index = index;
        this.options = options;
        this.thread = Thread.ofPlatform().name("panio-" + backendName + "-" + index).daemon(true).unstarted(this::run);
        this.failures = new Failures(thread.getName());
        this.driver = driverFactory.apply(this);
    }

    /**
     * Starts the thread and waits until the driver has started.
     *
     * @throws IOException the driver's start failure itself, or wrapping the unchecked one
     *         (never a consequence of it)
     */
    public void start() throws IOException {
        thread.start();
        try {
            started.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while starting " + thread.getName(), e);
        }
        Throwable t = startFailure;
        if (t instanceof IOException io) throw io;
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IOException(thread.getName() + " failed to start", t);
    }

    private void run() {
        loopCalls = dev.panio.internal.sys.CallState.current();
        try {
            driver.start();
            waker = driver.waker();
        } catch (Throwable t) {
            startFailure = t;
            stopped = true;
            started.countDown();
            terminated.countDown();
            return;
        }
        started.countDown();
        try {
            for (;;) {
                turns++;
                // Cleared before the queue is looked at and the wait begins: every task handed
                // over from now on wakes this wait, even if something consumed an earlier wake-up
                // (an unpark permit taken by a task's own park, say).
                // Only when set: most turns had no wake-up, and a volatile store costs a fence.
                if (wakeupPending.get()) wakeupPending.set(false);
                driver.poll(waitNanos());
                long now = System.nanoTime();
                turnStamps.stamp(now); // before the timers, which check them
                runTimers(now);
                runTasks();
                if (!turnStamps.isEmpty()) turnStamps.stamp(System.nanoTime()); // marks the timers and tasks made (writes, held bytes delivered on a resume)
                if (shuttingDown) {
                    boolean done = driver.connectionCount() == 0 && components.isEmpty();
                    if (done || System.nanoTime() - shutdownDeadline >= 0) {
                        endedByItself = done;
                        break;
                    }
                }
            }
        } catch (Throwable t) {
            // Straight to stderr: a logger may need resources (files) that are what ran out.
            System.err.println(thread.getName() + " stopped: " + t);
            t.printStackTrace();
        } finally {
            // Each step on its own: a step that throws must not skip the ones after it, above
            // all the count-down that awaitTermination (and so the group's close) waits for.
            for (Component c : new ArrayList<>(components)) ending("aborting a channel", c::abort);
            ending("aborting the connections", driver::abortAll);
            // From here on offer() refuses; what was handed over before runs now, on
            // connections that are closed (so writes return false, files are closed).
            stopped = true;
            ending("running the last tasks", this::runTasks);
            waker = null;
            ending("closing the driver", driver::close);
            terminated.countDown();
        }
    }

    private void ending(String step, Runnable r) {
        try {
            r.run();
        } catch (Throwable t) {
            failures.report("the loop's end went on past a failure while " + step, t);
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

    private MessageInfo messageInfo;

    /**
     * What a receive on one of this loop's Unix connections learns besides bytes (passed
     * descriptors), made at first use and reused: loop thread only, one receive at a time,
     * and its descriptors are taken before the next.
     */
    public MessageInfo messageInfo() {
        if (messageInfo == null) messageInfo = new MessageInfo(MessageInfo.MAX_FDS);
        return messageInfo;
    }

    /**
     * Runs the timers that were due when this turn began, at most: a fixed-rate timer whose
     * task takes longer than its period, or a timer a task schedules with no delay, waits for
     * the next turn, after I/O and tasks have had theirs.
     */
    private void runTimers(long now) {
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

    @Override
    public boolean inEventLoop() {
        return Thread.currentThread() == thread;
    }

    @Override
    public void execute(Runnable task) {
        Objects.requireNonNull(task, "task");
        rejectIfShutDown("execute");
        if (!offer(task)) throw rejected("execute");
    }

    /**
     * Hands {@code task} to the loop thread for panio's own hand-overs, which must still run
     * during a graceful shutdown (to flush and close); false once the loop has ended, when
     * the task will never run and the caller must release what it carries.
     */
    public boolean offer(Runnable task) {
        if (stopped) return false;
        tasks.add(task);
        if (stopped && tasks.remove(task)) return false; // lost the race with the loop's last drain
        Waker w = waker;
        if (w != null && !inEventLoop() && wakeupPending.compareAndSet(false, true)) {
            wakeupsSent.incrementAndGet();
            w.wake();
        }
        return true;
    }

    private void rejectIfShutDown(String call) {
        if (group.isShutdown()) throw rejected(call);
    }

    private RejectedExecutionException rejected(String call) {
        return new RejectedExecutionException(call + " on " + thread.getName() + ": the event loop group is shut down");
    }

    @Override
    public Timer schedule(Runnable task, long delay, TimeUnit unit) {
        return schedule(task, unit.toNanos(delay), 0);
    }

    @Override
    public Timer scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit) {
        if (period <= 0) throw new IllegalArgumentException("scheduleAtFixedRate: period must be positive: " + period);
        return schedule(task, unit.toNanos(initialDelay), unit.toNanos(period));
    }

    private Timer schedule(Runnable task, long delayNanos, long periodNanos) {
        Objects.requireNonNull(task, "task");
        rejectIfShutDown("schedule");
        ScheduledTask t = new ScheduledTask(task, System.nanoTime() + Math.max(0, delayNanos), periodNanos, seq.getAndIncrement());
        if (inEventLoop()) {
            timers.add(t);
        } else if (!offer(() -> timers.add(t))) {
            throw rejected("schedule");
        }
        return t;
    }

    /** Schedules from the loop thread itself, without the hand-over (panio's own timeouts). */
    public ScheduledTask scheduleOnLoop(Runnable task, long delayNanos) {
        ScheduledTask t = new ScheduledTask(task, System.nanoTime() + delayNanos, 0, seq.getAndIncrement());
        timers.add(t);
        return t;
    }

    /** Begins a graceful shutdown ending at {@code deadlineNanos} (loop thread). */
    public void beginShutdown(long deadlineNanos) {
        if (shuttingDown) {
            // a later shutdown may only bring the deadline closer: shutdownGracefully(0) ends
            // one begun with a long deadline, whichever of two racing calls came first
            if (deadlineNanos - shutdownDeadline < 0) shutdownDeadline = deadlineNanos;
            return;
        }
        shuttingDown = true;
        shutdownDeadline = deadlineNanos;
        driver.closeAllGracefully();
        for (Component c : new ArrayList<>(components)) c.closeGracefully();
    }

    /**
     * Something besides connections that lives on a loop and ends with it: a datagram
     * channel. Registered in {@link #components} while open (loop thread).
     */
    public interface Component {
        /** Ends once what is queued is sent. */
        void closeGracefully();

        /** Ends now. */
        void abort();
    }

    /** The loop's open {@link Component}s (loop thread only). */
    public final java.util.Set<Component> components = new java.util.LinkedHashSet<>();

    /**
     * A graceful shutdown ended the loop with every connection and channel closed by itself,
     * not at the deadline (false too if the loop stopped some other way, or has not ended).
     */
    private volatile boolean endedByItself;

    /** Whether the loop has ended after a shutdown its connections completed before the deadline. */
    public boolean endedByItself() {
        return endedByItself;
    }

    /** Waits for the loop thread to end. */
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return terminated.await(timeout, unit);
    }

    /** Whether the loop thread has ended. */
    public boolean isTerminated() {
        return terminated.getCount() == 0;
    }

    @Override
    public LoopMetrics metrics() {
        long[] calls = new long[dev.panio.internal.sys.Syscall.COUNT];
        dev.panio.internal.sys.CallState s = loopCalls;
        if (s != null) s.addCallsTo(calls);
        driver.addSystemCalls(calls);
        return driver.metrics(new LoopMetrics(open, accepted, acceptErrors, bytesRead, bytesWritten, reads, writes,
                wakeupsSent.get(), turns, allocatedBytes(), failures.count(), CallCounts.named(calls)));
    }

    private static final com.sun.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean() instanceof com.sun.management.ThreadMXBean t
                    && t.isThreadAllocatedMemorySupported() ? t : null;

    private long allocatedBytes() {
        if (THREADS == null || !THREADS.isThreadAllocatedMemoryEnabled()) return -1;
        return THREADS.getThreadAllocatedBytes(thread.threadId());
    }

    /** The loop's thread. */
    public Thread thread() {
        return thread;
    }

    @Override
    public int index() {
        return index;
    }

    @Override
    public EventLoopGroup group() {
        return group;
    }

    @Override
    public String toString() {
        return thread.getName();
    }
}
