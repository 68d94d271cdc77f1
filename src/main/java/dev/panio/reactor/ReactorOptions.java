package dev.panio.reactor;

/**
 * Tunables of an {@link EventLoopGroup}. Immutable; {@code with*} methods return a copy.
 *
 * @param loops             event loops (threads for the event-driven backends)
 * @param readBufferBytes   bytes read per read call (and io_uring provided-buffer size)
 * @param lowWatermark      queued bytes under which a full connection is writable again
 * @param highWatermark     queued bytes over which {@link Connection#write} returns false
 * @param maxQueuedBytes    hard limit of queued bytes; a write past it closes the connection
 * @param readBudgetBytes   bytes one connection may read per wakeup before others get a turn
 * @param idleTimeoutMillis default idle timeout of new connections (0: none)
 * @param writeTimeoutMillis how long a write may wait with no byte taken by the kernel (a peer
 *                          that does not read) before the connection is closed with
 *                          {@link CloseCause#TIMEOUT} (0: no limit). On the event-driven
 *                          backends: queued bytes that nothing drained for that long; on
 *                          {@link Backend#BLOCKING} and {@link Backend#VIRTUAL}, whose
 *                          {@link Connection#write} blocks, the blocked write fails (returns
 *                          false) and the connection closes
 * @param raiseFdLimit      raise {@code RLIMIT_NOFILE} to its hard limit at start
 * @param uringBuffers      provided buffers per io_uring loop (a power of two)
 * @param tcpNoDelay        set {@code TCP_NODELAY} on every connection (default true: the
 *                          reactor already writes whole messages, and Nagle's algorithm
 *                          with delayed ACKs would hold back small responses for up to 40 ms)
 */
public record ReactorOptions(int loops, int readBufferBytes, long lowWatermark, long highWatermark,
                             long maxQueuedBytes, int readBudgetBytes, long idleTimeoutMillis, long writeTimeoutMillis,
                             boolean raiseFdLimit, int uringBuffers, boolean tcpNoDelay) {
    /**
     * Checks the values.
     *
     * @param loops              event loops, 1 or more
     * @param readBufferBytes    bytes per read, 256 or more
     * @param lowWatermark       queued bytes under which a full connection is writable again
     * @param highWatermark      queued bytes over which {@link Connection#write} returns false
     * @param maxQueuedBytes     hard limit of queued bytes
     * @param readBudgetBytes    bytes one connection may read per wakeup, 1 or more
     * @param idleTimeoutMillis  default idle timeout, 0 for none
     * @param writeTimeoutMillis write timeout, 0 for none
     * @param raiseFdLimit       raise {@code RLIMIT_NOFILE} at start
     * @param uringBuffers       provided buffers per io_uring loop, a power of two up to 32768
     * @param tcpNoDelay         set {@code TCP_NODELAY} on every connection
     * @throws IllegalArgumentException unless {@code loops} &ge; 1, {@code readBufferBytes} &ge; 256,
     *         0 &le; low &le; high &le; max, {@code readBudgetBytes} &ge; 1, the timeouts are not
     *         negative and {@code uringBuffers} is a power of two up to 32768
     */
    public ReactorOptions {
        if (loops < 1) throw new IllegalArgumentException("loops must be at least 1: " + loops);
        if (readBufferBytes < 256) throw new IllegalArgumentException("readBufferBytes too small: " + readBufferBytes);
        if (lowWatermark < 0 || lowWatermark > highWatermark || highWatermark > maxQueuedBytes) {
            throw new IllegalArgumentException("need 0 <= low <= high <= max watermark: " + lowWatermark + ", " + highWatermark + ", " + maxQueuedBytes);
        }
        if (idleTimeoutMillis < 0) throw new IllegalArgumentException("idleTimeoutMillis must not be negative: " + idleTimeoutMillis);
        if (writeTimeoutMillis < 0) throw new IllegalArgumentException("writeTimeoutMillis must not be negative: " + writeTimeoutMillis);
        // a budget of 0 would leave the io_uring loop reading nothing: every connection would stall
        if (readBudgetBytes < 1) throw new IllegalArgumentException("readBudgetBytes must be at least 1: " + readBudgetBytes);
        if (uringBuffers < 1 || Integer.bitCount(uringBuffers) != 1 || uringBuffers > dev.panio.uring.BufferRing.MAX_COUNT) {
            throw new IllegalArgumentException("uringBuffers must be a power of two up to " + dev.panio.uring.BufferRing.MAX_COUNT
                    + " (a buffer ring's limit): " + uringBuffers);
        }
    }

    /**
     * One loop per core, 64 KiB reads, watermarks 32 KiB / 256 KiB, 4 MiB hard limit.
     *
     * @return the defaults; besides the above a 256 KiB read budget, no timeouts, the fd
     *         limit left alone, 1024 io_uring buffers and {@code TCP_NODELAY} on
     */
    public static ReactorOptions defaults() {
        return new ReactorOptions(Runtime.getRuntime().availableProcessors(), 64 * 1024, 32 * 1024, 256 * 1024,
                4L * 1024 * 1024, 256 * 1024, 0, 0, false, 1024, true);
    }

    /**
     * Sets the number of event loops.
     *
     * @param n loops, 1 or more
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code n} is below 1
     */
    public ReactorOptions withLoops(int n) {
        return new ReactorOptions(n, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets the write queue's limits.
     *
     * @param low  queued bytes under which a full connection is writable again ({@link ConnectionHandler#onWritable})
     * @param high queued bytes over which {@link Connection#write} returns false
     * @param max  queued bytes past which a write closes the connection
     * @return a copy with that changed
     * @throws IllegalArgumentException unless 0 &le; low &le; high &le; max
     */
    public ReactorOptions withWatermarks(long low, long high, long max) {
        return new ReactorOptions(loops, readBufferBytes, low, high, max, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets the bytes read per read call, which is also the io_uring provided-buffer size.
     *
     * @param bytes 256 or more
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code bytes} is below 256
     */
    public ReactorOptions withReadBuffer(int bytes) {
        return new ReactorOptions(loops, bytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets the bytes one connection may read per wakeup before the others get a turn.
     *
     * @param bytes the budget, 1 or more
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code bytes} is below 1
     */
    public ReactorOptions withReadBudget(int bytes) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, bytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets the idle timeout new connections start with ({@link Connection#setIdleTimeout} changes one).
     *
     * @param millis milliseconds without a read or write before the connection closes with
     *               {@link CloseCause#TIMEOUT}; 0 for none
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    public ReactorOptions withIdleTimeout(long millis) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, millis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * See {@code writeTimeoutMillis} above (0: no limit, the default).
     *
     * @param millis the write timeout, 0 for none
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code millis} is negative
     */
    public ReactorOptions withWriteTimeout(long millis) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, millis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets whether the group raises {@code RLIMIT_NOFILE}'s soft limit to the hard one when it starts.
     *
     * @param raise true to raise it
     * @return a copy with that changed
     */
    public ReactorOptions withRaisedFdLimit(boolean raise) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raise, uringBuffers, tcpNoDelay);
    }

    /**
     * Sets the provided buffers per io_uring loop, each of {@code readBufferBytes}.
     *
     * @param n a power of two up to 32768 (a buffer ring's limit)
     * @return a copy with that changed
     * @throws IllegalArgumentException if {@code n} is not a power of two or above 32768
     */
    public ReactorOptions withUringBuffers(int n) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, n, tcpNoDelay);
    }

    /**
     * Sets whether every TCP connection gets {@code TCP_NODELAY}.
     *
     * @param on true to set it (the default)
     * @return a copy with that changed
     */
    public ReactorOptions withTcpNoDelay(boolean on) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, on);
    }
}
