package dev.panio.testkit.proxy;

import java.time.Duration;
import java.util.Objects;

/**
 * What a {@link FaultProxy} does to the bytes of one direction of a connection, and what that
 * is at the socket level. A fault is a value; {@link FaultProxy#add} puts it on the proxy,
 * where it acts on the connections its toxicity picks, from the moment the proxy has
 * connected the client to the upstream (or from the moment it is added, for a live one).
 * Faults on one direction act in the order they were added: bytes pass the first, then the
 * second, and so on, before the proxy writes them on.
 *
 * <p>Nothing a fault does reorders or silently loses bytes of a stream that goes on: bytes are
 * held and released late, or the connection is ended (and the bytes not passed are counted
 * as dropped in {@link ProxiedConnection}). Bytes a fault holds are released, in order,
 * when it is removed.
 */
public sealed interface Fault {

    /**
     * The name the command line uses ({@code latency}, {@code limit-data}, ...).
     *
     * @return the kind's name
     */
    String kind();

    /**
     * A short description with the parameters, as connection records show it.
     *
     * @return e.g. {@code latency 100 ms ± 20 ms}
     */
    String describe();

    /**
     * Holds each read for {@code delay}, give or take a uniform {@code jitter}, and keeps the
     * order (a read never overtakes an earlier one). The socket level: the peer sees its
     * bytes (and the end of the stream) late; the sender's writes complete at once, since the
     * proxy keeps reading, until it holds 1 MiB for the direction: then it stops reading until
     * it holds less, so a fast sender is held to about 1 MiB per delay.
     *
     * @param delay  how long each read is held, 0 to {@link #MAX_DURATION}
     * @param jitter the most the delay varies either way, 0 to {@link #MAX_DURATION}
     */
    record Latency(Duration delay, Duration jitter) implements Fault {
        /**
         * Checks the values.
         *
         * @param delay  the delay
         * @param jitter the jitter
         * @throws NullPointerException if either is null
         * @throws IllegalArgumentException if either is negative or over {@link #MAX_DURATION}
         */
        public Latency {
            nonNegative("latency delay", delay);
            nonNegative("latency jitter", jitter);
        }

        @Override
        public String kind() {
            return "latency";
        }

        @Override
        public String describe() {
            return "latency " + millis(delay) + (jitter.isZero() ? "" : " ± " + millis(jitter));
        }
    }

    /**
     * Passes at most {@code bytesPerSecond}, in slices of a hundredth of a second's worth (at
     * least one byte): after {@code t} seconds of passing, at most {@code bytesPerSecond * t}
     * plus one slice have passed. When the proxy holds more than it passes, it stops reading
     * (see {@link FaultProxy}), so the sender's window closes and its writes slow down as on a
     * thin link.
     *
     * @param bytesPerSecond the rate, positive
     */
    record Bandwidth(long bytesPerSecond) implements Fault {
        /**
         * Checks the rate.
         *
         * @param bytesPerSecond the rate
         * @throws IllegalArgumentException if it is not positive
         */
        public Bandwidth {
            if (bytesPerSecond <= 0) throw new IllegalArgumentException("bandwidth must be positive: " + bytesPerSecond + " bytes/s");
        }

        /**
         * The bytes passed in one slice.
         *
         * @return a hundredth of the rate, at least 1
         */
        public long sliceBytes() {
            return Math.max(1, bytesPerSecond / 100);
        }

        @Override
        public String kind() {
            return "bandwidth";
        }

        @Override
        public String describe() {
            return "bandwidth " + bytesPerSecond + " B/s";
        }
    }

    /**
     * Cuts the stream into segments of {@code averageSize} give or take a uniform
     * {@code sizeVariation} bytes (at least one), each written on its own with {@code delay}
     * between them. The proxy's sockets have {@code TCP_NODELAY}, so each write leaves as its
     * own segment, and a peer that reads as fast as the pieces come reads them one by one (a
     * parser sees a header split anywhere); with no delay, or a reader slower than the delay,
     * the kernel joins pieces that wait in the peer's receive buffer into one read.
     *
     * @param averageSize   the segment size, at least 1
     * @param sizeVariation the most a segment's size varies either way, 0 to {@code averageSize - 1}
     * @param delay         the pause between segments, 0 to {@link #MAX_DURATION}
     */
    record Slicer(int averageSize, int sizeVariation, Duration delay) implements Fault {
        /**
         * Checks the values.
         *
         * @param averageSize   the segment size
         * @param sizeVariation the variation
         * @param delay         the pause
         * @throws NullPointerException if {@code delay} is null
         * @throws IllegalArgumentException if a value is out of range
         */
        public Slicer {
            if (averageSize < 1) throw new IllegalArgumentException("slicer average size must be at least 1: " + averageSize);
            if (sizeVariation < 0 || sizeVariation >= averageSize) {
                throw new IllegalArgumentException("slicer size variation must be 0 to " + (averageSize - 1)
                        + " (a segment has at least one byte): " + sizeVariation);
            }
            nonNegative("slicer delay", delay);
        }

        @Override
        public String kind() {
            return "slicer";
        }

        @Override
        public String describe() {
            return "slicer " + averageSize + (sizeVariation == 0 ? "" : "±" + sizeVariation) + " B every " + millis(delay);
        }
    }

    /**
     * Passes {@code bytes} and then closes both sides of the connection (a FIN to each peer
     * once what passed is written; a peer whose bytes the proxy had read and not passed may
     * get an RST instead, as the kernel sends one for a socket closed with unread data).
     * What comes after the limit is dropped. A body cut at the limit is what a client sees.
     *
     * @param bytes the bytes passed before the close, 0 or more
     */
    record LimitData(long bytes) implements Fault {
        /**
         * Checks the limit.
         *
         * @param bytes the limit
         * @throws IllegalArgumentException if it is negative
         */
        public LimitData {
            if (bytes < 0) throw new IllegalArgumentException("limit-data bytes must not be negative: " + bytes);
        }

        @Override
        public String kind() {
            return "limit-data";
        }

        @Override
        public String describe() {
            return "limit-data " + bytes + " B";
        }
    }

    /**
     * Passes nothing: the proxy keeps reading, so the sender's writes succeed, and holds the
     * bytes, up to 1 MiB for the direction (then it stops reading, and the sender's window
     * closes). A close or reset from a fault before this one is not held: it ends the
     * connection, and what was held is dropped. After {@code timeout} it closes both sides and drops what it held
     * ({@link Duration#ZERO}: never; the bytes flow again, in order, when the fault is
     * removed). To the peer it looks like a server (or network) that went silent.
     *
     * @param timeout when to close, 0 for never, up to {@link #MAX_DURATION}
     */
    record Stall(Duration timeout) implements Fault {
        /**
         * Checks the timeout.
         *
         * @param timeout the timeout
         * @throws NullPointerException if it is null
         * @throws IllegalArgumentException if it is negative or over {@link #MAX_DURATION}
         */
        public Stall {
            nonNegative("stall timeout", timeout);
        }

        @Override
        public String kind() {
            return "stall";
        }

        @Override
        public String describe() {
            return "stall" + (timeout.isZero() ? "" : ", close after " + millis(timeout));
        }
    }

    /**
     * Resets both sides — {@code SO_LINGER} 0 and a close, so the kernel sends RST and drops
     * what it had queued — once {@code afterBytes} have passed, or {@code after} once the
     * fault holds (whichever is set; the other is -1 or null). A peer's next read or write
     * fails with {@code ECONNRESET} ("Connection reset"), unlike a FIN, which reads as the end
     * of the stream. On a Unix stream socket there is no RST: the proxy closes, and a peer
     * with unread bytes sees {@code ECONNRESET}, one without sees the end of the stream.
     *
     * @param afterBytes the bytes passed before the reset, or -1 to reset by time
     * @param after      the time from when the fault holds to the reset, or null to reset by bytes
     */
    record Reset(long afterBytes, Duration after) implements Fault {
        /**
         * Checks that exactly one of the two is set.
         *
         * @param afterBytes the byte count, or negative
         * @param after      the time, or null
         * @throws IllegalArgumentException if both or neither is set, or the time is negative or over {@link #MAX_DURATION}
         */
        public Reset {
            if (afterBytes < 0 && after == null) {
                throw new IllegalArgumentException("reset needs a byte count (0 or more) or a time: " + afterBytes + ", null");
            }
            if (afterBytes >= 0 && after != null) {
                throw new IllegalArgumentException("reset takes a byte count or a time, not both: " + afterBytes + ", " + after);
            }
            if (after != null) nonNegative("reset time", after);
        }

        @Override
        public String kind() {
            return "reset";
        }

        @Override
        public String describe() {
            return after == null ? "reset after " + afterBytes + " B" : "reset after " + millis(after);
        }
    }

    /**
     * Passes the bytes and holds the end of the stream for {@code delay}: the peer reads
     * everything, then waits that long for its read to return end-of-stream.
     *
     * @param delay how long the end of the stream is held, 0 to {@link #MAX_DURATION}
     */
    record SlowClose(Duration delay) implements Fault {
        /**
         * Checks the delay.
         *
         * @param delay the delay
         * @throws NullPointerException if it is null
         * @throws IllegalArgumentException if it is negative or over {@link #MAX_DURATION}
         */
        public SlowClose {
            nonNegative("slow-close delay", delay);
        }

        @Override
        public String kind() {
            return "slow-close";
        }

        @Override
        public String describe() {
            return "slow-close " + millis(delay);
        }
    }

    /**
     * Passes {@code afterBytes}, then shuts this direction ({@code shutdown(SHUT_WR)} toward
     * the peer, which reads end-of-stream) and drops what the sender sends after; the other
     * direction goes on. A client that treats end-of-stream as "the server is gone" and one
     * that keeps reading its answers are told apart.
     *
     * @param afterBytes the bytes passed before the shutdown, 0 or more
     */
    record HalfClose(long afterBytes) implements Fault {
        /**
         * Checks the byte count.
         *
         * @param afterBytes the byte count
         * @throws IllegalArgumentException if it is negative
         */
        public HalfClose {
            if (afterBytes < 0) throw new IllegalArgumentException("half-close bytes must not be negative: " + afterBytes);
        }

        @Override
        public String kind() {
            return "half-close";
        }

        @Override
        public String describe() {
            return "half-close after " + afterBytes + " B";
        }
    }

    /**
     * Passes {@code afterBytes}, then stops reading from the sender. The proxy's receive buffer
     * fills, it advertises a zero window, the sender's send buffer fills behind it, and the
     * sender's writes turn partial, then {@code EAGAIN} (or block); the kernel sends
     * zero-window probes meanwhile ({@code TcpInfo.probes()}). Removing the fault reads again.
     *
     * <p>How many bytes that takes is the two buffers' size: megabytes on loopback, where the
     * kernel grows them. {@code receiveBuffer > 0} sets the proxy's {@code SO_RCVBUF} to that
     * (the kernel doubles it) when the fault acts, so the window closes within kilobytes; the
     * cost is after the fault: a buffer once set no longer grows by itself, and the window of a
     * connection squeezed that small reopens slowly (on loopback, megabytes then take tens of
     * seconds). The proxy sets the buffer as large as {@code net.core.rmem_max} allows on
     * removal, which shortens but does not end that. For a small window from the start, use
     * {@link FaultProxy.Builder#receiveBuffer} instead.
     *
     * @param afterBytes    the bytes passed before the proxy stops reading, 0 or more
     * @param receiveBuffer the {@code SO_RCVBUF} set when the fault acts, or 0 to leave the buffer as it is
     */
    record ZeroWindow(long afterBytes, int receiveBuffer) implements Fault {
        /**
         * Checks the values.
         *
         * @param afterBytes    the byte count
         * @param receiveBuffer the buffer size
         * @throws IllegalArgumentException if either is negative
         */
        public ZeroWindow {
            if (afterBytes < 0) throw new IllegalArgumentException("zero-window bytes must not be negative: " + afterBytes);
            if (receiveBuffer < 0) throw new IllegalArgumentException("zero-window receive buffer must not be negative: " + receiveBuffer);
        }

        @Override
        public String kind() {
            return "zero-window";
        }

        @Override
        public String describe() {
            return "zero-window after " + afterBytes + " B";
        }
    }

    // ---- factories ------------------------------------------------------------------------

    /**
     * {@link Latency} without jitter.
     *
     * @param delay how long each read is held
     * @return the fault
     */
    static Latency latency(Duration delay) {
        return new Latency(delay, Duration.ZERO);
    }

    /**
     * {@link Latency}.
     *
     * @param delay  how long each read is held
     * @param jitter the most the delay varies either way
     * @return the fault
     */
    static Latency latency(Duration delay, Duration jitter) {
        return new Latency(delay, jitter);
    }

    /**
     * {@link Bandwidth}.
     *
     * @param bytesPerSecond the rate, positive
     * @return the fault
     */
    static Bandwidth bandwidth(long bytesPerSecond) {
        return new Bandwidth(bytesPerSecond);
    }

    /**
     * {@link Slicer} with segments of exactly {@code size} bytes.
     *
     * @param size  the segment size, at least 1
     * @param delay the pause between segments
     * @return the fault
     */
    static Slicer slicer(int size, Duration delay) {
        return new Slicer(size, 0, delay);
    }

    /**
     * {@link LimitData}.
     *
     * @param bytes the bytes passed before the close
     * @return the fault
     */
    static LimitData limitData(long bytes) {
        return new LimitData(bytes);
    }

    /**
     * {@link Stall} that never closes.
     *
     * @return the fault
     */
    static Stall stall() {
        return new Stall(Duration.ZERO);
    }

    /**
     * {@link Stall} that closes after {@code timeout}.
     *
     * @param timeout when to close; 0 for never
     * @return the fault
     */
    static Stall stall(Duration timeout) {
        return new Stall(timeout);
    }

    /**
     * {@link Reset} once {@code bytes} have passed.
     *
     * @param bytes the bytes passed before the reset, 0 or more
     * @return the fault
     * @throws IllegalArgumentException if {@code bytes} is negative
     */
    static Reset resetAfterBytes(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("reset bytes must not be negative: " + bytes);
        return new Reset(bytes, null);
    }

    /**
     * {@link Reset} {@code after} the fault takes hold.
     *
     * @param after the time to the reset
     * @return the fault
     * @throws NullPointerException if {@code after} is null
     */
    static Reset resetAfter(Duration after) {
        Objects.requireNonNull(after, "after");
        return new Reset(-1, after);
    }

    /**
     * {@link SlowClose}.
     *
     * @param delay how long the end of the stream is held
     * @return the fault
     */
    static SlowClose slowClose(Duration delay) {
        return new SlowClose(delay);
    }

    /**
     * {@link HalfClose}.
     *
     * @param afterBytes the bytes passed before the shutdown
     * @return the fault
     */
    static HalfClose halfClose(long afterBytes) {
        return new HalfClose(afterBytes);
    }

    /**
     * {@link ZeroWindow} leaving the receive buffer as it is.
     *
     * @param afterBytes the bytes passed before the proxy stops reading
     * @return the fault
     */
    static ZeroWindow zeroWindow(long afterBytes) {
        return new ZeroWindow(afterBytes, 0);
    }

    /** The longest duration a fault takes: about 73 years, so that every deadline fits the monotonic clock's nanoseconds. */
    Duration MAX_DURATION = Duration.ofNanos(Long.MAX_VALUE / 4);

    private static void nonNegative(String what, Duration d) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) throw new IllegalArgumentException(what + " must not be negative: " + d);
        if (d.compareTo(MAX_DURATION) > 0) throw new IllegalArgumentException(what + " must be at most " + MAX_DURATION + ": " + d);
    }

    private static String millis(Duration d) {
        long us = d.toNanos() / 1000;
        return us % 1000 == 0 ? us / 1000 + " ms" : us / 1000.0 + " ms";
    }
}
