package dev.panio.internal.reactor;

/**
 * A connection's lifecycle as one state word, the same on every backend. The word is a set
 * of bits; {@link #next} is the whole transition table, and a connection changes its word
 * only through it ({@link BaseConnection#apply}, a compare-and-set, so threads of the
 * thread-per-connection backends can race on it safely).
 *
 * <pre>
 * state (bits set)            event              next                   what the connection does
 * --------------------------  -----------------  ---------------------  -------------------------------------------
 * CONNECTING                  CONNECTED          open (no bits)         onOpen; reading starts
 * CONNECTING                  END                + CLOSED               connect failed or timed out: onClose(ERROR/TIMEOUT)
 * open                        INPUT_ENDED        + INPUT_CLOSED         onInputClosed; if OUTPUT_SHUT too: END(PEER_CLOSED)
 * open, writes accepted       SHUTDOWN_OUTPUT    + OUTPUT_SHUTTING      writes refused; once drained: shutdown(SHUT_WR)
 * OUTPUT_SHUTTING             OUTPUT_DONE        - OUTPUT_SHUTTING      then if INPUT_CLOSED: END(PEER_CLOSED)
 *                                                + OUTPUT_SHUT
 * not CLOSING                 CLOSE              + CLOSING              writes refused; once drained: END(LOCAL, or
 *                                                                       PEER_CLOSED after the peer's end of input)
 * not CLOSED                  SUSPEND_READ       + READ_SUSPENDED       no reads (the peer is slowed by TCP flow control)
 * READ_SUSPENDED              RESUME_READ        - READ_SUSPENDED       reads again
 * not CLOSED                  END                + CLOSED               release fds and files once; onClose(cause) once
 * CLOSED                      anything           CLOSED                 nothing (the event is refused)
 * </pre>
 *
 * An event that does not apply to the state (a second {@code close()}, a shutdown after
 * close) is refused: {@link #next} returns the state unchanged and the caller does nothing.
 */
public final class Lifecycle {
    private Lifecycle() {}

    /** An outbound connection whose connect has not completed. */
    public static final int CONNECTING = 1;
    /** The peer ended its output (end of stream read). */
    public static final int INPUT_CLOSED = 1 << 1;
    /** {@code shutdownOutput()} was asked for; it happens when the queue is drained. */
    public static final int OUTPUT_SHUTTING = 1 << 2;
    /** {@code shutdown(SHUT_WR)} was made. */
    public static final int OUTPUT_SHUT = 1 << 3;
    /** {@code close()} was asked for; it happens when the queue is drained. */
    public static final int CLOSING = 1 << 4;
    /** Released and {@code onClose} called: the end. */
    public static final int CLOSED = 1 << 5;
    /** Reading suspended by the handler; beside the lifecycle, cleared by resuming. */
    public static final int READ_SUSPENDED = 1 << 6;

    /** What happens to a connection. */
    public enum Event {
        CONNECTED, INPUT_ENDED, SHUTDOWN_OUTPUT, OUTPUT_DONE, CLOSE, SUSPEND_READ, RESUME_READ, END
    }

    /** The state after {@code e} in {@code state}: {@code state} itself if {@code e} does not apply. */
    public static int next(int state, Event e) {
        if ((state & CLOSED) != 0) return state;
        boolean connecting = (state & CONNECTING) != 0;
        return switch (e) {
            case CONNECTED -> connecting ? state & ~CONNECTING : state;
            case INPUT_ENDED -> connecting ? state : state | INPUT_CLOSED;
            case SHUTDOWN_OUTPUT -> connecting || !acceptsWrites(state) ? state : state | OUTPUT_SHUTTING;
            case OUTPUT_DONE -> (state & OUTPUT_SHUTTING) != 0 ? (state & ~OUTPUT_SHUTTING) | OUTPUT_SHUT : state;
            case CLOSE -> (state & CLOSING) != 0 ? state : state | CLOSING;
            case SUSPEND_READ -> state | READ_SUSPENDED;
            case RESUME_READ -> state & ~READ_SUSPENDED;
            case END -> state | CLOSED; // the other bits stay: what was in flight when it ended
        };
    }

    /** Whether writes are taken: not closed, closing or shutting down output, and connected. */
    public static boolean acceptsWrites(int state) {
        return (state & (CONNECTING | OUTPUT_SHUTTING | OUTPUT_SHUT | CLOSING | CLOSED)) == 0;
    }

    /** Whether the connection should be reading now. */
    public static boolean reading(int state) {
        return (state & (CONNECTING | INPUT_CLOSED | READ_SUSPENDED | CLOSED)) == 0;
    }

    /** Whether both directions are done (the peer's end of input read, ours shut): the connection ends. */
    public static boolean bothDone(int state) {
        return (state & (INPUT_CLOSED | OUTPUT_SHUT)) == (INPUT_CLOSED | OUTPUT_SHUT) && (state & CLOSED) == 0;
    }

    /** The state word as its bit names, for messages and tests. */
    public static String describe(int state) {
        if (state == 0) return "OPEN";
        StringBuilder sb = new StringBuilder();
        String[] names = {"CONNECTING", "INPUT_CLOSED", "OUTPUT_SHUTTING", "OUTPUT_SHUT", "CLOSING", "CLOSED", "READ_SUSPENDED"};
        for (int i = 0; i < names.length; i++) {
            if ((state & 1 << i) != 0) sb.append(sb.isEmpty() ? "" : "|").append(names[i]);
        }
        return sb.toString();
    }
}
