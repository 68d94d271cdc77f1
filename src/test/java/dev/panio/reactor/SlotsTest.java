package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.uring.IoUring;
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
    void theIoUringUserDataKeepsEveryGenerationBitPastTwoToTheTwentyFourReuses() {
        Slots<String> slots = new Slots<>();
        long token = slots.add("first");
        for (int i = 0; i < (1 << 24) + 5; i++) { // LIFO reuse of one slot, as at low concurrency
            slots.remove(token);
            token = slots.add("live");
        }
        assertTrue(token >>> 32 > (1 << 24), "generation past 2^24: " + (token >>> 32));
        for (int kind : new int[] {UringDriver.RECV, UringDriver.SEND, UringDriver.SPLICE_OUT}) {
            long userData = UringDriver.userData(token, kind);
            assertEquals(token, UringDriver.tokenOf(userData));
            assertEquals(kind, UringDriver.kindOf(userData));
            assertSame("live", slots.get(UringDriver.tokenOf(userData)), "a live completion is delivered");
            assertTrue(Long.compareUnsigned(userData, IoUring.RESERVED_USER_DATA) < 0, "never panio's reserved user data");
        }
        long stale = UringDriver.userData(token - (1L << 32), UringDriver.RECV); // one generation older
        assertNull(slots.get(UringDriver.tokenOf(stale)), "a stale completion is dropped");
    }

    @Test
    void theLargestSlotAndGenerationStillEncode() {
        long token = (0xFFFF_FFFFL << 32) | (Slots.MAX_SLOTS - 1);
        long userData = UringDriver.userData(token, 0xff);
        assertEquals(token, UringDriver.tokenOf(userData));
        assertTrue(Long.compareUnsigned(userData, IoUring.RESERVED_USER_DATA) < 0);
    }
}
