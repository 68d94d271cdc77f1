package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ResourceLimitsTest {
    @Test
    void setAndRaiseSoftLimitWithinHard() throws Exception {
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        try {
            ResourceLimits.setOpenFiles(new ResourceLimits.Limit(512, original.hard()));
            assertEquals(512, ResourceLimits.openFiles().soft());
            assertEquals(original.hard(), ResourceLimits.raiseOpenFilesToHard().soft());
        } finally {
            ResourceLimits.setOpenFiles(original);
        }
    }

    @Test
    void raisingTheHardLimitPastTheKernelMaximumFails() {
        // nr_open caps RLIMIT_NOFILE even for root: setrlimit answers EPERM
        ErrnoException e = assertThrows(ErrnoException.class,
                () -> ResourceLimits.setOpenFiles(new ResourceLimits.Limit(1L << 40, 1L << 40)));
        assertSame(Errno.EPERM, e.errno());
        assertEquals("setrlimit", e.call());
    }

    @Test
    void softAboveHardIsRefusedBeforeTheCall() {
        assertThrows(IllegalArgumentException.class, () -> ResourceLimits.setOpenFiles(new ResourceLimits.Limit(10, 5)));
    }
}
