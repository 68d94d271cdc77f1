package dev.panio.internal.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * Per-thread off-heap memory the syscall layer needs around a call: the errno capture
 * segment, and a small scratch area for out-parameters (socket addresses, option values,
 * pipe fds, rlimits) so a call needs no allocation.
 *
 * <p>An owner that makes many calls on one thread (an event loop) keeps its own instance;
 * the typed API takes the calling thread's through {@link #current()}. An instance must
 * only be used by one thread at a time: the capture segment is written by the JVM after
 * each call and read right after it.
 */
public final class CallState {
    /** Bytes of scratch, enough for a {@code sockaddr_storage} plus its length and a few ints. */
    public static final int SCRATCH_BYTES = 512;
    private static final int BOUNCE_BYTES = 64 * 1024;

    private static final ThreadLocal<CallState> CURRENT = ThreadLocal.withInitial(CallState::new);

    private final Arena arena = Arena.ofAuto();
    /** Where the JVM stores errno after each call made with this state. */
    public final MemorySegment errno = arena.allocate(Native.CAPTURE_LAYOUT);
    /** Out-parameters and small in-parameters; valid until the next call that uses it. */
    public final MemorySegment scratch = arena.allocate(SCRATCH_BYTES, 16);
    private MemorySegment bounce;
    /**
     * System calls made with this state, by {@link Syscall} ordinal: written by the owning
     * thread only, with plain stores (no atomics on the call path); another thread reading
     * them for statistics may see a count a few calls late.
     */
    private final long[] calls = new long[Syscall.COUNT];

    /** A fresh state, for an owner that keeps it. */
    public CallState() {}

    /** The calling thread's state; allocated on its first use by that thread. */
    public static CallState current() {
        return CURRENT.get();
    }

    /** Counts one call of {@code kind} (the syscall layer, on the owning thread). */
    void count(Syscall kind) {
        calls[kind.ordinal()]++;
    }

    /** The calls of {@code kind} made with this state; any thread (possibly a few calls late). */
    public long calls(Syscall kind) {
        return calls[kind.ordinal()];
    }

    /** Adds this state's counts into {@code into} (indexed by {@link Syscall} ordinal); any thread. */
    public void addCallsTo(long[] into) {
        for (int i = 0; i < Syscall.COUNT; i++) into[i] += calls[i];
    }

    /**
     * A off-heap buffer of {@value #BOUNCE_BYTES} bytes to stage heap {@code ByteBuffer}s
     * through: a call that may block cannot be given heap memory.
     */
    public MemorySegment bounce() {
        MemorySegment b = bounce;
        if (b == null) {
            b = bounce = arena.allocate(BOUNCE_BYTES, 64);
        }
        return b;
    }
}
