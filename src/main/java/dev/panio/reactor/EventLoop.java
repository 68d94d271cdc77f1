package dev.panio.reactor;

import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * One thread of an {@link EventLoopGroup}: it runs one backend's I/O, the tasks handed to it
 * and its timers. Implemented by panio only; every connection belongs to one loop, and its
 * handler's callbacks run on that loop's thread (on the event-driven backends).
 *
 * <p>Each turn waits for I/O until the nearest timer deadline (not at all when tasks are
 * queued), dispatches the I/O, runs the timers that were due when the turn began (each at
 * most once), then the queued tasks. A task or timer that throws is counted in
 * {@link LoopMetrics#handlerFailures()} and logged (rate-limited); the loop goes on.
 *
 * <p>Threads: every method may be called from any thread. The loop thread is a daemon
 * thread: it does not keep the JVM alive by itself ({@link EventLoopGroup#awaitTermination}
 * is how a {@code main} waits for a group).
 */
public interface EventLoop extends Executor {
    /**
     * Whether the caller is this loop's thread.
     *
     * @return true on the loop thread
     */
    boolean inEventLoop();

    /**
     * Runs {@code task} on the loop thread, soon; from any thread.
     *
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     *         (its loops take no new work), naming the loop
     */
    @Override
    void execute(Runnable task);

    /**
     * Runs {@code task} once after {@code delay}, on the loop thread.
     *
     * @param task  the task
     * @param delay the delay; 0 or negative runs it at the next turn
     * @param unit  the delay's unit
     * @return the timer, to cancel it
     * @throws NullPointerException if {@code task} is null
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    Timer schedule(Runnable task, long delay, TimeUnit unit);

    /**
     * Runs {@code task} every {@code period}, first after {@code initialDelay}. A run that
     * takes longer than the period does not make the next runs pile up in one turn: each turn
     * runs a timer at most once, after the loop's I/O and tasks.
     *
     * @param task         the task
     * @param initialDelay the delay before the first run
     * @param period       the time between the starts of runs, positive
     * @param unit         the unit of both times
     * @return the timer, to cancel it
     * @throws NullPointerException if {@code task} is null
     * @throws IllegalArgumentException if {@code period} is not positive
     * @throws java.util.concurrent.RejectedExecutionException once the group is shut down
     */
    Timer scheduleAtFixedRate(Runnable task, long initialDelay, long period, TimeUnit unit);

    /**
     * This loop's counters, a snapshot (a moment old when read off the loop thread).
     *
     * @return the counters
     */
    LoopMetrics metrics();

    /**
     * Position of this loop in its group.
     *
     * @return 0 to the group's loop count - 1
     */
    int index();

    /**
     * The group this loop belongs to.
     *
     * @return the group
     */
    EventLoopGroup group();
}
