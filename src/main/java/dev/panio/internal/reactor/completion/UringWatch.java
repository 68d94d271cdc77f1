package dev.panio.internal.reactor.completion;

import dev.panio.internal.reactor.Driver;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import dev.panio.uring.Sqe;
import java.util.function.IntConsumer;

/**
 * A {@link Driver#watch} on the ring: one single-shot {@code POLL_ADD} at a time for the
 * current interest, armed again after each completion while there is interest. A POLL_ADD on
 * an fd that is ready completes at once, so this reports readiness as long as it lasts, like
 * a level-triggered poller. An interest change while one is armed cancels it; its
 * completion arms the next with the new interest. Loop thread only.
 */
final class UringWatch implements Driver.Watch {
    private final UringDriver driver;
    private final FileDescriptor fd;
    private final IntConsumer ready;
    private final long token;
    private int interest;
    private int armedWith; // the events of the POLL_ADD in flight, 0 if none
    private boolean cancelled;

    UringWatch(UringDriver driver, FileDescriptor fd, int interest, IntConsumer ready) {
        this.driver = driver;
        this.fd = fd;
        this.ready = ready;
        this.interest = interest;
        this.token = driver.owners.add(this);
        arm();
    }

    private static int events(int interest) {
        return ((interest & Driver.READABLE) != 0 ? Poll.POLLIN : 0) | ((interest & Driver.WRITABLE) != 0 ? Poll.POLLOUT : 0);
    }

    private void arm() {
        if (cancelled || armedWith != 0 || interest == 0 || !fd.isOpen()) return;
        Sqe s = driver.sqe(this::arm);
        if (s == null) return;
        armedWith = events(interest);
        s.pollAdd(fd.intValue(), armedWith, false).userData(UserData.of(token, UserData.WATCH));
    }

    /** The POLL_ADD completed with {@code res}: the ready events, or {@code -errno}. */
    void completed(int res) {
        armedWith = 0;
        if (cancelled) return;
        int bits;
        if (res == -dev.panio.io.Errno.ECANCELED.code()) {
            bits = 0; // cancelled for an interest change: just arm again
        } else if (res < 0 || (res & (Poll.POLLERR | Poll.POLLHUP | Poll.POLLNVAL)) != 0) {
            bits = Driver.READABLE | Driver.WRITABLE; // an error: the callee meets it in its own calls
        } else {
            bits = (((res & Poll.POLLIN) != 0 ? Driver.READABLE : 0) | ((res & Poll.POLLOUT) != 0 ? Driver.WRITABLE : 0)) & interest;
        }
        if (bits != 0) ready.accept(bits);
        arm();
    }

    @Override
    public void interest(int interest) {
        if (cancelled || interest == this.interest) return;
        this.interest = interest;
        if (armedWith == 0) arm();
        else if (armedWith != events(interest)) driver.cancel(token, UserData.WATCH); // its completion re-arms
    }

    @Override
    public void cancel() {
        if (cancelled) return;
        cancelled = true;
        if (armedWith != 0) driver.cancel(token, UserData.WATCH);
        driver.owners.remove(token); // a late completion finds no owner and is dropped
    }
}
