package dev.panio.testkit.proxy;

import dev.panio.reactor.Timer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/** {@link Fault.Stall}: holds everything; after the timeout (if any) closes the connection and drops it. */
final class StallStage extends Stage {
    private final ArrayDeque<Item> held = new ArrayDeque<>();
    private Timer timer;
    private long engagedAt;
    private boolean live;

    StallStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    @Override
    void push(Item item) {
        if (!passedAsEnd(item)) held.addLast(item);
    }

    @Override
    void engage() {
        live = true;
        engagedAt = System.nanoTime();
        arm();
    }

    @Override
    void changed() {
        if (live) arm();
    }

    private void arm() {
        cancel(timer);
        timer = null;
        long timeout = ((Fault.Stall) handle.fault()).timeout().toNanos();
        if (timeout == 0) return;
        timer = schedule(() -> {
            timer = null;
            discard();
            forward(Item.close(ProxiedConnection.Ending.STALL_TIMEOUT));
        }, engagedAt + timeout - System.nanoTime());
    }

    @Override
    void release() {
        cancel(timer);
        while (!held.isEmpty()) forward(held.pollFirst());
    }

    @Override
    void discard() {
        cancel(timer);
        while (!held.isEmpty()) flow.drop(held.pollFirst());
    }
}
