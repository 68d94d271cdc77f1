package dev.panio.reactor;

import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;

/**
 * One descriptor held back for the moment the process runs out. At {@code EMFILE} the
 * pending connection stays queued, and a listener that stays ready would make a loop spin
 * (or, on io_uring, leave the client waiting). Shedding gives the reserve up, accepts the
 * connection and closes it at once (the client sees it closed instead of hanging), and
 * takes the reserve back.
 */
final class FdReserve {
    private FileDescriptor spare;

    FdReserve() throws ErrnoException {
        spare = EventFd.open().fd();
    }

    /** Accepts and closes one pending connection on {@code listener}, using the reserve. */
    void shedOne(Socket listener) {
        // No logging here: writing a log line may itself need a file descriptor.
        PollingDriver.closeQuietly(spare);
        spare = null;
        try {
            int fd = listener.acceptRaw(true);
            if (fd >= 0) PollingDriver.closeQuietly(FileDescriptor.adopt(fd));
        } catch (ErrnoException ignored) {
            // nothing pending after all, or still no fd
        }
        try {
            spare = EventFd.open().fd();
        } catch (ErrnoException e) {
            spare = null; // taken back at the next shed
        }
    }

    void close() {
        PollingDriver.closeQuietly(spare);
    }
}
