package dev.panio.internal.reactor.threads;

import dev.panio.epoll.Epoll;
import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.Loop;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import java.util.concurrent.Semaphore;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * A {@link Driver#watch} for the thread models, whose loop thread does not wait on fds: a
 * thread of the model's kind waits for the fd (a platform thread in {@code poll(2)}, with an
 * eventfd to wake it; a virtual thread parked on the {@link VirtualPoller}), then hands the
 * readiness to the loop thread and waits until the callback has run there before it waits
 * again, so the callee sees one call at a time and on the loop thread, as on the other models.
 */
final class ThreadWatch implements Driver.Watch {
    private final Loop loop;
    private final ThreadDriver driver;
    private final FileDescriptor fd;
    private final IntConsumer ready;
    private final VirtualPoller.Waiter waiter; // virtual threads
    private final EventFd wake;                // platform threads
    final Thread thread; // package-private for ThreadWatchTest
    private volatile int interest;
    private volatile boolean cancelled;

    ThreadWatch(ThreadDriver driver, FileDescriptor fd, int interest, IntConsumer ready) throws ErrnoException {
        this.loop = driver.loop;
        this.fd = fd;
        this.ready = ready;
        this.interest = interest;
        this.waiter = driver.virtual ? driver.readPoller.waiter(fd) : null;
        this.wake = driver.virtual ? null : EventFd.open(0, true, false);
        this.driver = driver;
        this.thread = driver.threads(loop + "-watch-" + fd.intValue()).unstarted(this::run);
        driver.watches.add(this);
        thread.start();
    }

    private void run() {
        Semaphore done = new Semaphore(0);
        try (Poll poll = wake == null ? null : new Poll(2)) {
            if (poll != null) {
                poll.add(fd, (short) 0, 0);
                poll.add(wake.fd(), Poll.POLLIN, 1);
            }
            while (!cancelled && fd.isOpen()) {
                int want = interest;
                if (want == 0) {
                    if (poll == null) LockSupport.park(this);
                    else awaitPlatform(poll, 0);
                    continue;
                }
                int bits = poll == null ? awaitVirtual(want) : awaitPlatform(poll, want);
                if (bits == 0 || cancelled) continue;
                boolean handed = loop.offer(() -> {
                    try {
                        if (!cancelled) ready.accept(bits);
                    } finally {
                        done.release();
                    }
                });
                if (!handed) return; // the loop has ended
                done.acquireUninterruptibly();
            }
        } catch (ErrnoException | RuntimeException e) {
            // the fd was closed under the wait, or the loop is ending: the callee learns from its own calls
            if (!cancelled) loop.offer(() -> {
                if (!cancelled) ready.accept(Driver.READABLE | Driver.WRITABLE);
            });
        } finally {
            driver.watches.remove(this);
            if (wake != null) {
                try {
                    wake.close();
                } catch (ErrnoException ignored) {
                    // nothing to do
                }
            }
        }
    }

    private int awaitVirtual(int want) throws ErrnoException {
        int events = ((want & Driver.READABLE) != 0 ? Epoll.EPOLLIN : 0) | ((want & Driver.WRITABLE) != 0 ? Epoll.EPOLLOUT : 0);
        waiter.await(events, -1);
        return want; // the poller does not say which: the callee's calls find out
    }

    private int awaitPlatform(Poll poll, int want) throws ErrnoException {
        short events = (short) (((want & Driver.READABLE) != 0 ? Poll.POLLIN : 0) | ((want & Driver.WRITABLE) != 0 ? Poll.POLLOUT : 0));
        poll.modify(0, events);
        if (poll.poll(-1) <= 0) return 0;
        if (poll.revents(1) != 0) wake.drain();
        short r = poll.revents(0);
        if ((r & (Poll.POLLERR | Poll.POLLHUP | Poll.POLLNVAL)) != 0) return Driver.READABLE | Driver.WRITABLE;
        return ((r & Poll.POLLIN) != 0 ? Driver.READABLE : 0) | ((r & Poll.POLLOUT) != 0 ? Driver.WRITABLE : 0);
    }

    private void nudge() {
        if (wake != null) {
            try {
                wake.signal(1);
            } catch (ErrnoException | ClosedException ignored) {
                // closed: the thread has ended (it closes its eventfd on the way out)
            }
        } else {
            waiter.wake();
            LockSupport.unpark(thread);
        }
    }

    @Override
    public void interest(int interest) {
        if (this.interest == interest) return;
        this.interest = interest;
        nudge();
    }

    @Override
    public void cancel() {
        cancelled = true;
        nudge();
    }
}
