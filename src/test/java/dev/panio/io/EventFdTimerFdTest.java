package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.testkit.NoFdLeaks;
import org.junit.jupiter.api.Test;

@NoFdLeaks
class EventFdTimerFdTest {
    @Test
    void eventFdCountsSignalsAndIsReadableWhileNonZero() throws Exception {
        try (EventFd efd = EventFd.open(); Epoll ep = Epoll.open(4)) {
            ep.add(efd.fd(), Interest.READ, 7);
            assertEquals(0, ep.epollWait(0));
            assertTrue(efd.signal(2));
            assertTrue(efd.signal(3));
            assertEquals(1, ep.epollWait(0));
            assertEquals(7, ep.data(0));
            assertEquals(5, efd.drain());
            assertEquals(0, efd.drain(), "a drained eventfd reads as 0 without blocking");
            assertEquals(0, ep.epollWait(0));
        }
    }

    @Test
    void semaphoreModeTakesOneAtATime() throws Exception {
        try (EventFd efd = EventFd.open(2, true, true)) {
            assertEquals(1, efd.drain());
            assertEquals(1, efd.drain());
            assertEquals(0, efd.drain());
        }
    }

    @Test
    void eventFdRefusesNonPositiveIncrements() throws Exception {
        try (EventFd efd = EventFd.open()) {
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> efd.signal(0));
        }
    }

    @Test
    void timerFdExpiresAndWakesEpoll() throws Exception {
        try (TimerFd timer = TimerFd.open(); Epoll ep = Epoll.open(4)) {
            ep.add(timer.fd(), Interest.READ, 1);
            assertEquals(0, timer.expirations());
            timer.set(5_000_000L, 0); // 5 ms, once
            assertEquals(1, ep.epollWait(5_000), "the timer must fire well within the hang guard");
            assertEquals(1, timer.expirations());
            assertEquals(0, ep.epollWait(20));
        }
    }

    @Test
    void periodicTimerCountsExpirationsAndDisarms() throws Exception {
        try (TimerFd timer = TimerFd.open(); Epoll ep = Epoll.open(4)) {
            ep.add(timer.fd(), Interest.READ, 1);
            timer.set(1_000_000L, 1_000_000L);
            long seen = 0;
            while (seen < 3) {
                ep.epollWait(5_000);
                seen += timer.expirations();
            }
            timer.disarm();
            timer.expirations();
            assertEquals(0, ep.epollWait(20));
            assertFalse(seen < 3);
        }
    }
}
