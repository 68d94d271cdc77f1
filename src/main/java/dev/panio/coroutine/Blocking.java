package dev.panio.coroutine;

import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.TimerFd;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;

/**
 * Straight-line blocking I/O for virtual threads over panio's non-blocking fds: each call
 * tries the non-blocking system call, and on {@code EAGAIN} waits with
 * {@link Readiness#await} and tries again. A virtual thread therefore parks where a classic
 * blocking call would block, and its carrier thread runs other virtual threads meanwhile: no
 * carrier is ever held in a system call (no pinning). On a platform thread the same calls
 * block in {@code poll(2)}.
 *
 * <p>The fds must be non-blocking ({@code O_NONBLOCK}), as panio opens its sockets, pipes
 * ({@code Pipe.open(true)}), eventfds and timerfds by default: on a blocking fd the first
 * call would block in the kernel, holding its carrier, so a virtual thread's call refuses a
 * blocking fd with {@link IllegalArgumentException} (checked once per descriptor).
 * {@link FileDescriptor#setNonBlocking} switches one that is not.
 *
 * <p>Ending a call early: an interrupt ends it with {@link InterruptedIOException} (whose
 * {@code bytesTransferred} says what a partial write or read had moved), leaving the
 * interrupt status set and the fd open; a close from another thread ends it with
 * {@link ClosedException}; errors are {@link ErrnoException}s naming the call and the fd.
 * The socket calls that take a timeout end with {@link SocketTimeoutException} when a wait
 * outlasts it, leaving the interrupt status alone (it is an {@code InterruptedIOException}
 * too, as in {@code java.net}: catch it first).
 *
 * <p>Threads: any; the memory handed to a call need only be valid for the call. Prefer
 * off-heap memory on virtual threads: heap memory is staged through a 64 KiB off-heap buffer
 * per thread, and with a virtual thread per connection that is a buffer per connection.
 *
 * <p>Each call spells out its try-wait-retry loop: one helper taking the call as a lambda
 * would allocate a capture per call on the hottest path.
 */
public final class Blocking {
    private Blocking() {}

    /**
     * Reads at least one byte into {@code dst}, waiting for some to arrive.
     *
     * @param fd  a non-blocking descriptor
     * @param dst where the bytes go
     * @return bytes read, or {@link FileDescriptor#EOF}; 0 only for an empty {@code dst}
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long read(FileDescriptor fd, MemorySegment dst) throws IOException {
        NonBlockingCheck.require(fd, "read");
        for (;;) {
            long n = fd.read(dst);
            if (n != FileDescriptor.WOULD_BLOCK) return n;
            await(fd, Readiness.IN, "read", 0);
        }
    }

    /**
     * {@link #read(FileDescriptor, MemorySegment)} on a socket ({@code recv}; a message on a datagram or seqpacket socket).
     *
     * @param socket a non-blocking socket
     * @param dst    where the bytes go
     * @return bytes read (0 for an empty datagram), or {@link FileDescriptor#EOF}
     * @throws ErrnoException {@code EMSGSIZE} for a message longer than {@code dst}, as {@link Socket#read(MemorySegment)}
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long read(Socket socket, MemorySegment dst) throws IOException {
        return read(socket, dst, -1);
    }

    /**
     * {@link #read(Socket, MemorySegment)}, waiting at most {@code timeoutNanos} for data
     * (negative: no limit; 0: only what is there now).
     *
     * @param socket       a non-blocking socket
     * @param dst          where the bytes go
     * @param timeoutNanos the longest wait, negative for none
     * @return bytes read (0 for an empty datagram), or {@link FileDescriptor#EOF}
     * @throws SocketTimeoutException if nothing came in time; nothing was read, and the socket
     *         can be read again
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long read(Socket socket, MemorySegment dst, long timeoutNanos) throws IOException {
        NonBlockingCheck.require(socket.fd(), "read");
        for (;;) {
            long n = socket.read(dst);
            if (n != FileDescriptor.WOULD_BLOCK) return n;
            await(socket.fd(), Readiness.IN, "read", 0, timeoutNanos);
        }
    }

    /**
     * Fills {@code dst} whole, waiting as needed.
     *
     * @param fd  a non-blocking descriptor
     * @param dst the bytes to fill, all of them
     * @throws EOFException if the stream ends first (saying how many bytes came)
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static void readFully(FileDescriptor fd, MemorySegment dst) throws IOException {
        NonBlockingCheck.require(fd, "read");
        long at = 0, size = dst.byteSize();
        while (at < size) {
            long n = fd.read(dst.asSlice(at));
            if (n == FileDescriptor.WOULD_BLOCK) {
                await(fd, Readiness.IN, "read", at);
            } else if (n == FileDescriptor.EOF) {
                throw new EOFException("read(fd=" + fd.intValue() + "): end of stream after " + at + " of " + size + " bytes");
            } else {
                at += n;
            }
        }
    }

    /**
     * Writes all of {@code src}, waiting for room as needed; returns its size.
     *
     * @param fd  a non-blocking descriptor
     * @param src the bytes
     * @return {@code src}'s size
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long write(FileDescriptor fd, MemorySegment src) throws IOException {
        NonBlockingCheck.require(fd, "write");
        long at = 0, size = src.byteSize();
        while (at < size) {
            long n = fd.write(src.asSlice(at));
            if (n == FileDescriptor.WOULD_BLOCK) await(fd, Readiness.OUT, "write", at);
            else at += n;
        }
        return size;
    }

    /**
     * Writes all of {@code src} to a stream socket (or, on a message socket, sends it as one
     * message), waiting for room as needed; returns its size.
     *
     * @param socket a non-blocking socket
     * @param src    the bytes
     * @return {@code src}'s size
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long write(Socket socket, MemorySegment src) throws IOException {
        return write(socket, src, -1);
    }

    /**
     * {@link #write(Socket, MemorySegment)}, each wait for room lasting at most
     * {@code timeoutNanos} (negative: no limit): a peer that keeps reading, however slowly,
     * is served; one that stops for that long is not.
     *
     * @param socket       a non-blocking socket
     * @param src          the bytes
     * @param timeoutNanos the longest wait for room, negative for none
     * @return {@code src}'s size
     * @throws SocketTimeoutException if no room came in time; its {@code bytesTransferred}
     *         says how much of {@code src} was written
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long write(Socket socket, MemorySegment src, long timeoutNanos) throws IOException {
        NonBlockingCheck.require(socket.fd(), "write");
        long at = 0, size = src.byteSize();
        do {
            long n = socket.write(src, at, size - at);
            if (n == FileDescriptor.WOULD_BLOCK) await(socket.fd(), Readiness.OUT, "write", at, timeoutNanos);
            else at += n;
        } while (at < size);
        return size;
    }

    /**
     * Sends {@code count} bytes of {@code file} from {@code offset} ({@code sendfile}: no copy
     * through user space), each wait for room lasting at most {@code timeoutNanos} (negative:
     * no limit).
     *
     * @param socket       a non-blocking stream socket
     * @param file         a regular file or memfd; its own offset does not move
     * @param offset       where in the file to start
     * @param count        how many bytes to send
     * @param timeoutNanos the longest wait for room, negative for none
     * @throws EOFException if the file ends first (it shrank), saying how many bytes were sent
     * @throws SocketTimeoutException if no room came in time ({@code bytesTransferred}: bytes sent)
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static void sendFile(Socket socket, FileDescriptor file, long offset, long count, long timeoutNanos) throws IOException {
        NonBlockingCheck.require(socket.fd(), "sendfile");
        long sent = 0;
        while (sent < count) {
            long n = socket.sendFile(file, offset + sent, count - sent);
            if (n == FileDescriptor.WOULD_BLOCK) {
                await(socket.fd(), Readiness.OUT, "sendfile", sent, timeoutNanos);
            } else if (n == 0) {
                throw new EOFException("sendfile(fd=" + socket.fd().intValue() + "): the file ended after " + sent + " of " + count + " bytes");
            } else {
                sent += n;
            }
        }
    }

    /**
     * Accepts a connection (non-blocking, like its listener), waiting for one to come.
     *
     * @param listener a non-blocking listening socket
     * @return the connection, owned by the caller
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static Socket accept(Socket listener) throws IOException {
        NonBlockingCheck.require(listener.fd(), "accept");
        for (;;) {
            Socket s = listener.accept(true);
            if (s != null) return s;
            await(listener.fd(), Readiness.IN, "accept", 0);
        }
    }

    /**
     * Connects {@code socket} to {@code address}, waiting up to {@code timeoutMillis} (0: the
     * kernel's own limit).
     *
     * @param socket        a non-blocking, unconnected socket
     * @param address       the peer, of the socket's family
     * @param timeoutMillis the limit, 0 for the kernel's own
     * @throws ErrnoException {@code ETIMEDOUT} once the time is up (the socket is then of no
     *         further use: close it), or the connect's own error, e.g. {@code ECONNREFUSED}
     * @throws InterruptedIOException if the thread is interrupted while waiting
     * @throws IOException as above
     * @throws IllegalArgumentException if {@code timeoutMillis} is negative, on a virtual
     *         thread if the socket is blocking, or for an address of the wrong family
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static void connect(Socket socket, SocketAddress address, long timeoutMillis) throws IOException {
        if (timeoutMillis < 0) throw new IllegalArgumentException("connect(fd=" + socket.fd().intValue() + "): negative timeout " + timeoutMillis);
        NonBlockingCheck.require(socket.fd(), "connect");
        if (timeoutMillis >= Long.MAX_VALUE / 4_000_000L) timeoutMillis = 0; // past any deadline nanoTime can hold: the kernel's limit
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        for (;;) {
            boolean done;
            try {
                done = socket.connect(address);
            } catch (ErrnoException e) {
                // a Unix listener with a full backlog: nothing to wait on but time
                if (e.errno() != Errno.EAGAIN) throw e;
                if (timeoutMillis > 0 && System.nanoTime() - deadline >= 0) throw timedOut(socket, timeoutMillis);
                sleep(socket.fd(), 1);
                continue;
            }
            if (done) return;
            break;
        }
        for (;;) {
            long left = timeoutMillis == 0 ? -1 : deadline - System.nanoTime();
            if (timeoutMillis > 0 && left <= 0) throw timedOut(socket, timeoutMillis);
            boolean woken;
            try {
                woken = Readiness.await(socket.fd(), Readiness.OUT, left);
            } catch (InterruptedException e) {
                throw interrupted(socket.fd(), "connect", 0);
            }
            if (!woken) continue; // the deadline check above ends it
            socket.finishConnect(); // throws the connect's error
            try {
                socket.remoteAddress();
                return;
            } catch (ErrnoException e) {
                if (e.errno() != Errno.ENOTCONN) throw e; // else not yet: a spurious wake-up
            }
        }
    }

    /**
     * Receives one message with what {@code info} reports of it (sender, passed descriptors,
     * truncation), waiting for one to come; see {@link Socket#receiveFrom}.
     *
     * @param socket a non-blocking socket
     * @param dst    where the bytes go
     * @param info   where the rest of the message is described
     * @return as {@link Socket#receiveFrom}, never {@link FileDescriptor#WOULD_BLOCK}
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long receiveFrom(Socket socket, MemorySegment dst, MessageInfo info) throws IOException {
        NonBlockingCheck.require(socket.fd(), "recvmsg");
        for (;;) {
            long n = socket.receiveFrom(dst, info);
            if (n != FileDescriptor.WOULD_BLOCK) return n;
            await(socket.fd(), Readiness.IN, "recvmsg", 0);
        }
    }

    /**
     * Sends {@code src} with {@code fds} attached over a Unix socket, waiting for room; on a
     * stream socket the rest of a partly sent {@code src} follows (the fds went with its first
     * byte). Returns the bytes sent: all of {@code src}.
     *
     * @param socket a non-blocking Unix socket
     * @param src    the bytes the descriptors travel with
     * @param fds    the descriptors; they stay the caller's
     * @return {@code src}'s size
     * @throws IllegalArgumentException as {@link Socket#sendWithFds}
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long sendWithFds(Socket socket, MemorySegment src, FileDescriptor... fds) throws IOException {
        NonBlockingCheck.require(socket.fd(), "sendmsg");
        for (;;) {
            long n = socket.sendWithFds(src, fds);
            if (n == FileDescriptor.WOULD_BLOCK) {
                await(socket.fd(), Readiness.OUT, "sendmsg", 0);
                continue;
            }
            if (n < src.byteSize()) write(socket, src.asSlice(n));
            return src.byteSize();
        }
    }

    /**
     * Takes the eventfd's counter (or 1, in semaphore mode), waiting until it is not 0.
     *
     * @param eventFd a non-blocking eventfd
     * @return the counter's value, at least 1
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long drain(EventFd eventFd) throws IOException {
        NonBlockingCheck.require(eventFd.fd(), "read");
        for (;;) {
            long v = eventFd.drain();
            if (v != 0) return v;
            await(eventFd.fd(), Readiness.IN, "read", 0);
        }
    }

    /**
     * The timer's expirations since the last read, waiting for at least one.
     *
     * @param timer the timer; a disarmed one waits until an interrupt or a close
     * @return the expirations, at least 1
     * @throws IOException an {@link ErrnoException} from the call, or an
     *         {@link InterruptedIOException} if the thread is interrupted while waiting
     * @throws IllegalArgumentException on a virtual thread, if the fd is blocking
     * @throws ClosedException if the fd is closed before or during the call
     */
    public static long expirations(TimerFd timer) throws IOException {
        NonBlockingCheck.require(timer.fd(), "read");
        for (;;) {
            long v = timer.expirations();
            if (v != 0) return v;
            await(timer.fd(), Readiness.IN, "read", 0);
        }
    }

    private static void await(FileDescriptor fd, int events, String call, long transferred) throws IOException {
        await(fd, events, call, transferred, -1);
    }

    private static void await(FileDescriptor fd, int events, String call, long transferred, long timeoutNanos) throws IOException {
        boolean woken;
        try {
            woken = Readiness.await(fd, events, timeoutNanos);
        } catch (InterruptedException e) {
            throw interrupted(fd, call, transferred);
        }
        if (!woken) {
            SocketTimeoutException e = new SocketTimeoutException(call + "(fd=" + fd.intValue() + "): not ready within "
                    + timeoutNanos / 1_000_000 + " ms" + (transferred > 0 ? ", after " + transferred + " bytes" : ""));
            e.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, transferred);
            throw e;
        }
    }

    private static void sleep(FileDescriptor fd, long millis) throws InterruptedIOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            throw interrupted(fd, "connect", 0);
        }
    }

    private static InterruptedIOException interrupted(FileDescriptor fd, String call, long transferred) {
        Thread.currentThread().interrupt(); // the status stays set, as for the JDK's interruptible I/O
        InterruptedIOException e = new InterruptedIOException(call + "(fd=" + fd.intValue() + ") interrupted"
                + (transferred > 0 ? " after " + transferred + " bytes" : ""));
        e.bytesTransferred = (int) Math.min(Integer.MAX_VALUE, transferred);
        return e;
    }

    private static ErrnoException timedOut(Socket socket, long timeoutMillis) {
        return new ErrnoException("connect", "timed out after " + timeoutMillis + " ms", socket.fd().intValue(), Errno.ETIMEDOUT);
    }
}
