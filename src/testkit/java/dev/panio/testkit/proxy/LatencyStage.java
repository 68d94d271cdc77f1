package dev.panio.testkit.proxy;

import java.util.ArrayDeque;
import java.util.SplittableRandom;

/** {@link Fault.Latency}: each item leaves at its arrival plus the delay and a jitter, never before an earlier one. */
final class LatencyStage extends PacedStage {
    private final ArrayDeque<Long> due = new ArrayDeque<>();
    private long last = Long.MIN_VALUE;

    LatencyStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    @Override
    void queued(Item item, long now) {
        Fault.Latency f = (Fault.Latency) handle.fault();
        long jitter = f.jitter().toNanos();
        long at = now + f.delay().toNanos() + (jitter == 0 ? 0 : random.nextLong(-jitter, jitter + 1));
        if (last != Long.MIN_VALUE && at - last < 0) at = last; // keep the order
        last = at;
        due.addLast(at);
    }

    @Override
    long step(long now) {
        long at = due.peekFirst();
        if (at - now > 0) return at - now;
        due.pollFirst();
        forward(queue.pollFirst());
        return 0;
    }

    @Override
    void dequeued(Item item) {
        due.pollFirst();
    }
}
