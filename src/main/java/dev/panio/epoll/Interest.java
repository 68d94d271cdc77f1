package dev.panio.epoll;

import dev.panio.internal.gen.LibC;

/**
 * What an epoll registration asks for: a set of {@code EPOLL*} flags, combined with
 * {@link #with} ({@code Interest.READ.with(Interest.EDGE_TRIGGERED)} is
 * {@code EPOLLIN | EPOLLET}). Immutable; any thread. {@code EPOLLERR} and {@code EPOLLHUP} are always reported and need not be
 * asked for.
 *
 * @param bits the {@code events} word passed to {@code epoll_ctl}
 */
public record Interest(int bits) {
    /** {@code EPOLLIN}: readable. */
    public static final Interest READ = new Interest(LibC.EPOLLIN());
    /** {@code EPOLLOUT}: writable. */
    public static final Interest WRITE = new Interest(LibC.EPOLLOUT());
    /** {@code EPOLLRDHUP}: the peer shut down its writing side. */
    public static final Interest RDHUP = new Interest(LibC.EPOLLRDHUP());
    /** {@code EPOLLPRI}: urgent data. */
    public static final Interest PRI = new Interest(LibC.EPOLLPRI());
    /** {@code EPOLLET}: edge-triggered, report changes only. */
    public static final Interest EDGE_TRIGGERED = new Interest(LibC.EPOLLET());
    /** {@code EPOLLONESHOT}: disable after one report until re-armed with modify. */
    public static final Interest ONESHOT = new Interest(LibC.EPOLLONESHOT());
    /** {@code EPOLLEXCLUSIVE}: wake only one of several epolls watching the fd (ADD only). */
    public static final Interest EXCLUSIVE = new Interest(LibC.EPOLLEXCLUSIVE());

    /**
     * The union: every flag of this interest and every flag of {@code other} (a bitwise OR).
     *
     * @param other the flags to add
     * @return a new interest; this one is unchanged
     */
    public Interest with(Interest other) {
        return new Interest(bits | other.bits);
    }
}
