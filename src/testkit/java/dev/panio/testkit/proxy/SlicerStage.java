package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/** {@link Fault.Slicer}: bytes leave in small segments, each written on its own, a delay apart. */
final class SlicerStage extends PieceStage {
    SlicerStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    private Fault.Slicer fault() {
        return (Fault.Slicer) handle.fault();
    }

    @Override
    long pieceBytes() {
        Fault.Slicer f = fault();
        return (long) f.averageSize() + (f.sizeVariation() == 0 ? 0 : random.nextLong(-f.sizeVariation(), f.sizeVariation() + 1L));
    }

    @Override
    long gapNanos(long n) {
        return fault().delay().toNanos();
    }
}
