package dev.panio.testkit.proxy;

import dev.panio.reactor.Timer;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One fault acting on one direction of one connection: takes {@link Item}s from the stage
 * before it and hands them, changed, held or dropped, to the one after (the last hands them
 * to the {@link Flow}, which writes them). Runs on the proxy's loop thread only.
 */
abstract class Stage {
    final FaultHandle handle;
    final Flow flow;
    final SplittableRandom random;
    Stage next; // null: the flow itself

    Stage(FaultHandle handle, Flow flow, SplittableRandom random) {
        this.handle = handle;
        this.flow = flow;
        this.random = random;
    }

    static Stage of(FaultHandle h, Flow flow, SplittableRandom random) {
        return switch (h.fault()) {
            case Fault.Latency f -> new LatencyStage(h, flow, random);
            case Fault.Bandwidth f -> new BandwidthStage(h, flow, random);
            case Fault.Slicer f -> new SlicerStage(h, flow, random);
            case Fault.SlowClose f -> new SlowCloseStage(h, flow, random);
            case Fault.LimitData f -> new ThresholdStage.LimitData(h, flow, random);
            case Fault.Reset f -> new ThresholdStage.Reset(h, flow, random);
            case Fault.HalfClose f -> new ThresholdStage.HalfClose(h, flow, random);
            case Fault.ZeroWindow f -> new ThresholdStage.ZeroWindow(h, flow, random);
            case Fault.Stall f -> new StallStage(h, flow, random);
        };
    }

    /** Takes the next item of the stream. */
    abstract void push(Item item);

    /** Hands {@code item} on. */
    final void forward(Item item) {
        if (next != null) next.push(item);
        else flow.write(item);
    }

    /** The flow is live (both sides connected), or this fault was added to a live flow: timers start now. */
    void engage() {}

    /**
     * A close or reset ends the connection, so a stage that holds bytes does not hold it
     * behind them: what it holds is dropped and the event goes on. True if {@code item} was one.
     */
    final boolean passedAsEnd(Item item) {
        if (!item.endsConnection()) return false;
        discard();
        forward(item);
        return true;
    }

    /** The fault's parameters changed ({@link FaultHandle#change}). */
    void changed() {}

    /** The fault was removed: what this stage holds goes on, in order, and its timers stop. */
    abstract void release();

    /** The connection ended: what this stage holds is dropped and its timers stop. */
    abstract void discard();

    final Timer schedule(Runnable task, long delayNanos) {
        return flow.link.loop.schedule(task, Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    static void cancel(Timer t) {
        if (t != null) t.cancel();
    }
}
