package dev.panio.signal;

import dev.panio.internal.io.Results;
import dev.panio.internal.sys.SignalCalls;
import dev.panio.io.ErrnoException;
import java.lang.foreign.MemorySegment;

/**
 * An immutable set of signal numbers (1 to {@value #MAX_SIGNAL}), the Java side of a
 * {@code sigset_t}. It is written into a {@code sigset_t} with {@code sigemptyset} and
 * {@code sigaddset} only for the call that takes it, so a set holds no off-heap memory.
 *
 * <p>Signals the JVM or the C library rely on ({@link #reserved}) cannot be put in a set, nor
 * passed to any call of this package: blocking or ignoring SIGSEGV, for one, makes the
 * kernel kill the process at the JVM's next implicit null check.
 *
 * <p>Threads: immutable; any thread.
 */
public final class SignalSet {
    /** The highest signal number Linux has ({@code _NSIG - 1}; real-time signals end here). */
    public static final int MAX_SIGNAL = 64;

    private static final SignalSet EMPTY = new SignalSet(0);

    private final long bits; // bit (signo - 1)

    private SignalSet(long bits) {
        this.bits = bits;
    }

    /**
     * The empty set.
     *
     * @return the one empty set
     */
    public static SignalSet empty() {
        return EMPTY;
    }

    /**
     * The set of {@code signals}.
     *
     * @param signals signal numbers, repeats allowed
     * @return the set
     * @throws IllegalArgumentException naming a number outside 1 to {@value #MAX_SIGNAL}, or a
     *         {@link #reserved} one
     */
    public static SignalSet of(int... signals) {
        SignalSet s = EMPTY;
        for (int signo : signals) s = s.with(signo);
        return s;
    }

    /**
     * This set plus {@code signo}.
     *
     * @param signo a signal number, 1 to {@value #MAX_SIGNAL}
     * @return a new set; this one is unchanged
     * @throws IllegalArgumentException if {@code signo} is out of range or {@link #reserved}
     */
    public SignalSet with(int signo) {
        check("sigaddset", signo);
        return new SignalSet(bits | 1L << (signo - 1));
    }

    /**
     * Whether {@code signo} is in the set.
     *
     * @param signo any number
     * @return true if it is in the set; false for a number out of range
     */
    public boolean contains(int signo) {
        return signo >= 1 && signo <= MAX_SIGNAL && (bits & 1L << (signo - 1)) != 0;
    }

    /**
     * Whether no signal is in the set.
     *
     * @return true for the empty set
     */
    public boolean isEmpty() {
        return bits == 0;
    }

    /**
     * Signals the JVM and the C library need for themselves, refused everywhere in this package:
     * HotSpot turns SIGSEGV, SIGBUS, SIGFPE and SIGILL into exceptions (blocked or ignored, the
     * kernel kills the process on the next fault instead), SIGQUIT prints thread dumps, SIGUSR2
     * suspends threads; glibc uses 32 and 33 (thread cancellation, set*id) and keeps 34.
     */
    private static final long RESERVED = bit(3) | bit(4) | bit(7) | bit(8) | bit(11) | bit(12) | bit(32) | bit(33) | bit(34);

    private static long bit(int signo) {
        return 1L << (signo - 1);
    }

    /**
     * Whether panio refuses {@code signo} because the JVM or the C library relies on it:
     * SIGQUIT, SIGILL, SIGBUS, SIGFPE, SIGSEGV, SIGUSR2 and 32 to 34.
     *
     * @param signo any number
     * @return true if reserved; false for a number out of range
     */
    public static boolean reserved(int signo) {
        return signo >= 1 && signo <= MAX_SIGNAL && (RESERVED & bit(signo)) != 0;
    }

    /** Refuses a signal number the kernel would refuse, or one the JVM relies on, naming {@code call}. */
    static void check(String call, int signo) {
        if (signo < 1 || signo > MAX_SIGNAL) {
            throw new IllegalArgumentException(call + ": signal number must be 1 to " + MAX_SIGNAL + ": " + signo);
        }
        if (reserved(signo)) {
            throw new IllegalArgumentException(call + ": signal " + signo
                    + " is the JVM's or the C library's (SIGQUIT, SIGILL, SIGBUS, SIGFPE, SIGSEGV, SIGUSR2, 32-34): refused");
        }
    }

    /** Fills the {@code sigset_t} at {@code set} (at least {@code sizeof(sigset_t)} bytes) with this set. */
    void writeTo(dev.panio.internal.sys.CallState errno, MemorySegment set) throws ErrnoException {
        Results.check(SignalCalls.sigemptyset(errno, set), "sigemptyset", -1);
        for (int signo = 1; signo <= MAX_SIGNAL; signo++) {
            if (contains(signo)) Results.check(SignalCalls.sigaddset(errno, set, signo), "sigaddset", -1);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SignalSet s && s.bits == bits;
    }

    @Override
    public int hashCode() {
        return Long.hashCode(bits);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("SignalSet[");
        for (int signo = 1; signo <= MAX_SIGNAL; signo++) {
            if (contains(signo)) sb.append(sb.length() > 10 ? ", " : "").append(signo);
        }
        return sb.append(']').toString();
    }
}
