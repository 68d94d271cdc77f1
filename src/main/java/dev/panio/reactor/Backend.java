package dev.panio.reactor;

/**
 * The I/O model an {@link EventLoopGroup} runs on. The same handlers work on every one;
 * the README says when to choose which.
 */
public enum Backend {
    /** {@code select(2)}: at most {@code FD_SETSIZE} (1024) descriptors; the set is rebuilt each wait. */
    SELECT,
    /** {@code poll(2)}: no fd limit, but every wait scans every watched fd. */
    POLL,
    /** {@code epoll}, level-triggered. */
    EPOLL,
    /** {@code epoll} with {@code EPOLLET}: read until EAGAIN, within a per-wakeup budget. */
    EPOLL_ET,
    /** {@code io_uring}: completions, multishot accept and receive into a provided buffer ring. */
    IO_URING,
    /** Signal-driven I/O: {@code O_ASYNC} + {@code F_SETSIG} to a real-time signal read through {@code signalfd}. */
    SIGNAL,
    /** One platform thread per connection doing blocking reads: the classic model. */
    BLOCKING,
    /** One virtual thread per connection written as blocking code, parked on epoll readiness. */
    VIRTUAL,
    /** {@link #IO_URING} where available, else {@link #EPOLL}; {@link EventLoopGroup#backend()} says which. */
    AUTO;

    /**
     * The name used on command lines: lower case with a dash ({@code epoll-et}, {@code io_uring}).
     *
     * @return the name
     */
    public String cliName() {
        return this == IO_URING ? "io_uring" : name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    /**
     * Parses {@link #cliName()} (and the enum name).
     *
     * @param s a name, in any case
     * @return the backend
     * @throws IllegalArgumentException for an unknown name, listing the known ones
     */
    public static Backend parse(String s) {
        for (Backend b : values()) {
            if (b.cliName().equalsIgnoreCase(s) || b.name().equalsIgnoreCase(s)) return b;
        }
        throw new IllegalArgumentException("unknown backend '" + s + "'; one of auto, select, poll, epoll, epoll-et, io_uring, signal, blocking, virtual");
    }
}
