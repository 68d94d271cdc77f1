package dev.panio.internal.reactor.readiness;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.select.Select;
import java.util.Arrays;

/** {@link Poller} over select(2); only fds below FD_SETSIZE (1024) fit. */
final class SelectPoller implements Poller {
    private final Select select;
    private final long[] tokens = new long[Select.FD_SETSIZE];
    private final long[] readyTokens = new long[Select.FD_SETSIZE];
    private final int[] readyEvents = new int[Select.FD_SETSIZE];

    SelectPoller() throws ErrnoException {
        select = new Select();
    }

    /**
     * The sets an interest puts the fd in. Exceptional conditions (TCP urgent data) only with
     * reading: select reports unread urgent data on every call, so a connection whose reading
     * is suspended would make every wait return at once.
     */
    private static int ops(int interest) {
        int ops = 0;
        if ((interest & READ) != 0) ops |= Select.READ | Select.EXCEPT;
        if ((interest & WRITE) != 0) ops |= Select.WRITE;
        return ops;
    }

    @Override
    public void add(FileDescriptor fd, long token, int interest) throws ErrnoException {
        int ops = ops(interest);
        // No interest: out of every set until one comes back (select has no "registered, but
        // report nothing"; an error or hang-up is then seen at the next interest, as select
        // reports them only through the sets).
        if (ops == 0) {
            // refused as select.add would (PollingDriver refuses it before it gets here)
            if (fd.intValue() >= Select.FD_SETSIZE) {
                throw new ErrnoException("select", "fd >= FD_SETSIZE (" + Select.FD_SETSIZE + ")", fd.intValue(), Errno.EINVAL);
            }
            select.remove(fd);
        } else {
            select.add(fd, ops);
        }
        tokens[fd.intValue()] = token;
    }

    @Override
    public void modify(FileDescriptor fd, long token, int interest) throws ErrnoException {
        add(fd, token, interest);
    }

    @Override
    public void remove(FileDescriptor fd) {
        select.remove(fd);
    }

    @Override
    public int poll(long timeoutNanos, Ready handler) throws ErrnoException {
        if (select.select(Poller.millis(timeoutNanos)) == 0) return 0;
        int found = 0;
        for (int fd = select.nextReady(0); fd >= 0; fd = select.nextReady(fd + 1)) {
            int ops = select.readyOps(fd);
            int r = 0;
            if ((ops & Select.READ) != 0) r |= READ;
            if ((ops & Select.WRITE) != 0) r |= WRITE;
            if ((ops & Select.EXCEPT) != 0) r |= READ;
            readyTokens[found] = tokens[fd];
            readyEvents[found++] = r;
        }
        for (int i = 0; i < found; i++) handler.ready(readyTokens[i], readyEvents[i]);
        return found;
    }

    @Override
    public boolean edgeTriggered() {
        return false;
    }

    @Override
    public int maxFd() {
        return Select.FD_SETSIZE - 1;
    }

    @Override
    public void close() {
        Arrays.fill(tokens, 0);
        select.close();
    }
}
