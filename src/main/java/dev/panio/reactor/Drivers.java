package dev.panio.reactor;

/** Picks the driver (and poller) of a backend: the one place that maps models to code. */
final class Drivers {
    private Drivers() {}

    static Driver create(Backend backend, EventLoop loop) {
        return switch (backend) {
            case SELECT -> new PollingDriver(loop, SelectPoller::new);
            case POLL -> new PollingDriver(loop, PollPoller::new);
            case EPOLL -> new PollingDriver(loop, () -> new EpollPoller(false));
            case EPOLL_ET -> new PollingDriver(loop, () -> new EpollPoller(true));
            case IO_URING -> new UringDriver(loop);
            case BLOCKING -> new ThreadDriver(loop, false);
            case VIRTUAL -> new ThreadDriver(loop, true);
            case SIGNAL -> new PollingDriver(loop, SignalPoller::new);
            case AUTO -> throw new IllegalArgumentException("AUTO is resolved by the group");
        };
    }
}
