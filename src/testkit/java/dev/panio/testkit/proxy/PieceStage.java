package dev.panio.testkit.proxy;

import java.util.SplittableRandom;

/**
 * A paced stage that lets bytes go a piece at a time, with a gap after each piece: the
 * bandwidth limit (pieces of a hundredth of a second's worth, the gap their time at the
 * rate) and the slicer (pieces of a chosen size, a fixed gap). Events in the stream pass as
 * soon as they reach the head.
 */
abstract class PieceStage extends PacedStage {
    private long nextAt;
    private boolean started;

    PieceStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    /** The size of the next piece, at least 1 (the head may be shorter). */
    abstract long pieceBytes();

    /** How long after a piece of {@code n} bytes the next may go. */
    abstract long gapNanos(long n);

    @Override
    final long step(long now) {
        Item head = queue.peekFirst();
        if (head.kind() != Item.Kind.DATA) {
            forward(queue.pollFirst());
            return 0;
        }
        if (started && nextAt - now > 0) return nextAt - now;
        long n = Math.min(head.size(), pieceBytes());
        forwardHead(n);
        started = true;
        nextAt = now + gapNanos(n);
        return 0;
    }
}
