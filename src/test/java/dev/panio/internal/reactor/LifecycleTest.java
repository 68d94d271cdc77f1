package dev.panio.internal.reactor;

import static dev.panio.internal.reactor.Lifecycle.CLOSED;
import static dev.panio.internal.reactor.Lifecycle.CLOSING;
import static dev.panio.internal.reactor.Lifecycle.CONNECTING;
import static dev.panio.internal.reactor.Lifecycle.INPUT_CLOSED;
import static dev.panio.internal.reactor.Lifecycle.OUTPUT_SHUT;
import static dev.panio.internal.reactor.Lifecycle.OUTPUT_SHUTTING;
import static dev.panio.internal.reactor.Lifecycle.READ_SUSPENDED;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.internal.reactor.Lifecycle.Event;
import org.junit.jupiter.api.Test;

/** The transition table of {@link Lifecycle}, row by row, and the rules every row keeps. */
class LifecycleTest {
    private static final int OPEN = 0;

    private static void row(int from, Event e, int to) {
        assertEquals(Lifecycle.describe(to), Lifecycle.describe(Lifecycle.next(from, e)),
                Lifecycle.describe(from) + " + " + e);
    }

    @Test
    void theTable() {
        row(CONNECTING, Event.CONNECTED, OPEN);
        row(CONNECTING, Event.END, CONNECTING | CLOSED);
        row(CONNECTING, Event.INPUT_ENDED, CONNECTING);
        row(CONNECTING, Event.SHUTDOWN_OUTPUT, CONNECTING);
        row(OPEN, Event.CONNECTED, OPEN);
        row(OPEN, Event.INPUT_ENDED, INPUT_CLOSED);
        row(OPEN, Event.SHUTDOWN_OUTPUT, OUTPUT_SHUTTING);
        row(OUTPUT_SHUTTING, Event.SHUTDOWN_OUTPUT, OUTPUT_SHUTTING);
        row(OUTPUT_SHUTTING, Event.OUTPUT_DONE, OUTPUT_SHUT);
        row(OPEN, Event.OUTPUT_DONE, OPEN);
        row(OUTPUT_SHUT, Event.SHUTDOWN_OUTPUT, OUTPUT_SHUT);
        row(OUTPUT_SHUT, Event.INPUT_ENDED, OUTPUT_SHUT | INPUT_CLOSED);
        row(OPEN, Event.CLOSE, CLOSING);
        row(CLOSING, Event.CLOSE, CLOSING);
        row(CLOSING, Event.SHUTDOWN_OUTPUT, CLOSING);
        row(INPUT_CLOSED, Event.CLOSE, INPUT_CLOSED | CLOSING);
        row(OPEN, Event.SUSPEND_READ, READ_SUSPENDED);
        row(READ_SUSPENDED, Event.RESUME_READ, OPEN);
        row(OPEN, Event.END, CLOSED);
        row(CLOSING | OUTPUT_SHUTTING, Event.END, CLOSING | OUTPUT_SHUTTING | CLOSED);
    }

    @Test
    void nothingLeavesClosedAndEveryEventThereIsRefused() {
        for (int bits = 0; bits < 1 << 7; bits++) {
            int s = bits | CLOSED;
            for (Event e : Event.values()) assertEquals(s, Lifecycle.next(s, e), Lifecycle.describe(s) + " + " + e);
        }
    }

    @Test
    void endIsReachedOnceFromEveryState() {
        for (int s = 0; s < 1 << 7; s++) {
            if ((s & CLOSED) != 0) continue;
            int ended = Lifecycle.next(s, Event.END);
            assertTrue((ended & CLOSED) != 0);
            assertEquals(ended, Lifecycle.next(ended, Event.END), "a second END changes nothing, so onClose runs once");
        }
    }

    @Test
    void writesAreTakenOnlyWhileOpenAndConnected() {
        assertTrue(Lifecycle.acceptsWrites(OPEN));
        assertTrue(Lifecycle.acceptsWrites(INPUT_CLOSED), "half-closed by the peer: this side may still write");
        assertTrue(Lifecycle.acceptsWrites(READ_SUSPENDED));
        for (int s : new int[] {CONNECTING, OUTPUT_SHUTTING, OUTPUT_SHUT, CLOSING, CLOSED}) {
            assertFalse(Lifecycle.acceptsWrites(s), Lifecycle.describe(s));
        }
    }

    @Test
    void readingStopsForSuspensionEndOfInputConnectingAndTheEnd() {
        assertTrue(Lifecycle.reading(OPEN));
        assertTrue(Lifecycle.reading(CLOSING), "a closing connection still reads (and discards nothing early)");
        assertTrue(Lifecycle.reading(OUTPUT_SHUT), "half-closed by this side: reading goes on");
        for (int s : new int[] {CONNECTING, INPUT_CLOSED, READ_SUSPENDED, CLOSED}) {
            assertFalse(Lifecycle.reading(s), Lifecycle.describe(s));
        }
    }

    @Test
    void bothDirectionsDoneEndsTheConnection() {
        assertTrue(Lifecycle.bothDone(INPUT_CLOSED | OUTPUT_SHUT));
        assertFalse(Lifecycle.bothDone(INPUT_CLOSED | OUTPUT_SHUTTING), "not before the shutdown is made");
        assertFalse(Lifecycle.bothDone(INPUT_CLOSED | OUTPUT_SHUT | CLOSED), "already ended");
    }
}
