package dev.panio.internal.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.io.ClosedException;
import org.junit.jupiter.api.Test;

@org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: a wait stuck in a downcall ignores interrupts
class UseCountTest {
    @Test
    void theLastReleaseAfterCloseIsTheOneThatFrees() {
        UseCount u = new UseCount();
        u.acquire("x", "a");
        u.acquire("x", "b");
        assertEquals(2, u.close());
        assertFalse(u.release());
        assertTrue(u.release());
        assertEquals(-1, u.close(), "closed already");
    }

    @Test
    void closeWithNothingInFlightFreesAtOnce() {
        UseCount u = new UseCount();
        assertEquals(0, u.close());
        ClosedException e = assertThrows(ClosedException.class, () -> u.acquire("Thing[1]", "poke"));
        assertEquals("poke on Thing[1]: closed", e.getMessage());
    }

    @Test
    void aStrayReleaseIsRefusedAndChangesNothing() {
        UseCount u = new UseCount();
        assertThrows(IllegalStateException.class, u::release);
        assertEquals(0, u.close(), "still idle, not 2^31-1 calls in flight");

        UseCount busy = new UseCount();
        busy.acquire("x", "call");
        assertFalse(busy.release());
        assertThrows(IllegalStateException.class, busy::release, "a second release must not take someone else's use");
    }

    @Test
    void closeHoldingKeepsTheResourceForTheCloserUntilItReleases() {
        UseCount u = new UseCount();
        u.acquire("x", "blocked call");
        assertEquals(1, u.closeHolding());
        assertFalse(u.release(), "the blocked call returns: the closer still holds a use");
        assertTrue(u.release(), "the closer's release frees");
        UseCount idle = new UseCount();
        assertEquals(0, idle.closeHolding());
        assertThrows(IllegalStateException.class, idle::release, "no use was taken when idle");
    }

    @Test
    void closeIfIdleOnlyWhenNothingIsInFlight() {
        UseCount u = new UseCount();
        u.acquire("x", "call");
        assertFalse(u.closeIfIdle());
        u.release();
        assertTrue(u.closeIfIdle());
        assertTrue(u.isClosed());
    }
}
