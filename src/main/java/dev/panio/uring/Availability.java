package dev.panio.uring;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * What this kernel's io_uring offers, from {@link IoUring#availability()}: whether a ring can
 * be had at all (and if not why, with the errno), then for each {@link Capability} whether it
 * is there and, if not, why, and which operations the kernel supports.
 *
 * <p>Setup flags and {@code EXT_ARG} are asked of the kernel directly; {@code PBUF_RING} by
 * registering a one-buffer ring. {@code ACCEPT_MULTISHOT} (5.19) is inferred from
 * {@code PBUF_RING}, and {@code RECV_MULTISHOT} (6.0) from the {@code SEND_ZC} opcode, which
 * came with the same kernel releases. Capabilities masked with {@value Capability#MASK_PROPERTY}
 * are reported absent, with that as the reason.
 *
 * @param available    a ring can be set up
 * @param reason       why not, or {@code "io_uring is available"}
 * @param errno        the setup error, or null
 * @param capabilities the capabilities present
 * @param missing      each absent capability with the reason
 * @param ops          the operations the kernel supports (empty before 5.6, which has no probe)
 */
public record Availability(boolean available, String reason, Errno errno, Set<Capability> capabilities,
                           Map<Capability, String> missing, Set<Opcode> ops) {
    /** What the kernel offers, asked once, before any mask. */
    static final Availability RAW = probeOnPlatformThread();

    /** {@link #RAW} less what {@value Capability#MASK_PROPERTY} masks now. */
    static Availability current() {
        Set<Capability> masked;
        try {
            masked = Capability.masked();
        } catch (IllegalArgumentException e) {
            return unavailable(e.getMessage(), Errno.EINVAL);
        }
        if (masked.isEmpty() || !RAW.available) return RAW;
        EnumSet<Capability> present = EnumSet.noneOf(Capability.class);
        present.addAll(RAW.capabilities);
        present.removeAll(masked);
        EnumMap<Capability, String> missing = new EnumMap<>(Capability.class);
        missing.putAll(RAW.missing);
        for (Capability c : masked) missing.put(c, "masked by -D" + Capability.MASK_PROPERTY);
        return new Availability(true, RAW.reason, null, Collections.unmodifiableSet(present),
                Collections.unmodifiableMap(missing), RAW.ops);
    }

    /**
     * Whether {@code c} is present (and not masked).
     *
     * @param c a capability
     * @return true if the kernel offers it and it is not masked
     */
    public boolean has(Capability c) {
        return capabilities.contains(c);
    }

    /**
     * Why {@code c} is absent, or null if it is present.
     *
     * @param c a capability
     * @return the reason, or null
     */
    public String whyNot(Capability c) {
        return missing.get(c);
    }

    private static Availability probeOnPlatformThread() {
        if (!Thread.currentThread().isVirtual()) return probe();
        // SINGLE_ISSUER cannot be granted on a virtual thread; ask from a platform thread.
        AtomicReference<Availability> result = new AtomicReference<>();
        Thread t = Thread.ofPlatform().daemon().name("panio-io_uring-probe").start(() -> result.set(probe()));
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unavailable("interrupted while probing io_uring", null);
        }
        return result.get();
    }

    private static Availability probe() {
        Set<Capability> masked = EnumSet.noneOf(Capability.class);
        int wanted = IoUringOptions.SETUP_SUBMIT_ALL | IoUringOptions.SETUP_COOP_TASKRUN
                | IoUringOptions.SETUP_SINGLE_ISSUER | IoUringOptions.SETUP_DEFER_TASKRUN;
        try (IoUring ring = IoUring.openUnmasked(IoUringOptions.entries(2).withPreferredFlags(wanted))) {
            EnumSet<Capability> present = EnumSet.noneOf(Capability.class);
            EnumMap<Capability, String> missing = new EnumMap<>(Capability.class);
            for (Capability c : Capability.values()) {
                int flag = c.setupFlag();
                if (flag != 0 && (ring.setupFlags() & flag) != 0) present.add(c);
            }
            if (ring.features().contains(Feature.EXT_ARG)) present.add(Capability.EXT_ARG);
            Set<Opcode> ops;
            try {
                ops = ring.supportedOps();
            } catch (ErrnoException e) {
                ops = Collections.emptySet(); // IORING_REGISTER_PROBE is 5.6
            }
            if (!masked.contains(Capability.PBUF_RING)) {
                try (BufferRing b = new BufferRing(ring, 0, 1, 64)) {
                    present.add(Capability.PBUF_RING);
                } catch (ErrnoException e) {
                    missing.put(Capability.PBUF_RING, "provided buffer rings need Linux 5.19 (" + e.getMessage() + ")");
                }
            }
            boolean linux519 = present.contains(Capability.PBUF_RING) || ops.contains(Opcode.SEND_ZC);
            if (linux519 && !masked.contains(Capability.ACCEPT_MULTISHOT)) present.add(Capability.ACCEPT_MULTISHOT);
            if (ops.contains(Opcode.SEND_ZC) && !masked.contains(Capability.RECV_MULTISHOT)) present.add(Capability.RECV_MULTISHOT);
            for (Capability c : Capability.values()) {
                if (present.contains(c) || missing.containsKey(c)) continue;
                missing.put(c, masked.contains(c) ? "masked by -D" + Capability.MASK_PROPERTY
                        : c + " needs Linux " + c.since() + "; this kernel does not offer it");
            }
            return new Availability(true, "io_uring is available", null, Collections.unmodifiableSet(present),
                    Collections.unmodifiableMap(missing), ops);
        } catch (IoUringUnavailableException e) {
            return unavailable(e.reason(), e.errno());
        } catch (ErrnoException e) {
            return unavailable(e.getMessage(), e.errno());
        } catch (RuntimeException e) {
            return unavailable("io_uring probe failed: " + e, null);
        }
    }

    private static Availability unavailable(String reason, Errno errno) {
        EnumMap<Capability, String> missing = new EnumMap<>(Capability.class);
        for (Capability c : Capability.values()) missing.put(c, reason);
        return new Availability(false, reason, errno, Collections.emptySet(), Collections.unmodifiableMap(missing),
                Collections.emptySet());
    }
}
