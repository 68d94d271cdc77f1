package dev.panio.uring;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * What a kernel's io_uring may or may not offer, beyond the basic ring: the pieces panio's
 * reactor uses and falls back from one by one. {@link IoUring#availability()} reports each.
 *
 * <p>For tests, the system property {@code panio.uring.mask} names capabilities to treat as
 * absent (comma-separated, e.g. {@code -Dpanio.uring.mask=DEFER_TASKRUN,RECV_MULTISHOT}):
 * every fallback path can then run on a kernel that has them all. Read when a ring is opened.
 */
public enum Capability {
    /** {@code IORING_SETUP_SUBMIT_ALL}: a failing SQE does not stop the rest of the batch (5.18). */
    SUBMIT_ALL("5.18"),
    /** {@code IORING_SETUP_COOP_TASKRUN}: completions are not forced in by an interrupt (5.19). */
    COOP_TASKRUN("5.19"),
    /** {@code IORING_SETUP_SINGLE_ISSUER}: one thread submits, the kernel skips locking (6.0). */
    SINGLE_ISSUER("6.0"),
    /** {@code IORING_SETUP_DEFER_TASKRUN}: completion work runs only when the thread waits (6.1). */
    DEFER_TASKRUN("6.1"),
    /** {@code IORING_FEAT_EXT_ARG}: {@code io_uring_enter} takes a timeout (5.11). */
    EXT_ARG("5.11"),
    /** Provided buffer rings, {@code IORING_REGISTER_PBUF_RING} (5.19). */
    PBUF_RING("5.19"),
    /** Multishot ACCEPT, {@code IORING_ACCEPT_MULTISHOT} (5.19). */
    ACCEPT_MULTISHOT("5.19"),
    /** Multishot RECV from a provided buffer ring, {@code IORING_RECV_MULTISHOT} (6.0). */
    RECV_MULTISHOT("6.0");

    private final String since;

    Capability(String since) {
        this.since = since;
    }

    /**
     * The first Linux version that has it.
     *
     * @return e.g. {@code "6.1"}
     */
    public String since() {
        return since;
    }

    /** The system property naming capabilities to treat as absent. */
    public static final String MASK_PROPERTY = "panio.uring.mask";

    /**
     * The capabilities {@value #MASK_PROPERTY} masks now.
     *
     * @return the capabilities named in the property (case-insensitive), empty if unset
     * @throws IllegalArgumentException naming an unknown capability in the property
     */
    public static Set<Capability> masked() {
        String spec = System.getProperty(MASK_PROPERTY, "").trim();
        EnumSet<Capability> set = EnumSet.noneOf(Capability.class);
        if (spec.isEmpty()) return set;
        for (String name : spec.split(",")) {
            String n = name.trim().toUpperCase(Locale.ROOT);
            if (n.isEmpty()) continue;
            try {
                set.add(valueOf(n));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(MASK_PROPERTY + ": unknown io_uring capability '" + name.trim()
                        + "'; known: " + java.util.Arrays.toString(values()), e);
            }
        }
        return set;
    }

    /** The setup flag this capability stands for, or 0. */
    int setupFlag() {
        return switch (this) {
            case SUBMIT_ALL -> IoUringOptions.SETUP_SUBMIT_ALL;
            case COOP_TASKRUN -> IoUringOptions.SETUP_COOP_TASKRUN;
            case SINGLE_ISSUER -> IoUringOptions.SETUP_SINGLE_ISSUER;
            case DEFER_TASKRUN -> IoUringOptions.SETUP_DEFER_TASKRUN;
            default -> 0;
        };
    }
}
