package dev.panio.internal.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.Test;

class SlotsTest {
    @Test
    void aStaleTokenIsRecognisedAfterTheSlotIsReused() {
        Slots<String> slots = new Slots<>();
        long a = slots.add("a");
        slots.remove(a);
        long b = slots.add("b");
        assertEquals(a & 0xffffffffL, b & 0xffffffffL, "the slot is reused");
        assertNull(slots.get(a));
        assertSame("b", slots.get(b));
    }

    @Test
    void aSlotReusedPastTwoToTheTwentyFourGenerationsStillTellsStaleFromLive() {
        Slots<String> slots = new Slots<>();
        long token = slots.add("first");
        long first = token;
        for (int i = 0; i < (1 << 24) + 5; i++) {
            slots.remove(token);
            token = slots.add("live");
        }
        assertEquals(first & 0xffffffffL, token & 0xffffffffL, "one slot, reused (LIFO)");
        assertSame("live", slots.get(token));
        assertNull(slots.get(first));
        assertNull(slots.get(token - (1L << 32)), "the previous generation is stale");
    }
}
