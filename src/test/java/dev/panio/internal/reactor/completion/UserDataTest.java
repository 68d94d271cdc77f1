package dev.panio.internal.reactor.completion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.internal.reactor.Slots;
import dev.panio.uring.IoUring;
import org.junit.jupiter.api.Test;

class UserDataTest {
    @Test
    void theIoUringUserDataKeepsEveryGenerationBitPastTwoToTheTwentyFourReuses() {
        Slots<String> slots = new Slots<>();
        long token = slots.add("first");
        for (int i = 0; i < (1 << 24) + 5; i++) { // LIFO reuse of one slot, as at low concurrency
            slots.remove(token);
            token = slots.add("live");
        }
        assertTrue(token >>> 32 > (1 << 24), "generation past 2^24: " + (token >>> 32));
        for (int kind : new int[] {UserData.RECV, UserData.SEND, UserData.SPLICE_OUT}) {
            long userData = UserData.of(token, kind);
            assertEquals(token, UserData.token(userData));
            assertEquals(kind, UserData.kind(userData));
            assertSame("live", slots.get(UserData.token(userData)), "a live completion is delivered");
            assertTrue(Long.compareUnsigned(userData, IoUring.RESERVED_USER_DATA) < 0, "never panio's reserved user data");
        }
        long stale = UserData.of(token - (1L << 32), UserData.RECV); // one generation older
        assertNull(slots.get(UserData.token(stale)), "a stale completion is dropped");
    }

    @Test
    void theLargestSlotAndGenerationStillEncode() {
        long token = (0xFFFF_FFFFL << 32) | (Slots.MAX_SLOTS - 1);
        long userData = UserData.of(token, 0xff);
        assertEquals(token, UserData.token(userData));
        assertTrue(Long.compareUnsigned(userData, IoUring.RESERVED_USER_DATA) < 0);
    }
}
