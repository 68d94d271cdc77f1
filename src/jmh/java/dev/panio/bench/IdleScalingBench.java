package dev.panio.bench;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.ResourceLimits;
import dev.panio.poll.Poll;
import dev.panio.select.Select;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The seeds' multiplexing claim, measured: N idle fds and one active one; each round makes
 * the active fd readable, waits (timeout 0) and reads it. select and poll hand the kernel
 * every fd each time, epoll keeps the interest list in the kernel: their cost per round
 * grows with N, epoll's does not. (select stops below FD_SETSIZE, so its N goes to 1000.)
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IdleScalingBench {
    @Param({"10", "100", "1000", "10000"})
    public int idle;

    private final List<EventFd> fds = new ArrayList<>();
    private EventFd active;
    private Select select;
    private Poll poll;
    private Epoll epoll;

    @Setup(Level.Trial)
    public void setUp() throws ErrnoException {
        ResourceLimits.raiseOpenFilesToHard();
        for (int i = 0; i < idle; i++) fds.add(EventFd.open());
        active = EventFd.open();
        epoll = Epoll.open(16);
        poll = new Poll(idle + 1);
        if (idle < 1000 || active.fd().intValue() < Select.FD_SETSIZE) select = new Select();
        for (EventFd e : fds) {
            poll.add(e.fd(), Poll.POLLIN, 0);
            epoll.add(e.fd(), Interest.READ, 0);
            if (select != null && e.fd().intValue() < Select.FD_SETSIZE) select.add(e.fd(), Select.READ);
        }
        poll.add(active.fd(), Poll.POLLIN, 1);
        epoll.add(active.fd(), Interest.READ, 1);
        if (select != null && active.fd().intValue() < Select.FD_SETSIZE) select.add(active.fd(), Select.READ);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws ErrnoException {
        epoll.close();
        poll.close();
        if (select != null) select.close();
        for (EventFd e : fds) e.close();
        active.close();
    }

    @Benchmark
    public long epollRound() throws ErrnoException {
        active.signal(1);
        int n = epoll.epollWait(0);
        return n + active.drain();
    }

    @Benchmark
    public long pollRound() throws ErrnoException {
        active.signal(1);
        int n = poll.poll(0);
        return n + active.drain();
    }

    @Benchmark
    public long selectRound() throws ErrnoException {
        if (select == null) throw new IllegalStateException("select cannot watch " + idle + " fds (FD_SETSIZE is 1024)");
        active.signal(1);
        int n = select.select(0);
        return n + active.drain();
    }
}
