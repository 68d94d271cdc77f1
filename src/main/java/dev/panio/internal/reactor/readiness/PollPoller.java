package dev.panio.internal.reactor.readiness;

import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.poll.Poll;
import java.util.Arrays;

/** {@link Poller} over poll(2): an fd-to-index table keeps add/modify/remove O(1). */
final class PollPoller implements Poller {
    private final Poll poll;
    private int[] indexOfFd = new int[1024];

    PollPoller() throws ErrnoException {
        poll = new Poll(64);
        Arrays.fill(indexOfFd, -1);
    }

    private static short bits(int interest) {
        short b = 0;
        // RDHUP only with read interest: a peer's FIN stays "ready" (see EpollPoller)
        if ((interest & READ) != 0) b |= Poll.POLLIN | Poll.POLLRDHUP;
        if ((interest & WRITE) != 0) b |= Poll.POLLOUT;
        return b;
    }

    @Override
    public void add(FileDescriptor fd, long token, int interest) {
        int n = fd.intValue();
        if (n >= indexOfFd.length) {
            int old = indexOfFd.length;
            indexOfFd = Arrays.copyOf(indexOfFd, Math.max(n + 1, old * 2));
            Arrays.fill(indexOfFd, old, indexOfFd.length, -1);
        }
        indexOfFd[n] = poll.add(fd, bits(interest), token);
    }

    @Override
    public void modify(FileDescriptor fd, long token, int interest) {
        int i = indexOfFd[fd.intValue()];
        if (poll.data(i) != token) throw new IllegalStateException("poll entry of fd " + fd.intValue() + " has another token");
        poll.modify(i, bits(interest));
    }

    @Override
    public void remove(FileDescriptor fd) {
        int n = fd.intValue();
        int i = indexOfFd[n];
        if (i < 0) return;
        indexOfFd[n] = -1;
        int moved = poll.remove(i);
        if (moved >= 0) indexOfFd[poll.descriptor(i).intValue()] = i;
    }

    @Override
    public int poll(long timeoutNanos, Ready handler) throws ErrnoException {
        int n = poll.poll(Poller.millis(timeoutNanos));
        if (n == 0) return 0;
        // Collect first: handlers may add and remove entries, which moves them.
        int found = 0;
        int size = poll.size();
        for (int i = 0; i < size && found < n; i++) {
            short re = poll.revents(i);
            if (re == 0) continue;
            scratchTokens = ensure(scratchTokens, found);
            scratchEvents = ensure(scratchEvents, found);
            int r = 0;
            if ((re & (Poll.POLLIN | Poll.POLLRDHUP)) != 0) r |= READ;
            if ((re & Poll.POLLOUT) != 0) r |= WRITE;
            if ((re & (Poll.POLLERR | Poll.POLLHUP | Poll.POLLNVAL)) != 0) r |= ERROR;
            scratchTokens[found] = poll.data(i);
            scratchEvents[found++] = r;
        }
        for (int i = 0; i < found; i++) handler.ready(scratchTokens[i], (int) scratchEvents[i]);
        return found;
    }

    private long[] scratchTokens = new long[64];
    private long[] scratchEvents = new long[64];

    private static long[] ensure(long[] a, int index) {
        return index < a.length ? a : Arrays.copyOf(a, a.length * 2);
    }

    @Override
    public boolean edgeTriggered() {
        return false;
    }

    @Override
    public int maxFd() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void close() {
        poll.close();
    }
}
