package dev.panio.net;

import dev.panio.internal.gen.cmsghdr;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The arithmetic of glibc's {@code CMSG_*} macros, which jextract cannot turn into code:
 * each control message is a {@code cmsghdr} followed by its data, and each starts at a
 * multiple of {@code sizeof(size_t)}.
 */
final class Cmsg {
    private Cmsg() {}

    /** {@code CMSG_LEN(0)}: where a control message's data starts. */
    static final long HEADER = align(cmsghdr.__cmsg_data$offset());

    /** {@code CMSG_ALIGN(n)}. */
    static long align(long n) {
        return (n + Long.BYTES - 1) & ~(long) (Long.BYTES - 1);
    }

    /** {@code CMSG_LEN(n)}: the {@code cmsg_len} of a message with {@code n} bytes of data. */
    static long len(long n) {
        return HEADER + n;
    }

    /** {@code CMSG_SPACE(n)}: the room a message with {@code n} bytes of data takes. */
    static long space(long n) {
        return HEADER + align(n);
    }

    /**
     * The offset of the first control message at or after {@code from} in the first
     * {@code length} bytes of {@code control} with {@code level} and {@code type}, or -1; a
     * malformed length ends the walk ({@code CMSG_NXTHDR}).
     */
    static long find(MemorySegment control, long length, long from, int level, int type) {
        for (long at = from; at + HEADER <= length; ) {
            long l = control.get(ValueLayout.JAVA_LONG, at);
            if (l < HEADER || at + l > length) return -1;
            if (control.get(ValueLayout.JAVA_INT, at + cmsghdr.cmsg_level$offset()) == level
                    && control.get(ValueLayout.JAVA_INT, at + cmsghdr.cmsg_type$offset()) == type) {
                return at;
            }
            at += align(l);
        }
        return -1;
    }

    /** The data bytes of the control message at {@code at}. */
    static long dataLength(MemorySegment control, long at) {
        return control.get(ValueLayout.JAVA_LONG, at) - HEADER;
    }

    /** Where the control message after the one at {@code at} would start. */
    static long next(MemorySegment control, long at) {
        return at + align(control.get(ValueLayout.JAVA_LONG, at));
    }
}
