package dev.panio.internal.reactor.completion;

import dev.panio.internal.reactor.Slots;

/**
 * What the io_uring driver puts in an SQE's 64-bit user data, to find the owner and the
 * operation when the completion comes back: the owner's slot token (generation << 32 | slot,
 * see {@link Slots}) and the kind of operation. All 32 bits of the generation are kept, so a
 * slot reused 2^24 times and more still tells a stale completion from a live one; the slot
 * takes 24 bits ({@link Slots#MAX_SLOTS}), the kind 8:
 *
 * <pre>
 * 63            32 31              8 7      0
 * [  generation  ][      slot       ][ kind ]
 * </pre>
 */
public final class UserData {
    private UserData() {}

    static final int ACCEPT = 1, RECV = 2, SEND = 3, CONNECT = 4, WAKEUP = 5, IGNORE = 6, SPLICE_IN = 7, SPLICE_OUT = 8,
            WRITE_WAIT = 9, WATCH = 10, LISTEN_WAIT = 11, POLL_IN = 12, RECVMSG = 13, ERROR_WAIT = 14;

    private static final long GENERATION = 0xFFFF_FFFF_0000_0000L;
    private static final long SLOT = 0xFF_FFFFL;

    /** The user data for operation {@code kind} (0 to 255) of the owner of {@code token}. */
    public static long of(long token, int kind) {
        return (token & GENERATION) | (token & SLOT) << 8 | (kind & 0xff);
    }

    /** The slot token in {@code userData}. */
    public static long token(long userData) {
        return (userData & GENERATION) | (userData >>> 8) & SLOT;
    }

    /** The kind of operation in {@code userData}. */
    public static int kind(long userData) {
        return (int) (userData & 0xff);
    }
}
