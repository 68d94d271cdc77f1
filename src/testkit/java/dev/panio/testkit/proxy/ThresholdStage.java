package dev.panio.testkit.proxy;

import dev.panio.reactor.Timer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/**
 * A fault that passes a number of bytes and then acts once: what comes after the threshold is
 * handled by {@link #after}. The byte exactly at the threshold is the last one passed; a
 * threshold of 0 acts as soon as the flow is live. A changed threshold counts if the stage has
 * not acted yet.
 */
abstract class ThresholdStage extends Stage {
    long passed;
    boolean acted;
    private boolean live;

    ThresholdStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    /** The bytes to pass before acting; {@link Long#MAX_VALUE}: none (a timed fault). */
    abstract long threshold();

    /** Acts: called once, with everything up to the threshold forwarded. */
    abstract void act();

    /** An item after the act. */
    abstract void after(Item item);

    @Override
    final void push(Item item) {
        if (acted) {
            after(item);
            return;
        }
        if (item.kind() != Item.Kind.DATA) {
            forward(item);
            return;
        }
        long room = threshold() - passed;
        if (!live || item.size() <= room) { // no bytes come before the flow is live; the check keeps it so
            passed += item.size();
            forward(item);
            reached();
            return;
        }
        int n = (int) Math.max(0, room);
        if (n > 0) forward(item.head(n));
        passed += n;
        // what lies past the threshold is handled before the act, so a record taken when the
        // act ends the connection counts it
        acted = true;
        after(n > 0 ? item.tail(n) : item);
        act();
    }

    private void reached() {
        if (!acted && live && passed >= threshold()) {
            acted = true;
            act();
        }
    }

    @Override
    void engage() {
        live = true;
        reached();
    }

    @Override
    void changed() {
        reached();
    }

    @Override
    void release() {}

    @Override
    void discard() {}

    /** After the act, bytes and the end of the stream are dropped; a close or reset still goes on. */
    final void dropAfter(Item item) {
        if (item.endsConnection()) forward(item);
        else flow.drop(item);
    }

    /** {@link Fault.LimitData}. */
    static final class LimitData extends ThresholdStage {
        LimitData(FaultHandle handle, Flow flow, SplittableRandom random) {
            super(handle, flow, random);
        }

        @Override
        long threshold() {
            return ((Fault.LimitData) handle.fault()).bytes();
        }

        @Override
        void act() {
            forward(Item.close(ProxiedConnection.Ending.LIMIT_DATA));
        }

        @Override
        void after(Item item) {
            dropAfter(item);
        }
    }

    /** {@link Fault.HalfClose}. */
    static final class HalfClose extends ThresholdStage {
        HalfClose(FaultHandle handle, Flow flow, SplittableRandom random) {
            super(handle, flow, random);
        }

        @Override
        long threshold() {
            return ((Fault.HalfClose) handle.fault()).afterBytes();
        }

        @Override
        void act() {
            forward(Item.HALF_CLOSE);
        }

        @Override
        void after(Item item) {
            dropAfter(item);
        }
    }

    /** {@link Fault.Reset}, after bytes or after a time. */
    static final class Reset extends ThresholdStage {
        private Timer timer;
        private long engagedAt;

        Reset(FaultHandle handle, Flow flow, SplittableRandom random) {
            super(handle, flow, random);
        }

        private Fault.Reset fault() {
            return (Fault.Reset) handle.fault();
        }

        @Override
        long threshold() {
            return fault().after() == null ? fault().afterBytes() : Long.MAX_VALUE;
        }

        @Override
        void engage() {
            engagedAt = System.nanoTime();
            arm();
            super.engage();
        }

        @Override
        void changed() {
            arm();
            super.changed();
        }

        private void arm() {
            cancel(timer);
            timer = null;
            if (acted || fault().after() == null) return;
            timer = schedule(() -> {
                timer = null;
                if (!acted) {
                    acted = true;
                    act();
                }
            }, engagedAt + fault().after().toNanos() - System.nanoTime());
        }

        @Override
        void act() {
            forward(Item.reset());
        }

        @Override
        void after(Item item) {
            dropAfter(item);
        }

        @Override
        void release() {
            cancel(timer);
        }

        @Override
        void discard() {
            cancel(timer);
        }
    }

    /** {@link Fault.ZeroWindow}: stops reading the sender and holds what it read past the threshold. */
    static final class ZeroWindow extends ThresholdStage {
        private final ArrayDeque<Item> held = new ArrayDeque<>();

        ZeroWindow(FaultHandle handle, Flow flow, SplittableRandom random) {
            super(handle, flow, random);
        }

        @Override
        long threshold() {
            return ((Fault.ZeroWindow) handle.fault()).afterBytes();
        }

        @Override
        void act() {
            flow.zeroWindowOn(((Fault.ZeroWindow) handle.fault()).receiveBuffer());
        }

        @Override
        void after(Item item) {
            if (!passedAsEnd(item)) held.addLast(item);
        }

        @Override
        void release() {
            if (acted) flow.zeroWindowOff();
            while (!held.isEmpty()) forward(held.pollFirst());
        }

        @Override
        void discard() {
            while (!held.isEmpty()) flow.drop(held.pollFirst());
        }
    }
}
