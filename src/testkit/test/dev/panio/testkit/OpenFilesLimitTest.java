package dev.panio.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.Pipe;
import dev.panio.io.ResourceLimits;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.platform.testkit.engine.EngineTestKit;

/** {@link OpenFilesLimit}: the kernel refuses descriptors past the lowered limit during the test, and the limit is back after it. */
@NoFdLeaks
class OpenFilesLimitTest {
    static volatile long softDuring;

    static class Limited {
        @Test
        @OpenFilesLimit(64)
        void meetsEmfileAfterAFewDescriptors() throws Exception {
            softDuring = ResourceLimits.openFiles().soft();
            List<Pipe> pipes = new ArrayList<>();
            try {
                ErrnoException e = assertThrows(ErrnoException.class, () -> {
                    for (int i = 0; i < 64; i++) pipes.add(Pipe.open(true)); // 128 fds asked for, 64 allowed in all
                });
                assertEquals(Errno.EMFILE, e.errno());
            } finally {
                for (Pipe p : pipes) p.close();
            }
        }
    }

    @Test
    void theKernelRefusesPastTheLimitAndTheLimitIsRestored() throws Exception {
        ResourceLimits.Limit before = ResourceLimits.openFiles();
        var results = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Limited.class)).execute().testEvents();
        assertEquals(1, results.succeeded().count(), () -> "failed: " + results.failed().list());
        assertEquals(64, softDuring, "the soft limit during the test");
        assertEquals(before, ResourceLimits.openFiles(), "restored afterwards");
    }

    static class TooHigh {
        @Test
        @OpenFilesLimit(Long.MAX_VALUE)
        void neverRuns() {
            throw new AssertionError("ran");
        }
    }

    @Test
    void aLimitPastTheHardLimitIsRefusedWithTheReason() throws Exception {
        ResourceLimits.Limit before = ResourceLimits.openFiles();
        var failed = EngineTestKit.engine("junit-jupiter").selectors(selectClass(TooHigh.class)).execute().testEvents().failed().list();
        assertEquals(1, failed.size());
        String why = failed.get(0).getPayload(org.junit.platform.engine.TestExecutionResult.class).orElseThrow().getThrowable().orElseThrow().getMessage();
        assertTrue(why.contains("(the hard limit)"), why);
        assertEquals(before, ResourceLimits.openFiles());
    }
}
