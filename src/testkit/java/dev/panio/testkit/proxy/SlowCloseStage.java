package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/** {@link Fault.SlowClose}: bytes pass at once; the end of the stream waits for the delay. */
final class SlowCloseStage extends PacedStage {
    private long eofAt;

    SlowCloseStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    @Override
    void queued(Item item, long now) {
        if (item.kind() == Item.Kind.EOF) eofAt = now + ((Fault.SlowClose) handle.fault()).delay().toNanos();
    }

    @Override
    long step(long now) {
        if (queue.peekFirst().kind() == Item.Kind.EOF && eofAt - now > 0) return eofAt - now;
        forward(queue.pollFirst());
        return 0;
    }
}
