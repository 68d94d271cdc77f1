package dev.panio.io;

/**
 * A call was made on a panio object after its {@code close()}, or the object was closed
 * (possibly by another thread) while the call waited in it. The message names the call and
 * the object, e.g. {@code epoll_wait on Epoll[fd=7]: closed}.
 *
 * <p>Unchecked, like the JDK's {@code ClosedSelectorException} and the
 * {@code IllegalStateException} of a closed arena, of which it is a kind: using an object
 * after closing it is a bug or a close raced on purpose (to stop a waiting thread), and no
 * retry helps. Every panio type that owns an fd or off-heap memory throws this, and only
 * this, for every call after close, including accessors.
 */
public final class ClosedException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    /** The call refused. */
    private final String call;
    /** The closed object, as its {@code toString()} read. */
    private final String object;

    /**
     * An exception for a call on a closed object.
     *
     * @param call   the call refused, e.g. {@code "epoll_wait"}
     * @param object the closed object, e.g. {@code "Epoll[fd=7]"}
     */
    public ClosedException(String call, String object) {
        super(call + " on " + object + ": closed");
        this.call = call;
        this.object = object;
    }

    /**
     * The call that was refused or interrupted.
     *
     * @return the call's name, e.g. {@code "epoll_wait"}
     */
    public String call() {
        return call;
    }

    /**
     * The closed object, as its {@code toString()} read.
     *
     * @return the description, e.g. {@code "Epoll[fd=7]"}
     */
    public String object() {
        return object;
    }
}
