package dev.panio.coroutine;

import dev.panio.internal.io.CloseHooks;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.uring.IoUring;
import dev.panio.uring.IoUringOptions;
import dev.panio.uring.Opcode;
import dev.panio.uring.Sqe;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The shared io_uring ring of {@link UringBlocking}, and the platform thread that alone
 * submits to it and reaps it. Waiting threads push their {@link UringOp} on a lock-free
 * stack and park; the poller takes the whole stack, prepares an SQE per op, submits them
 * with its wait ({@code io_uring_enter} once per batch), and unparks each op's thread with
 * its result. A push wakes the poller through an eventfd the ring is reading only when
 * the poller is asleep in the kernel; under load it finds the next batch when it comes back.
 *
 * <p>An op its thread gives up on (interrupt, timeout, close of its fd) is cancelled with
 * {@code IORING_OP_ASYNC_CANCEL}, and its thread still waits for its completion: until then
 * the kernel may write into its buffer.
 */
final class UringPoller {
    /** User data: ops are their slot + 1; these tag the poller's own. */
    private static final long WAKE = 1L << 40, CANCEL = 1L << 41;
    private static final int ECANCELED = Errno.ECANCELED.code();

    private static final Opcode[] NEEDED = {Opcode.READ, Opcode.WRITE, Opcode.RECV, Opcode.SEND, Opcode.POLL_ADD, Opcode.ASYNC_CANCEL};
    private static volatile UringPoller shared;
    private static final ReentrantLock STARTING = new ReentrantLock();

    private final IoUring ring;
    private final EventFd wakeFd;
    private final MemorySegment wakeBuf;
    final Thread thread;
    private final AtomicReference<UringOp> pushed = new AtomicReference<>();
    private volatile boolean sleeping;
    private volatile boolean cancelPending;
    // poller thread only
    private UringOp[] slots = new UringOp[256];
    private int[] free = new int[256];
    private int freeCount;
    private int used; // slots handed out at least once
    private boolean wakeRead; // the wake-up READ completed: submit another

    private UringPoller() throws ErrnoException {
        ring = IoUring.open(IoUringOptions.entries(256).withCqEntries(4096));
        try {
            Set<Opcode> ops = ring.supportedOps();
            for (Opcode needed : NEEDED) {
                if (!ops.contains(needed)) {
                    throw new UnsupportedOperationException("io_uring here lacks IORING_OP_" + needed + " (Linux " + needed.since()
                            + "), which UringBlocking needs");
                }
            }
            wakeFd = EventFd.open(0, false, false); // blocking: the ring's READ waits on it
            wakeBuf = ring.allocate(8);             // the ring's: never freed under the kernel
        } catch (ErrnoException | RuntimeException e) {
            ring.close();
            throw e;
        }
        thread = Thread.ofPlatform().name("panio-uring-poller").daemon(true).unstarted(this::run);
    }

    /**
     * The shared poller, started at first use.
     *
     * @throws dev.panio.uring.IoUringUnavailableException if the kernel gives no ring
     * @throws UnsupportedOperationException if its ring lacks an operation it needs
     */
    static UringPoller shared() throws ErrnoException {
        UringPoller p = shared;
        if (p != null) return p;
        STARTING.lock(); // parks a virtual thread, where class initialization would pin it
        try {
            if (shared == null) {
                UringPoller made = new UringPoller();
                CloseHooks.listen(fd -> made.closing());
                Warmup.run();
                made.thread.start();
                shared = made;
            }
            return shared;
        } finally {
            STARTING.unlock();
        }
    }

    /** Hands {@code op} to the poller (the caller then waits for {@code op.done}). */
    void push(UringOp op) {
        UringOp head;
        do {
            head = pushed.get();
            op.next = head;
        } while (!pushed.compareAndSet(head, op));
        wake();
    }

    /** The waiter gives up on {@code op}: cancel it (the waiter still waits for its completion). */
    void cancel(UringOp op) {
        op.cancel = true;
        cancelPending = true;
        wake();
    }

    /**
     * {@code FileDescriptor.close()} of an fd that calls hold: cancel the ops on it. The
     * descriptor is marked closed before this runs, and the poller looks at every op's
     * descriptor after it clears {@link #cancelPending} (and at each op it takes from the
     * stack before submitting it), so an op is found whether it was pushed before or after.
     * Not by fd number: a queued number could name a newer descriptor by the time it is read.
     */
    private void closing() {
        cancelPending = true;
        wake();
    }

    private void wake() {
        // Dekker with the poller: it sets sleeping, then looks at the stack; the pusher pushed,
        // then looks at sleeping (both volatile): one of them sees the other.
        if (sleeping) {
            sleeping = false;
            try {
                wakeFd.signal(1);
            } catch (ErrnoException e) {
                throw new IllegalStateException("waking the io_uring poller: " + e.getMessage(), e);
            }
        }
    }

    private void run() {
        try {
            armWake();
        } catch (ErrnoException | RuntimeException e) {
            report(e);
        }
        for (;;) {
            try {
                submitPushed();
                if (cancelPending) submitCancels();
                if (wakeRead) { // re-armed here, not in the handler, which must not wait for SQ room
                    wakeRead = false;
                    armWake();
                }
                sleeping = true;
                if (pushed.get() != null || cancelPending) {
                    sleeping = false;
                    continue;
                }
                ring.submitAndWait(1, -1);
                sleeping = false;
                ring.forEachCompletion(this::complete);
            } catch (ClosedException e) {
                return;
            } catch (ErrnoException | RuntimeException | Error e) {
                sleeping = false;
                report(e);
            }
        }
    }

    private void armWake() throws ErrnoException {
        nextSqe().read(wakeFd.fd().intValue(), wakeBuf, -1).userData(WAKE);
    }

    /** Prepares an SQE for every op pushed since the last look, oldest first. */
    private void submitPushed() throws ErrnoException {
        UringOp list = pushed.getAndSet(null), oldestFirst = null;
        while (list != null) { // the stack is newest first
            UringOp next = list.next;
            list.next = oldestFirst;
            oldestFirst = list;
            list = next;
        }
        for (UringOp op = oldestFirst; op != null; ) {
            UringOp next = op.next;
            op.next = null;
            if (op.cancel || !op.owner.isOpen()) {
                finish(op, -ECANCELED); // given up, or its fd closed, before it reached the kernel
            } else {
                int slot = take(op);
                try {
                    Sqe sqe = nextSqe();
                    switch (op.kind) {
                        case UringOp.READ -> sqe.read(op.fd, op.buf, op.offset);
                        case UringOp.WRITE -> sqe.write(op.fd, op.buf, op.offset);
                        case UringOp.RECV -> sqe.recv(op.fd, op.buf, 0);
                        case UringOp.SEND -> sqe.send(op.fd, op.buf, 0);
                        default -> sqe.pollAdd(op.fd, op.events, false);
                    }
                    sqe.userData(slot + 1L);
                } catch (ErrnoException | RuntimeException e) {
                    // the ring refused to take more (ErrnoException), or a check UringBlocking
                    // made before the push failed here after all: this op fails, the rest go on
                    slots[slot] = null;
                    free[freeCount++] = slot;
                    finish(op, e instanceof ErrnoException x ? -x.errno().code() : -Errno.EINVAL.code());
                    if (e instanceof RuntimeException) report(e);
                }
            }
            op = next;
        }
    }

    /** ASYNC_CANCEL for each op its thread gave up on, or whose fd is being closed. */
    private void submitCancels() throws ErrnoException {
        cancelPending = false; // before the looks below: a close or cancel after them sets it again
        for (int i = 0; i < used; i++) {
            UringOp op = slots[i];
            if (op != null && !op.cancelSubmitted && (op.cancel || !op.owner.isOpen())) {
                op.cancelSubmitted = true;
                nextSqe().cancel(i + 1L).userData(CANCEL | (i + 1L));
            }
        }
    }

    private void complete(long userData, int res, int flags) {
        if (userData == WAKE) {
            wakeRead = true;
            return;
        }
        if ((userData & CANCEL) != 0 || userData == 0) return; // a cancel's own result; the op completes on its own
        int slot = (int) userData - 1;
        UringOp op = slots[slot];
        slots[slot] = null;
        free[freeCount++] = slot;
        finish(op, res);
    }

    private static void finish(UringOp op, int res) {
        Thread waiter = op.waiter;
        op.result = res;
        op.done = true; // publishes result
        LockSupport.unpark(waiter);
    }

    private int take(UringOp op) {
        int slot;
        if (freeCount > 0) {
            slot = free[--freeCount];
        } else {
            if (used == slots.length) {
                slots = Arrays.copyOf(slots, used * 2);
                free = Arrays.copyOf(free, used * 2);
            }
            slot = used++;
        }
        slots[slot] = op;
        return slot;
    }

    /** A free SQE, submitting (and if need be reaping) to make room. */
    private Sqe nextSqe() throws ErrnoException {
        for (;;) {
            Sqe sqe = ring.sqe();
            if (sqe != null) return sqe;
            if (ring.submit() == 0) ring.forEachCompletion(this::complete); // EBUSY: the kernel wants completions reaped first
        }
    }

    /**
     * Every waiter depends on this thread: an unexpected error is reported and it goes on,
     * after a pause (a lasting error is not a busy loop).
     */
    private static void report(Throwable e) {
        System.getLogger(UringPoller.class.getName()).log(System.Logger.Level.ERROR, "io_uring poller: " + e, e);
        LockSupport.parkNanos(10_000_000L);
    }
}
