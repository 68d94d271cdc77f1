package dev.panio.net;

import dev.panio.internal.gen.cmsghdr;

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
}
