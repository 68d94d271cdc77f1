package dev.panio.internal.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;

/**
 * One descriptor held back for the moment the process runs out. At {@code EMFILE} the
 * pending connections stay queued, and a listener that stays ready would make a loop spin
 * (or, on io_uring, leave the clients waiting). Shedding gives the reserve up, then accepts
 * and closes every pending connection at once, through the one free number (each client sees
 * its connection closed instead of hanging, as fast as they come), and takes the reserve back.
 */
public final class FdReserve {
    private FileDescriptor spare;

    public FdReserve() throws ErrnoException {
        spare = EventFd.open().fd();
    }

    /** The most connections one shed accepts and closes: a bound on the time it takes. */
    private static final int BATCH = 1024;

    /**
     * Accepts and closes the connections pending on {@code listener}, using the reserve.
     *
     * @return whether the reserve is held again (if not, the caller should stop watching the
     *         listener for a while: nothing could shed the next connection)
     */
    public boolean shed(Socket listener) {
        // No logging here: writing a log line may itself need a file descriptor.
        Fds.closeQuietly(spare);
        spare = null;
        for (int i = 0; i < BATCH; i++) {
            try {
                int fd = listener.acceptRaw(true);
                if (fd < 0) break; // nothing pending
                Fds.closeQuietly(FileDescriptor.adopt(fd));
            } catch (ErrnoException | dev.panio.io.ClosedException stop) {
                break; // still no fd (another thread took it), or the listener is gone
            }
        }
        try {
            spare = EventFd.open().fd();
            return true;
        } catch (ErrnoException e) {
            spare = null; // taken back at the next shed
            return false;
        }
    }

    public void close() {
        Fds.closeQuietly(spare);
    }
}
