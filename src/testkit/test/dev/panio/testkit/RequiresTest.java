package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.panio.uring.Capability;
import dev.panio.uring.IoUring;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/** {@link Requires}: a test runs where the machine has what it names and is skipped with the reason where not. */
class RequiresTest {
    static class Kernels {
        @Test
        @Requires(kernel = "3.0")
        void old() {}

        @Test
        @Requires(kernel = "999.1")
        void future() {}
    }

    @Test
    void aKernelTooOldSkipsWithTheReleaseInTheReason() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Kernels.class)).execute().testEvents();
        assertEquals(1, tests.succeeded().count());
        assertEquals(1, tests.skipped().count());
        String why = tests.skipped().list().get(0).getPayload(String.class).orElseThrow();
        assertTrue(why.startsWith("needs kernel 999.1 or later, this is " + System.getProperty("os.version")), why);
    }

    static class Ring {
        @Test
        @Requires(ioUring = true, capabilities = Capability.EXT_ARG)
        void ring() {}
    }

    @Test
    void ioUringAsTheKernelReportsIt() {
        Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Ring.class)).execute().testEvents();
        var a = IoUring.availability();
        boolean runs = a.available() && a.has(Capability.EXT_ARG);
        assertEquals(runs ? 1 : 0, tests.succeeded().count());
        assertEquals(runs ? 0 : 1, tests.skipped().count());
    }

    @Test
    void releasesCompareByTheirNumbers() {
        assertTrue(RequiresCondition.compare("6.18.44-fc-v595", "6.1") > 0);
        assertTrue(RequiresCondition.compare("5.10.0", "5.19") < 0);
        assertEquals(0, RequiresCondition.compare("6.1.0-rc2", "6.1"));
        assertTrue(RequiresCondition.compare("6.1", "6.1.1") < 0);
    }
}
