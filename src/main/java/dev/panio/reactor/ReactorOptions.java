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
    public ReactorOptions {
        if (loops < 1) throw new IllegalArgumentException("loops must be at least 1: " + loops);
        if (readBufferBytes < 256) throw new IllegalArgumentException("readBufferBytes too small: " + readBufferBytes);
        if (lowWatermark < 0 || lowWatermark > highWatermark || highWatermark > maxQueuedBytes) {
            throw new IllegalArgumentException("need 0 <= low <= high <= max watermark: " + lowWatermark + ", " + highWatermark + ", " + maxQueuedBytes);
        }
        if (idleTimeoutMillis < 0) throw new IllegalArgumentException("idleTimeoutMillis must not be negative: " + idleTimeoutMillis);
        if (writeTimeoutMillis < 0) throw new IllegalArgumentException("writeTimeoutMillis must not be negative: " + writeTimeoutMillis);
        if (Integer.bitCount(uringBuffers) != 1) throw new IllegalArgumentException("uringBuffers must be a power of two: " + uringBuffers);
    }

    /** One loop per core, 64 KiB reads, watermarks 32 KiB / 256 KiB, 4 MiB hard limit. */
    public static ReactorOptions defaults() {
        return new ReactorOptions(Runtime.getRuntime().availableProcessors(), 64 * 1024, 32 * 1024, 256 * 1024,
                4L * 1024 * 1024, 256 * 1024, 0, 0, false, 1024, true);
    }

    public ReactorOptions withLoops(int n) {
        return new ReactorOptions(n, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withWatermarks(long low, long high, long max) {
        return new ReactorOptions(loops, readBufferBytes, low, high, max, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withReadBuffer(int bytes) {
        return new ReactorOptions(loops, bytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withReadBudget(int bytes) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, bytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withIdleTimeout(long millis) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, millis, writeTimeoutMillis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    /** See {@code writeTimeoutMillis} above (0: no limit, the default). */
    public ReactorOptions withWriteTimeout(long millis) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, millis, raiseFdLimit, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withRaisedFdLimit(boolean raise) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raise, uringBuffers, tcpNoDelay);
    }

    public ReactorOptions withUringBuffers(int n) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, n, tcpNoDelay);
    }

    public ReactorOptions withTcpNoDelay(boolean on) {
        return new ReactorOptions(loops, readBufferBytes, lowWatermark, highWatermark, maxQueuedBytes, readBudgetBytes, idleTimeoutMillis, writeTimeoutMillis, raiseFdLimit, uringBuffers, on);
    }
}
