package dev.panio.internal.reactor.readiness;

import dev.panio.epoll.Epoll;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;

/** {@link Poller} over epoll, level- or edge-triggered. */
final class EpollPoller implements Poller {
    private final Epoll epoll;
    private final boolean edge;

    EpollPoller(boolean edge) throws ErrnoException {
        this.epoll = Epoll.open(512);
        this.edge = edge;
    }

    private int bits(int interest) {
        int b = 0;
        // RDHUP only with read interest: level-triggered, a peer's FIN stays "ready", and a
        // half-closed connection kept open (or one not reading) would make every wait return.
        if ((interest & READ) != 0) b |= Epoll.EPOLLIN | Epoll.EPOLLRDHUP;
        // Edge-triggered reads stop at a short read, which urgent data makes without the queue
        // being empty: its edge tells the connection to drain to EAGAIN from then on. (Not
        // level-triggered: unread urgent data would make every wait return.)
        if ((interest & READ) != 0 && edge) b |= Epoll.EPOLLPRI;
        if ((interest & WRITE) != 0) b |= Epoll.EPOLLOUT;
        if (edge) b |= Epoll.EPOLLET;
        return b;
    }

    @Override
    public void add(FileDescriptor fd, long token, int interest) throws ErrnoException {
        epoll.add(fd, bits(interest), token);
    }

    @Override
    public void modify(FileDescriptor fd, long token, int interest) throws ErrnoException {
        epoll.modify(fd, bits(interest), token);
    }

    @Override
    public void remove(FileDescriptor fd) throws ErrnoException {
        epoll.delete(fd);
    }

    @Override
    public int poll(long timeoutNanos, Ready handler) throws ErrnoException {
        int n = epoll.epollWait(Poller.millis(timeoutNanos));
        for (int i = 0; i < n; i++) {
            int ev = epoll.events(i);
            int r = 0;
            if ((ev & (Epoll.EPOLLIN | Epoll.EPOLLRDHUP)) != 0) r |= READ;
            if ((ev & Epoll.EPOLLRDHUP) != 0) r |= PEER_SHUT;
            if ((ev & Epoll.EPOLLPRI) != 0) r |= READ | URGENT;
            if ((ev & Epoll.EPOLLOUT) != 0) r |= WRITE;
            if ((ev & (Epoll.EPOLLERR | Epoll.EPOLLHUP)) != 0) r |= ERROR;
            handler.ready(epoll.data(i), r);
        }
        return n;
    }

    @Override
    public boolean edgeTriggered() {
        return edge;
    }

    @Override
    public boolean shortReadDrains() {
        return edge;
    }

    @Override
    public int maxFd() {
        return Integer.MAX_VALUE;
    }

    @Override
    public void close() {
        epoll.close();
    }
}
