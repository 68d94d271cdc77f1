package dev.panio.testkit.proxy;

import dev.panio.reactor.Timer;
import java.util.ArrayDeque;
import java.util.SplittableRandom;

/** A stage that lets items (or parts of them) go at times it decides: a queue and one timer. */
abstract class PacedStage extends Stage {
    final ArrayDeque<Item> queue = new ArrayDeque<>();
    private Timer timer;

    PacedStage(FaultHandle handle, Flow flow, SplittableRandom random) {
        super(handle, flow, random);
    }

    @Override
    final void push(Item item) {
        queue.addLast(item);
        queued(item, System.nanoTime());
        if (timer == null) pump();
    }

    /** An item joined the queue at {@code now}. */
    void queued(Item item, long now) {}

    /**
     * Forwards the head of the queue, or a part of it, and returns 0; or returns how many
     * nanoseconds to wait before it may go.
     */
    abstract long step(long now);

    /** Lets go what may go now and sets the timer for the rest. */
    final void pump() {
        cancel(timer);
        timer = null;
        while (!queue.isEmpty()) {
            long wait = step(System.nanoTime());
            if (wait > 0 && !queue.isEmpty()) {
                timer = schedule(() -> {
                    timer = null;
                    pump();
                }, wait);
                return;
            }
        }
    }

    @Override
    void changed() {
        pump();
    }

    @Override
    final void release() {
        cancel(timer);
        timer = null;
        while (!queue.isEmpty()) {
            Item i = queue.pollFirst();
            dequeued(i);
            forward(i);
        }
    }

    @Override
    final void discard() {
        cancel(timer);
        timer = null;
        while (!queue.isEmpty()) flow.drop(queue.pollFirst());
    }

    /** Forwards at most {@code n} bytes of the head (a data item), keeping the rest at the head. */
    final void forwardHead(long n) {
        Item head = queue.pollFirst();
        if (n < head.size()) {
            queue.addFirst(head.tail((int) n));
            forward(head.head((int) n));
        } else {
            forward(head);
        }
    }

    /** The head left the queue outside {@link #step} (a release). */
    void dequeued(Item item) {}
}
