package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/** {@link Fault.Slicer}: bytes leave in small segments, each written on its own, a delay apart. */
final class SlicerStage extends PacedStage {
    private long nextAt;
    private boolean started;

    SlicerStage(FaultHandle handle, Flow flow, SplittableRandom random) {
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
        Fault.Slicer f = (Fault.Slicer) handle.fault();
        long size = (long) f.averageSize() + (f.sizeVariation() == 0 ? 0 : random.nextLong(-f.sizeVariation(), f.sizeVariation() + 1L));
        forwardHead(size);
        started = true;
        nextAt = now + f.delay().toNanos();
        return 0;
    }
}
