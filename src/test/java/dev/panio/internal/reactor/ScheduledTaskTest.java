package dev.panio.internal.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/** The timer heap's order: by deadline, across the wrap of System.nanoTime, then by scheduling order. */
class ScheduledTaskTest {
    @Test
    void earlierDeadlinesFirstThenTheOrderOfScheduling() {
        PriorityQueue<ScheduledTask> heap = new PriorityQueue<>();
        long base = Long.MAX_VALUE - 5; // deadlines that wrap past Long.MAX_VALUE
        heap.add(new ScheduledTask(() -> { }, base + 10, 0, 0)); // wraps: latest
        heap.add(new ScheduledTask(() -> { }, base, 0, 1));
        heap.add(new ScheduledTask(() -> { }, base + 3, 0, 2));
        heap.add(new ScheduledTask(() -> { }, base, 0, 3)); // same deadline, scheduled later
        List<Long> order = new ArrayList<>();
        while (!heap.isEmpty()) order.add(heap.poll().seq);
        assertEquals(List.of(1L, 3L, 2L, 0L), order);
    }

    @Test
    void aCancelledTimerSaysSo() {
        ScheduledTask t = new ScheduledTask(() -> { }, 0, 0, 0);
        t.cancel();
        assertTrue(t.cancelled);
    }
}
