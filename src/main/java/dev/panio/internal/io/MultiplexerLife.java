package dev.panio.internal.io;

import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;

/**
 * The lifecycle {@code Select}, {@code Poll} and {@code Epoll} share: a {@link UseCount}, the
 * arena their off-heap arrays live in, an eventfd that only {@link #close()} signals (each
 * multiplexer watches it, so a close wakes a thread in its wait), and for epoll its own fd.
 * Whoever brings the use count to "closed, idle" frees all of it, once: {@code close()} when
 * nothing is in flight, else the last call's {@link #release()}.
 */
public final class MultiplexerLife {
    private final UseCount uses = new UseCount();
    private final Arena arena;
    private final FileDescriptor own;
    private final EventFd wake;

    /**
     * @param arena the owner's arena, closed when the owner is freed
     * @param own   an fd the owner holds (epoll's), closed with it; or null
     * @throws ErrnoException if the eventfd cannot be had; {@code arena} and {@code own} are closed then
     */
    public MultiplexerLife(Arena arena, FileDescriptor own) throws ErrnoException {
        this.arena = arena;
        this.own = own;
        EventFd w;
        try {
            w = EventFd.open();
        } catch (ErrnoException | RuntimeException e) {
            arena.close();
            if (own != null) closeQuietly(own);
            throw e;
        }
        this.wake = w;
    }

    /** The eventfd the owner must watch for readability in every wait. */
    public FileDescriptor wakeFd() {
        return wake.fd();
    }

    /** Marks a call in flight; {@link dev.panio.io.ClosedException} naming {@code call} and {@code owner} if closed. */
    public void acquire(Object owner, String call) {
        uses.acquire(owner, call);
    }

    /** Ends a call; the last one after a close frees everything. */
    public void release() {
        if (uses.release()) free();
    }

    public boolean isClosed() {
        return uses.isClosed();
    }

    public void ensureOpen(Object owner, String call) {
        uses.ensureOpen(owner, call);
    }

    /** See {@link UseCount#closedIfClosed}. */
    public RuntimeException closedIfClosed(IllegalStateException e, Object owner, String call) {
        return uses.closedIfClosed(e, owner, call);
    }

    /** Idempotent, any thread: frees now if idle, else wakes the call in flight, whose release frees. */
    public void close() {
        int inFlight = uses.close();
        if (inFlight < 0) return;
        if (inFlight == 0) free();
        else CloseWake.signal(wake);
    }

    private void free() {
        if (own != null) closeQuietly(own);
        closeQuietly(wake.fd());
        arena.close();
    }

    private static void closeQuietly(FileDescriptor fd) {
        try {
            fd.close();
        } catch (ErrnoException ignored) {
            // close(2) released the number anyway
        }
    }
}
