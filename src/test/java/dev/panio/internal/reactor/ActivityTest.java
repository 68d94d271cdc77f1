package dev.panio.internal.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The timeouts' clocks and the loop's stamps, without a loop: what each mark becomes. */
class ActivityTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void marksCountAsNowUntilStampedAndThenAsTheStampsTime() {
        TurnStamps stamps = new TurnStamps();
        Activity a = new Activity(stamps);
        long start = System.nanoTime();
        assertTrue(stamps.isEmpty());
        a.read();
        assertFalse(stamps.isEmpty());
        long later = start + 10 * SECOND;
        assertEquals(0, a.idleNanos(later), "an unstamped read is now");
        assertEquals(0, a.quietNanos(later));
        assertTrue(a.stalledNanos(later) >= 10 * SECOND, "a read is no write progress: still the stamp made before start");
        long t = start + SECOND;
        stamps.stamp(t);
        assertTrue(stamps.isEmpty());
        assertEquals(9 * SECOND, a.idleNanos(later));
        assertEquals(9 * SECOND, a.quietNanos(later));
    }

    @Test
    void aWriteIsActivityAndProgressButNoRead() {
        TurnStamps stamps = new TurnStamps();
        Activity a = new Activity(stamps);
        long start = System.nanoTime();
        a.wrote();
        long later = start + 10 * SECOND;
        assertEquals(0, a.idleNanos(later));
        assertEquals(0, a.stalledNanos(later));
        assertTrue(a.quietNanos(later) >= 10 * SECOND, "no read: still the stamp made before start");
        stamps.stamp(start + 2 * SECOND);
        assertEquals(8 * SECOND, a.idleNanos(later));
        assertEquals(8 * SECOND, a.stalledNanos(later));
    }

    @Test
    void aWriteThatOnlyBeganWaitingIsProgressOnlyAndTheIdleCheckLooksAgain() {
        TurnStamps stamps = new TurnStamps();
        Activity a = new Activity(stamps);
        long start = System.nanoTime();
        a.writeBeganWaiting();
        long later = start + 10 * SECOND;
        assertEquals(-1, a.idleNanos(later), "next turn: the write may have gone by then");
        assertEquals(0, a.stalledNanos(later));
        stamps.stamp(start + 3 * SECOND);
        assertTrue(a.idleNanos(later) >= 10 * SECOND, "no byte written: the idle time runs from the stamp made before start");
        assertEquals(7 * SECOND, a.stalledNanos(later), "the write timeout runs from the wait's start");
        a.writeBeganWaiting();
        a.wrote();
        stamps.stamp(start + 4 * SECOND);
        assertEquals(6 * SECOND, a.idleNanos(later), "bytes taken in the same phase are activity");
    }

    @Test
    void everyConnectionMarkedInAPhaseIsStampedOnceHoweverMany() {
        TurnStamps stamps = new TurnStamps();
        Activity[] all = new Activity[1000];
        for (int i = 0; i < all.length; i++) {
            all[i] = new Activity(stamps);
            all[i].read();
            all[i].wrote(); // a second mark: no second entry
        }
        long t = System.nanoTime() + 5 * SECOND;
        stamps.stamp(t);
        assertTrue(stamps.isEmpty());
        for (Activity a : all) {
            assertEquals(SECOND, a.idleNanos(t + SECOND));
            assertEquals(SECOND, a.quietNanos(t + SECOND));
            assertEquals(SECOND, a.stalledNanos(t + SECOND));
        }
        all[7].read();
        stamps.stamp(t + SECOND);
        assertEquals(0, all[7].idleNanos(t + SECOND));
        assertEquals(2 * SECOND, all[8].idleNanos(t + 2 * SECOND), "not marked again: its stamp stays");
    }

    @Test
    void withoutStampsEachCallReadsTheClock() {
        Activity a = new Activity(null);
        long before = System.nanoTime();
        a.read();
        long after = System.nanoTime();
        // the stamp lies between the two clock reads: no later than after, no earlier than before
        assertTrue(a.idleNanos(after) >= 0 && a.idleNanos(before) <= 0, "the read's stamp is the clock at the call");
        a.writeBeganWaiting();
        long waited = System.nanoTime();
        assertTrue(a.stalledNanos(waited) >= 0 && a.stalledNanos(after) <= 0, "the wait's stamp is the clock at the call");
        assertTrue(a.idleNanos(waited) >= 0, "never -1 without a loop's stamps");
    }
}
