package dev.panio.demo;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.io.ResourceLimits;
import dev.panio.poll.Poll;
import dev.panio.select.Select;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;

/**
 * A short run through the Linux I/O models on real file descriptors, printing what the
 * kernel answered at each step: blocking read, non-blocking read and EAGAIN, select and
 * its FD_SETSIZE wall, poll and epoll over many fds, and level- versus edge-triggered
 * epoll. Every number printed comes from a call made just then.
 */
public final class IoModelsTour {
    private IoModelsTour() {}

    /**
     * Runs the tour.
     *
     * @param args optionally the number of fds the poll-versus-epoll step watches (2000)
     * @throws Exception if a step fails
     */
    public static void main(String[] args) throws Exception {
        int watched = args.length > 0 ? Integer.parseInt(args[0]) : 2_000;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(4096);
            blocking(buf);
            nonBlocking(buf);
            selectLimit();
            manyFds(watched);
            triggers(arena);
        }
    }

    private static void blocking(MemorySegment buf) throws Exception {
        System.out.println("== 1. Blocking I/O: read(2) parks the thread until data arrives");
        try (Pipe p = Pipe.open(false)) {
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    Thread.sleep(200);
                    p.sink().write(MemorySegment.ofArray("ping".getBytes()));
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            });
            long t0 = System.nanoTime();
            long n = p.source().read(buf);
            System.out.printf("   read returned %d bytes after %d ms (the writer slept 200 ms)%n", n, (System.nanoTime() - t0) / 1_000_000);
            writer.join();
        }
    }

    private static void nonBlocking(MemorySegment buf) throws Exception {
        System.out.println("== 2. Non-blocking I/O: O_NONBLOCK turns the wait into EAGAIN");
        try (Pipe p = Pipe.open(true)) {
            long n = p.source().read(buf);
            System.out.printf("   read on an empty pipe: %s%n", n == FileDescriptor.WOULD_BLOCK ? "WOULD_BLOCK (EAGAIN), no exception" : n);
            p.sink().write(MemorySegment.ofArray(new byte[10]));
            System.out.printf("   after a 10-byte write: read returned %d%n", p.source().read(buf));
        }
    }

    private static void selectLimit() throws Exception {
        System.out.println("== 3. select(2): a 1024-bit fd_set, so fds >= FD_SETSIZE cannot be watched");
        ResourceLimits.Limit original = ResourceLimits.openFiles();
        ResourceLimits.raiseOpenFilesToHard();
        try (Pipe p = Pipe.open(true); Select sel = new Select()) {
            sel.add(p.source(), Select.READ);
            System.out.printf("   fd %d added; FD_SETSIZE = %d%n", p.source().intValue(), Select.FD_SETSIZE);
            if (ResourceLimits.openFiles().soft() > 1100) {
                try (FileDescriptor high = p.source().duplicate(1100)) {
                    sel.add(high, Select.READ);
                } catch (ErrnoException refused) {
                    System.out.println("   refused: " + refused.getMessage());
                }
            }
        } finally {
            ResourceLimits.setOpenFiles(original);
        }
    }

    private static void manyFds(int n) throws Exception {
        System.out.printf("== 4. Multiplexing %d idle eventfds and one ready one%n", n);
        List<EventFd> fds = new ArrayList<>();
        try (Poll poll = new Poll(n); Epoll ep = Epoll.open(16)) {
            for (int i = 0; i < n; i++) {
                EventFd e = EventFd.open();
                fds.add(e);
                poll.add(e.fd(), Poll.POLLIN, i);
                ep.add(e.fd(), Interest.READ, i);
            }
            fds.get(n / 2).signal(1);
            int rounds = 2_000;
            long t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) poll.poll(0);
            long pollNs = (System.nanoTime() - t0) / rounds;
            t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) ep.epollWait(0);
            long epollNs = (System.nanoTime() - t0) / rounds;
            System.out.printf("   poll: %d ready, %,d ns per call (scans all %d)%n", poll.poll(0), pollNs, n);
            System.out.printf("   epoll: %d ready (user value %d), %,d ns per call (ready list only)%n", ep.epollWait(0), ep.data(0), epollNs);
            System.out.println("   (a rough look; the JMH benchmarks in README.md measure this properly)");
        } finally {
            for (EventFd e : fds) e.close();
        }
    }

    private static void triggers(Arena arena) throws Exception {
        System.out.println("== 5. Level- vs edge-triggered epoll: write 2 KiB, read 1 KiB, wait again");
        for (boolean edge : new boolean[] {false, true}) {
            try (Pipe p = Pipe.open(true); Epoll ep = Epoll.open(4)) {
                ep.add(p.source(), edge ? Interest.READ.with(Interest.EDGE_TRIGGERED) : Interest.READ, 0);
                p.sink().write(arena.allocate(2048));
                int first = ep.epollWait(1000);
                p.source().read(arena.allocate(1024));
                int second = ep.epollWait(0);
                System.out.printf("   %s: first wait %d event, second wait %d event(s) with %d bytes still unread%n",
                        edge ? "EPOLLET" : "level  ", first, second, p.source().available());
            }
        }
    }
}
