package dev.panio.internal.reactor.completion;

import dev.panio.reactor.SocketOptionSet;
import java.net.SocketAddress;
import dev.panio.internal.reactor.Fds;
import dev.panio.io.Errno;
import dev.panio.io.FileDescriptor;
import dev.panio.net.Socket;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.uring.IoUring;
import dev.panio.uring.Sqe;
import java.util.function.Supplier;

/**
 * A listening socket on the io_uring driver, with its (multishot, where the kernel has it)
 * ACCEPT. Out of fds, it sheds every pending connection at once through the driver's
 * reserve; an accepted fd at or over the soft {@code RLIMIT_NOFILE} (lowered while a multishot
 * ACCEPT was armed, which keeps accepting past it) is closed and counted as an accept error,
 * as the readiness backends would get {@code EMFILE} for it. Loop thread only.
 */
final class UringListener {
    private final UringDriver driver;
    final Socket socket;
    private final Supplier<ConnectionHandler> handlers;
    private final SocketOptionSet options;
    private final long token;
    private boolean open = true;
    private boolean armed;
    private boolean waiting; // a POLL_ADD for a pending connection, after EMFILE

    UringListener(UringDriver driver, Socket socket, Supplier<ConnectionHandler> handlers, SocketOptionSet options) {
        this.options = options;
        this.driver = driver;
        this.socket = socket;
        this.handlers = handlers;
        this.token = driver.owners.add(this);
    }

    void arm() {
        if (!open || armed) return;
        Sqe s = driver.sqe(this::arm);
        if (s == null) return; // retried when the ring has room
        armed = true;
        s.accept(socket.fd().intValue(), driver.multishotAccept()).userData(UserData.of(token, UserData.ACCEPT));
    }

    void accepted(int res, int flags) {
        boolean more = (flags & IoUring.CQE_F_MORE) != 0;
        if (!more) armed = false;
        if (!open && !armed && !waiting) Fds.closeQuietly(socket.fd()); // the ACCEPT is over: the fd may go
        boolean outOfFds = res == -Errno.EMFILE.code() || res == -Errno.ENFILE.code();
        if (res >= 0) {
            if (!open) {
                Fds.closeRaw(res);
            } else if (res >= driver.fdLimit()) {
                Fds.closeRaw(res);
                driver.loop.acceptErrors++;
                outOfFds = true;
            } else {
                driver.loop.accepted++;
                driver.serve(Socket.adopt(FileDescriptor.adopt(res), socket.family(), socket.type()), handlers, options);
            }
        } else if (res != -Errno.ECANCELED.code()) {
            driver.loop.acceptErrors++; // not logged: a log line may itself need the fd that is missing
        }
        // Out of fds: shed everything pending at once; pause only if the reserve could not be
        // taken back (nothing would shed the next arrival).
        boolean pause = outOfFds && open && !driver.shed(socket);
        if (!armed && open) {
            // The multishot ended (error, CQ overflow) or was single-shot: re-arm, after a pause if still stuck.
            if (pause) {
                driver.loop.scheduleOnLoop(this::arm, 10_000_000L);
            } else if (outOfFds) {
                // Linux takes the new fd before it looks at the queue, so an ACCEPT with no fd to
                // give fails at once even when nothing is pending: re-armed now it would fail
                // again and again (a spin). Wait for a connection to be pending first.
                awaitConnection();
            } else {
                arm();
            }
        }
    }

    private void awaitConnection() {
        if (!open || waiting) return;
        Sqe s = driver.sqe(this::awaitConnection);
        if (s == null) return;
        waiting = true;
        s.pollAdd(socket.fd().intValue(), dev.panio.poll.Poll.POLLIN, false).userData(UserData.of(token, UserData.LISTEN_WAIT));
    }

    /** The POLL_ADD of {@link #awaitConnection} completed: a connection is pending (or the listener closed). */
    void connectionPending() {
        waiting = false;
        if (!open) {
            if (!armed) Fds.closeQuietly(socket.fd());
            return;
        }
        arm();
    }

    /**
     * Stops accepting. The fd is closed once no ACCEPT is outstanding: one prepared this turn
     * is submitted only at the next wait, and must not meet a closed (or reused) fd number.
     * The slot stays until the teardown, so a last ACCEPT completion finds this listener.
     */
    void close() {
        if (!open) return;
        open = false;
        if (armed) driver.cancel(token, UserData.ACCEPT);
        if (waiting) driver.cancel(token, UserData.LISTEN_WAIT);
        if (!armed && !waiting) Fds.closeQuietly(socket.fd());
    }

    /** At teardown, after the ring's last reap: whatever is still outstanding is gone with the ring. */
    void closeFd() {
        Fds.closeQuietly(socket.fd());
    }
}
