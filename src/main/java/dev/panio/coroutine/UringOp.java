package dev.panio.coroutine;

import dev.panio.io.FileDescriptor;
import java.lang.foreign.MemorySegment;

/**
 * One operation a thread hands to the {@link UringPoller} and waits for: what to submit,
 * and the result the poller writes back. A thread has at most one in flight, so each keeps
 * one and reuses it (no allocation per call). Fields before {@link #next} are written by the
 * waiting thread before the push that publishes them; {@link #result} is written by the poller
 * before the volatile {@link #done} that publishes it.
 */
final class UringOp {
    static final int READ = 0, WRITE = 1, RECV = 2, SEND = 3, POLL = 4;

    int kind;
    /** The descriptor the op uses: the poller cancels the op once it is closed (its number alone could name a newer fd). */
    FileDescriptor owner;
    int fd;
    MemorySegment buf;
    long offset;
    int events;
    Thread waiter;

    /** The next op pushed before this one (the poller's submission stack). */
    UringOp next;
    /** Whether the poller has submitted a cancel for it already (poller thread only). */
    boolean cancelSubmitted;

    /** The waiter gave up (interrupt, timeout, close): the poller cancels it, the waiter still waits for its completion. */
    volatile boolean cancel;
    int result;
    volatile boolean done;

    void prepare(int kind, FileDescriptor owner, int fd, MemorySegment buf, long offset, int events) {
        this.kind = kind;
        this.owner = owner;
        this.fd = fd;
        this.buf = buf;
        this.offset = offset;
        this.events = events;
        this.waiter = Thread.currentThread();
        this.cancel = false;
        this.cancelSubmitted = false;
        this.done = false;
    }
}
