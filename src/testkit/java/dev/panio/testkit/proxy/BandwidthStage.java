package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/**
 * {@link Fault.Bandwidth}: a slice of bytes at a time, the next no sooner than the last
 * slice's size takes at the rate. Credit never builds up while idle (a slice that goes late
 * does not make the next go early), so at any moment the bytes passed since the first slice
 * are at most the rate times the time since plus one slice.
 */
final class BandwidthStage extends PacedStage {
    private long nextAt;
    private boolean started;

    BandwidthStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    @Override
    long step(long now) {
        Item head = queue.peekFirst();
        if (head.kind() != Item.Kind.DATA) {
            forward(queue.pollFirst());
            return 0;
        }
        if (started && nextAt - now > 0) return nextAt - now;
        Fault.Bandwidth f = (Fault.Bandwidth) handle.fault();
        long n = Math.min(head.size(), f.sliceBytes());
        forwardHead(n);
        started = true;
        nextAt = now + (long) Math.ceil(n * 1e9 / f.bytesPerSecond());
        return 0;
    }
}
