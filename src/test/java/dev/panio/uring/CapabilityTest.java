package dev.panio.uring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.testkit.NoFdLeaks;
import java.util.EnumSet;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Capabilities, their mask for tests, and setup flags that fall back one by one. */
@org.junit.jupiter.api.Timeout(value = 60, threadMode = org.junit.jupiter.api.Timeout.ThreadMode.SEPARATE_THREAD) // a hang guard: a wait stuck in a downcall ignores interrupts
@NoFdLeaks
class CapabilityTest {
    private final String before = System.getProperty(Capability.MASK_PROPERTY);

    @AfterEach
    void restoreMask() {
        if (before == null) System.clearProperty(Capability.MASK_PROPERTY);
        else System.setProperty(Capability.MASK_PROPERTY, before);
    }

    @Test
    void theMaskNamesCapabilitiesAndRefusesUnknownOnes() {
        System.setProperty(Capability.MASK_PROPERTY, " defer_taskrun , PBUF_RING,");
        assertEquals(EnumSet.of(Capability.DEFER_TASKRUN, Capability.PBUF_RING), Capability.masked());
        System.setProperty(Capability.MASK_PROPERTY, "PBUF_RING,NO_SUCH_THING");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Capability::masked);
        assertTrue(e.getMessage().contains("NO_SUCH_THING"), e.getMessage());
    }

    @Test
    void thisKernelReportsEveryCapabilityOrWhyNot() {
        Availability a = IoUring.availability();
        assumeTrue(a.available(), a.reason());
        for (Capability c : Capability.values()) {
            assertTrue(a.has(c) ^ a.whyNot(c) != null, c + ": present or explained, not both");
        }
        assertTrue(a.ops().contains(Opcode.NOP), "the probe lists the operations");
    }

    @Test
    void maskedCapabilitiesAreReportedAbsentWithTheReason() {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "PBUF_RING,EXT_ARG");
        Availability a = IoUring.availability();
        assertFalse(a.has(Capability.PBUF_RING));
        assertTrue(a.whyNot(Capability.EXT_ARG).contains("masked"), a.whyNot(Capability.EXT_ARG));
    }

    @Test
    void preferredFlagsTheKernelLacksAreDroppedNewestFirst() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        assumeTrue(IoUring.availability().has(Capability.DEFER_TASKRUN), "needs a kernel with DEFER_TASKRUN (6.1)");
        try (IoUring all = IoUring.open(IoUringOptions.entries(4).forSingleThread())) {
            assertEquals(IoUringOptions.SETUP_SINGLE_ISSUER | IoUringOptions.SETUP_DEFER_TASKRUN,
                    all.setupFlags() & (IoUringOptions.SETUP_SINGLE_ISSUER | IoUringOptions.SETUP_DEFER_TASKRUN));
        }
        // A masked flag is never tried, as on a kernel without it; SINGLE_ISSUER stays.
        System.setProperty(Capability.MASK_PROPERTY, "DEFER_TASKRUN,SUBMIT_ALL");
        try (IoUring fewer = IoUring.open(IoUringOptions.entries(4).forSingleThread())) {
            assertEquals(0, fewer.setupFlags() & (IoUringOptions.SETUP_DEFER_TASKRUN | IoUringOptions.SETUP_SUBMIT_ALL));
            assertTrue((fewer.setupFlags() & IoUringOptions.SETUP_SINGLE_ISSUER) != 0);
            assertFalse(fewer.has(Capability.DEFER_TASKRUN));
        }
        // A kernel that refuses a preferred flag (here one from the future: bit 30) gets the ring without it.
        try (IoUring ring = IoUring.open(IoUringOptions.entries(4).withPreferredFlags(1 << 30))) {
            assertEquals(0, ring.setupFlags() & (1 << 30));
        }
        // A required one it refuses is an IoUringUnavailableException naming the flags.
        System.setProperty(Capability.MASK_PROPERTY, "SINGLE_ISSUER");
        IoUringUnavailableException e = assertThrows(IoUringUnavailableException.class,
                () -> IoUring.open(IoUringOptions.entries(4).withFlags(IoUringOptions.SETUP_SINGLE_ISSUER)));
        assertTrue(e.reason().contains("masked"), e.reason());
    }

    @Test
    void withoutExtArgATimedWaitStillTimesOutAndDeliversNothingOfItsOwn() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "EXT_ARG");
        try (IoUring ring = IoUring.open(8)) {
            assertFalse(ring.has(Capability.EXT_ARG));
            assertEquals(0, ring.submitAndWait(1, 20_000_000L), "returns after the timeout, counting only what it delivers");
            Completions c = new Completions(ring);
            ring.forEachCompletion(c);
            assertTrue(c.all.isEmpty(), "panio's TIMEOUT completion is never delivered: " + c.all);
            ring.sqe().nop().userData(5);
            assertEquals(5, c.await(1).get(0).userData());
            assertNotNull(ring.sqe());
        }
    }

    @Test
    void panioOwnTimeoutNeverJoinsACallersLinkChain() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "EXT_ARG");
        try (IoUring ring = IoUring.open(8); dev.panio.io.Pipe p = dev.panio.io.Pipe.open(true)) {
            java.lang.foreign.MemorySegment buf = ring.allocate(16);
            // A dangling link on the last SQE: the wait's own TIMEOUT must not become its next link.
            ring.sqe().read(p.source().intValue(), buf, -1).link().userData(1);
            ring.submitAndWait(1, 50_000_000L);
            Completions c = new Completions(ring);
            Completions.Cqe read = c.await(1).get(0);
            assertEquals(1, read.userData());
            assertEquals(-dev.panio.io.Errno.EAGAIN.code(), read.res(), "the empty non-blocking pipe answers EAGAIN at once");
        }
    }

    @Test
    void withoutExtArgATimedWaitOnAnSqpollRingTimesOut() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "EXT_ARG");
        try (IoUring ring = IoUring.open(IoUringOptions.entries(8).withSqPoll(10))) {
            assertEquals(0, ring.submitAndWait(1, 50_000_000L), "nothing completed; panio's own TIMEOUT is not counted");
            Completions c = new Completions(ring);
            ring.forEachCompletion(c);
            assertTrue(c.all.isEmpty(), String.valueOf(c.all));
        }
    }

    @Test
    void withoutSubmitAllALinkAfterAFailedSubmissionStillGetsItsOwnChain() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "EXT_ARG,SUBMIT_ALL");
        try (IoUring ring = IoUring.open(8); dev.panio.io.Pipe p = dev.panio.io.Pipe.open(true)) {
            java.lang.foreign.MemorySegment buf = ring.allocate(16);
            ring.sqe().close(0).fixedFile().userData(1); // no fixed files: fails at submission
            ring.sqe().read(p.source().intValue(), buf, -1).link().userData(2);
            ring.submitAndWait(2, 200_000_000L); // returns: panio's TIMEOUT is not a link of the read
            Completions c = new Completions(ring);
            java.util.List<Completions.Cqe> got = c.await(2);
            assertEquals(java.util.Set.of(1L, 2L), java.util.Set.of(got.get(0).userData(), got.get(1).userData()));
        }
    }

    @Test
    void withoutExtArgCloseStillDrainsTheRingAndReturnsItsMemory() throws Exception {
        assumeTrue(IoUring.availability().available(), IoUring.availability().reason());
        System.setProperty(Capability.MASK_PROPERTY, "EXT_ARG");
        IoUring ring = IoUring.open(IoUringOptions.entries(8).forSingleThread());
        long address = ring.allocate(4096).address();
        for (int i = 0; i < 3; i++) ring.submitAndWait(1, 2_000_000L); // each arms a TIMEOUT of panio's
        ring.close();
        // Drained: the memory is unmapped, not left PROT_NONE as when close cannot know the kernel is done.
        boolean mapped = java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/maps")).stream().anyMatch(l -> {
            String[] range = l.substring(0, l.indexOf(' ')).split("-");
            return Long.compareUnsigned(Long.parseUnsignedLong(range[0], 16), address) <= 0
                    && Long.compareUnsigned(address, Long.parseUnsignedLong(range[1], 16)) < 0
                    && l.contains(" ---p ");
        });
        assertFalse(mapped, "ring memory quarantined: the drain did not finish");
    }
}
