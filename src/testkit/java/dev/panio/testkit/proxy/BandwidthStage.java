package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/**
 * {@link Fault.Bandwidth}: a slice of bytes at a time, the next no sooner than the last
 * slice's size takes at the rate. Credit never builds up while idle (a slice that goes late
 * does not make the next go early), so at any moment the bytes passed since the first slice
 * are at most the rate times the time since plus one slice.
 */
final class BandwidthStage extends PieceStage {
    BandwidthStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    private Fault.Bandwidth fault() {
        return (Fault.Bandwidth) handle.fault();
    }

    @Override
    long pieceBytes() {
        return fault().sliceBytes();
    }

    @Override
    long gapNanos(long n) {
        return (long) Math.ceil(n * 1e9 / fault().bytesPerSecond());
    }
}
