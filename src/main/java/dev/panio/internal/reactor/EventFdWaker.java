package dev.panio.internal.reactor;

import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;

/**
 * A {@link Waker} through an eventfd the loop watches: {@link #wake()} adds 1, making it
 * readable; the loop {@link #drain()}s it when its wait reports it.
 */
public final class EventFdWaker implements Waker, AutoCloseable {
    private final EventFd eventFd;

    public EventFdWaker() throws ErrnoException {
        eventFd = EventFd.open();
    }

    /** The eventfd, to watch for readability. */
    public FileDescriptor fd() {
        return eventFd.fd();
    }

    @Override
    public void wake() {
        try {
            eventFd.signal(1);
        } catch (ErrnoException | ClosedException e) {
            // closed as the loop ends: nothing left to wake
        }
    }

    /** Resets the counter (loop thread), so the next wake is seen again. */
    public void drain() {
        try {
            eventFd.drain();
        } catch (ErrnoException | ClosedException e) {
            // closed as the loop ends
        }
    }

    @Override
    public void close() {
        Fds.closeQuietly(eventFd.fd());
    }
}
