package dev.panio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.EventFd;
import dev.panio.io.FileDescriptor;
import dev.panio.io.LinuxFiles;
import dev.panio.io.IoVec;
import dev.panio.io.Pipe;
import dev.panio.io.ResourceLimits;
import dev.panio.io.TimerFd;
import dev.panio.net.Socket;
import dev.panio.poll.Poll;
import dev.panio.select.Select;
import dev.panio.testing.Forked;
import dev.panio.testkit.NoFdLeaks;
import dev.panio.uring.BufferRing;
import dev.panio.uring.IoUring;
import dev.panio.uring.IoUringOptions;
import dev.panio.uring.Sqe;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every public method of the typed API, fed each bad value that applies: a closed object,
 * -1 and huge fds, an fd past FD_SETSIZE, zero, negative and huge sizes, ranges past the
 * end, heap memory where the kernel keeps the address, a closed arena, read-only targets,
 * reserved values, a call from the wrong thread. Each case names the exception it must
 * get, and where it matters asserts that nothing reached the kernel (no byte consumed).
 *
 * <p>Cases marked forked are those that crashed the JVM or handed freed memory to the
 * kernel before panio checked them; they run in a child JVM ({@link Forked}), so a
 * regression fails that case with the crash log's summary instead of ending the suite.
 */
@org.junit.jupiter.api.Timeout(300) // a hang guard
@NoFdLeaks
class BadInputTest {
    static final InetSocketAddress V4 = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);

    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /** {@code expected} null: the call must succeed (an idempotent close, say). */
    record Case(String name, boolean forked, Class<? extends Throwable> expected, String messagePart, Action action) {}

    static final Map<String, Case> CASES = new LinkedHashMap<>();

    private static void inProcess(String name, Class<? extends Throwable> expected, String part, Action a) {
        add(new Case(name, false, expected, part, a));
    }

    private static void forked(String name, Class<? extends Throwable> expected, String part, Action a) {
        add(new Case(name, true, expected, part, a));
    }

    private static void add(Case c) {
        if (CASES.put(c.name(), c) != null) throw new IllegalStateException("duplicate case " + c.name());
    }

    static MemorySegment closedSegment() {
        Arena a = Arena.ofShared();
        MemorySegment s = a.allocate(64);
        a.close();
        return s;
    }

    static boolean uring() {
        return IoUring.availability().available();
    }

    static void needsUring() {
        assumeTrue(uring(), () -> "io_uring unavailable here: " + IoUring.availability().reason());
    }

    /** A pipe with one unread byte: read-target cases prove the byte is still there afterwards. */
    static Pipe pipeWithOneByte() throws ErrnoException {
        Pipe p = Pipe.open(true);
        p.sink().write(MemorySegment.ofArray(new byte[] {42}));
        return p;
    }

    static void assertByteNotConsumed(Pipe p) throws ErrnoException {
        assertEquals(1, p.source().available(), "the refused read must not consume the byte");
    }

    static {
        // ---- FileDescriptor -------------------------------------------------------------
        inProcess("FileDescriptor.adopt(-1)", IllegalArgumentException.class, "not a file descriptor", () -> FileDescriptor.adopt(-1));
        inProcess("FileDescriptor.read after close", ClosedException.class, "read on fd=", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.source().read(MemorySegment.ofArray(new byte[1]));
        });
        inProcess("FileDescriptor.write after close", ClosedException.class, "write on fd=", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.sink().write(MemorySegment.ofArray(new byte[1]));
        });
        inProcess("FileDescriptor.readv after close", ClosedException.class, "readv", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            try (Arena a = Arena.ofConfined()) {
                p.source().readv(new IoVec(a, 1).add(a.allocate(8)));
            }
        });
        inProcess("FileDescriptor.setNonBlocking after close", ClosedException.class, "fcntl", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.source().setNonBlocking(true);
        });
        inProcess("FileDescriptor.available after close", ClosedException.class, "ioctl", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.source().available();
        });
        inProcess("FileDescriptor.duplicate after close", ClosedException.class, "fcntl", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.source().duplicate(0);
        });
        inProcess("FileDescriptor.duplicate(-1)", IllegalArgumentException.class, "minFd", () -> {
            try (Pipe p = Pipe.open(true)) {
                p.source().duplicate(-1);
            }
        });
        inProcess("FileDescriptor.detach after close", ClosedException.class, "detach", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.source().detach();
        });
        inProcess("FileDescriptor.close twice", null, null, () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.close();
            p.source().close();
        });
        inProcess("FileDescriptor.read into a read-only heap segment", IllegalArgumentException.class, "read-only", () -> {
            try (Pipe p = pipeWithOneByte()) {
                try {
                    p.source().read(MemorySegment.ofArray(new byte[4]).asReadOnly());
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        inProcess("FileDescriptor.read into a read-only off-heap segment", IllegalArgumentException.class, "read-only", () -> {
            try (Pipe p = pipeWithOneByte(); Arena a = Arena.ofConfined()) {
                try {
                    p.source().read(a.allocate(4).asReadOnly());
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        inProcess("FileDescriptor.read into a read-only heap ByteBuffer", IllegalArgumentException.class, "read-only", () -> {
            try (Pipe p = pipeWithOneByte()) {
                try {
                    p.source().read(ByteBuffer.allocate(4).asReadOnlyBuffer());
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        inProcess("FileDescriptor.read into a read-only direct ByteBuffer", IllegalArgumentException.class, "read-only", () -> {
            try (Pipe p = pipeWithOneByte()) {
                try {
                    p.source().read(ByteBuffer.allocateDirect(4).asReadOnlyBuffer());
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        forked("FileDescriptor.read into a closed arena", IllegalStateException.class, "arena is closed", () -> {
            try (Pipe p = pipeWithOneByte()) {
                try {
                    p.source().read(closedSegment());
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        forked("FileDescriptor.write from a closed arena", IllegalStateException.class, "arena is closed", () -> {
            try (Pipe p = Pipe.open(true)) {
                p.sink().write(closedSegment());
            }
        });
        forked("FileDescriptor.readv into an entry whose arena closed", IllegalStateException.class, "arena is closed", () -> {
            try (Pipe p = pipeWithOneByte(); Arena a = Arena.ofConfined()) {
                Arena shared = Arena.ofShared();
                IoVec iov = new IoVec(a, 2).add(a.allocate(8)).add(shared.allocate(8));
                shared.close();
                try {
                    p.source().readv(iov);
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        inProcess("FileDescriptor.readv into a read-only entry", IllegalArgumentException.class, "read-only", () -> {
            try (Pipe p = pipeWithOneByte(); Arena a = Arena.ofConfined()) {
                try {
                    p.source().readv(new IoVec(a, 1).add(a.allocate(8).asReadOnly()));
                } finally {
                    assertByteNotConsumed(p);
                }
            }
        });
        forked("FileDescriptor.writev from an entry whose arena closed", IllegalStateException.class, "arena is closed", () -> {
            try (Pipe p = Pipe.open(true); Arena a = Arena.ofConfined()) {
                Arena shared = Arena.ofShared();
                IoVec iov = new IoVec(a, 1).add(shared.allocate(8));
                shared.close();
                p.sink().writev(iov);
            }
        });

        // ---- IoVec ------------------------------------------------------------------------
        inProcess("IoVec capacity 0", IllegalArgumentException.class, "1..1024", () -> new IoVec(Arena.global(), 0));
        inProcess("IoVec capacity 1025", IllegalArgumentException.class, "1..1024", () -> new IoVec(Arena.global(), 1025));
        inProcess("IoVec.add heap memory", IllegalArgumentException.class, "off-heap", () -> {
            try (Arena a = Arena.ofConfined()) {
                new IoVec(a, 1).add(MemorySegment.ofArray(new byte[8]));
            }
        });
        inProcess("IoVec.add a closed segment", IllegalStateException.class, "arena is closed", () -> {
            try (Arena a = Arena.ofConfined()) {
                new IoVec(a, 1).add(closedSegment());
            }
        });
        inProcess("IoVec.add past capacity", IllegalStateException.class, "full", () -> {
            try (Arena a = Arena.ofConfined()) {
                new IoVec(a, 1).add(a.allocate(1)).add(a.allocate(1));
            }
        });

        // ---- Socket ------------------------------------------------------------------------
        inProcess("Socket.write offset -1", IndexOutOfBoundsException.class, null, () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET)) {
                s.write(MemorySegment.ofArray(new byte[4]), -1, 1);
            }
        });
        inProcess("Socket.write range past the end", IndexOutOfBoundsException.class, null, () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET)) {
                s.write(MemorySegment.ofArray(new byte[4]), 2, 3);
            }
        });
        forked("Socket.write from a closed arena", IllegalStateException.class, "arena is closed", () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET)) {
                s.write(closedSegment(), 0, 8);
            }
        });
        inProcess("Socket.accept after close", ClosedException.class, "accept4", () -> {
            Socket s = Socket.listen(V4, 4);
            s.close();
            s.accept();
        });
        inProcess("Socket.bind after close", ClosedException.class, "bind", () -> {
            Socket s = Socket.tcp(Socket.Family.INET);
            s.close();
            s.bind(V4);
        });
        inProcess("Socket.connect after close", ClosedException.class, "connect", () -> {
            Socket s = Socket.tcp(Socket.Family.INET);
            s.close();
            s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), 9));
        });
        inProcess("Socket.setTcpNoDelay after close", ClosedException.class, "setsockopt", () -> {
            Socket s = Socket.tcp(Socket.Family.INET);
            s.close();
            s.setTcpNoDelay(true);
        });
        inProcess("Socket.localAddress after close", ClosedException.class, "getsockname", () -> {
            Socket s = Socket.tcp(Socket.Family.INET);
            s.close();
            s.localAddress();
        });
        inProcess("Socket.sendFile negative offset", IllegalArgumentException.class, "negative", () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET); FileDescriptor f = LinuxFiles.memfd("f", 8)) {
                s.sendFile(f, -1, 8);
            }
        });
        inProcess("Socket.sendFile negative count", IllegalArgumentException.class, "negative", () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET); FileDescriptor f = LinuxFiles.memfd("f", 8)) {
                s.sendFile(f, 0, -8);
            }
        });
        inProcess("Socket.sendFile of a closed file", ClosedException.class, "sendfile", () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET)) {
                FileDescriptor f = LinuxFiles.memfd("f", 8);
                f.close();
                s.sendFile(f, 0, 8);
            }
        });
        inProcess("Socket.read into a read-only buffer", IllegalArgumentException.class, "read-only", () -> {
            try (Socket s = Socket.tcp(Socket.Family.INET)) {
                s.read(ByteBuffer.allocate(4).asReadOnlyBuffer());
            }
        });
        inProcess("Socket.close twice", null, null, () -> {
            Socket s = Socket.tcp(Socket.Family.INET);
            s.close();
            s.close();
        });

        // ---- EventFd, TimerFd, Pipe, LinuxFiles, ResourceLimits ------------------------------------
        inProcess("EventFd.open(-1)", IllegalArgumentException.class, "negative", () -> EventFd.open(-1, true, false));
        inProcess("EventFd.signal(0)", IllegalArgumentException.class, "positive", () -> {
            try (EventFd e = EventFd.open()) {
                e.signal(0);
            }
        });
        inProcess("EventFd.signal(-5)", IllegalArgumentException.class, "positive", () -> {
            try (EventFd e = EventFd.open()) {
                e.signal(-5);
            }
        });
        inProcess("EventFd.signal after close", ClosedException.class, "write", () -> {
            EventFd e = EventFd.open();
            e.close();
            e.signal(1);
        });
        inProcess("EventFd.drain after close", ClosedException.class, "read", () -> {
            EventFd e = EventFd.open();
            e.close();
            e.drain();
        });
        inProcess("TimerFd.set(-1, 0)", IllegalArgumentException.class, "negative", () -> {
            try (TimerFd t = TimerFd.open()) {
                t.set(-1, 0);
            }
        });
        inProcess("TimerFd.set(0, -1)", IllegalArgumentException.class, "negative", () -> {
            try (TimerFd t = TimerFd.open()) {
                t.set(0, -1);
            }
        });
        inProcess("TimerFd.set after close", ClosedException.class, "timerfd_settime", () -> {
            TimerFd t = TimerFd.open();
            t.close();
            t.set(1000, 0);
        });
        inProcess("TimerFd.expirations after close", ClosedException.class, "read", () -> {
            TimerFd t = TimerFd.open();
            t.close();
            t.expirations();
        });
        inProcess("Pipe.capacity after close", ClosedException.class, "fcntl", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            p.capacity();
        });
        inProcess("LinuxFiles.memfd name with NUL", IllegalArgumentException.class, "NUL", () -> LinuxFiles.memfd("a\0b", 8));
        inProcess("LinuxFiles.memfd name of 250 bytes", IllegalArgumentException.class, "at most 249", () -> LinuxFiles.memfd("x".repeat(250), 8));
        inProcess("LinuxFiles.memfd negative size", IllegalArgumentException.class, "negative", () -> LinuxFiles.memfd("m", -1));
        inProcess("LinuxFiles.openBeneath path with NUL", IllegalArgumentException.class, "NUL", () -> {
            try (FileDescriptor dir = LinuxFiles.openDirectory(Path.of("."))) {
                LinuxFiles.openBeneath(dir, "pom.xml\0../etc/passwd");
            }
        });
        inProcess("LinuxFiles.openBeneath in a closed directory", ClosedException.class, "openat2", () -> {
            FileDescriptor dir = LinuxFiles.openDirectory(Path.of("."));
            dir.close();
            LinuxFiles.openBeneath(dir, "pom.xml");
        });
        inProcess("LinuxFiles.stat after close", ClosedException.class, "fstat", () -> {
            FileDescriptor f = LinuxFiles.memfd("m", 8);
            f.close();
            LinuxFiles.stat(f);
        });
        inProcess("ResourceLimits.setOpenFiles soft > hard", IllegalArgumentException.class, "soft <= hard",
                () -> ResourceLimits.setOpenFiles(new ResourceLimits.Limit(10, 5)));

        // ---- Select ---------------------------------------------------------------------------
        inProcess("Select.add fd >= FD_SETSIZE", ErrnoException.class, "FD_SETSIZE", () -> {
            try (Pipe p = Pipe.open(true); FileDescriptor high = p.source().duplicate(1100); Select s = new Select()) {
                try {
                    s.add(high, Select.READ);
                } catch (ErrnoException e) {
                    assertEquals(Errno.EINVAL, e.errno());
                    assertEquals(1100, e.fd());
                    throw e;
                }
            }
        });
        inProcess("Select.add a closed fd", ErrnoException.class, "closed", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            try (Select s = new Select()) {
                s.add(p.source(), Select.READ);
            }
        });
        inProcess("Select.add ops 0", IllegalArgumentException.class, "non-empty", () -> {
            try (Pipe p = Pipe.open(true); Select s = new Select()) {
                s.add(p.source(), 0);
            }
        });
        inProcess("Select.add ops 8", IllegalArgumentException.class, "non-empty", () -> {
            try (Pipe p = Pipe.open(true); Select s = new Select()) {
                s.add(p.source(), 8);
            }
        });
        forked("Select.select after close", ClosedException.class, "select on Select", () -> {
            Select s = new Select();
            s.close();
            s.select(0);
        });
        forked("Select.add after close", ClosedException.class, "select add", () -> {
            try (Pipe p = Pipe.open(true)) {
                Select s = new Select();
                s.close();
                s.add(p.source(), Select.READ);
            }
        });
        forked("Select.readyOps after close", ClosedException.class, "select readyOps", () -> {
            Select s = new Select();
            s.close();
            s.readyOps(3);
        });
        inProcess("Select.close twice", null, null, () -> {
            Select s = new Select();
            s.close();
            s.close();
        });

        // ---- Poll -------------------------------------------------------------------------------
        inProcess("new Poll(-1)", IllegalArgumentException.class, "initial capacity", () -> new Poll(-1).close());
        inProcess("new Poll(Integer.MAX_VALUE)", IllegalArgumentException.class, "initial capacity", () -> new Poll(Integer.MAX_VALUE).close());
        inProcess("Poll.add a closed fd", IllegalArgumentException.class, "closed", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            try (Poll poll = new Poll(4)) {
                poll.add(p.source(), Poll.POLLIN, 0);
            }
        });
        inProcess("Poll.revents(-1)", IndexOutOfBoundsException.class, "poll index", () -> {
            try (Poll poll = new Poll(4)) {
                poll.revents(-1);
            }
        });
        inProcess("Poll.revents(size)", IndexOutOfBoundsException.class, "poll index", () -> {
            try (Poll poll = new Poll(4)) {
                poll.revents(0);
            }
        });
        forked("Poll.poll after close", ClosedException.class, "poll on Poll", () -> {
            Poll poll = new Poll(4);
            poll.close();
            poll.poll(0);
        });
        forked("Poll.add after close", ClosedException.class, "poll add", () -> {
            try (Pipe p = Pipe.open(true)) {
                Poll poll = new Poll(4);
                poll.close();
                poll.add(p.source(), Poll.POLLIN, 0);
            }
        });
        forked("Poll.revents after close", ClosedException.class, "poll revents", () -> {
            try (Pipe p = Pipe.open(true)) {
                Poll poll = new Poll(4);
                poll.add(p.source(), Poll.POLLIN, 0);
                poll.close();
                poll.revents(0);
            }
        });
        inProcess("Poll.close twice", null, null, () -> {
            Poll poll = new Poll(4);
            poll.close();
            poll.close();
        });

        // ---- Epoll ------------------------------------------------------------------------------
        inProcess("Epoll.open(0)", IllegalArgumentException.class, "maxEvents", () -> Epoll.open(0).close());
        inProcess("Epoll.open(-1)", IllegalArgumentException.class, "maxEvents", () -> Epoll.open(-1).close());
        inProcess("Epoll.open(Integer.MAX_VALUE)", IllegalArgumentException.class, "maxEvents", () -> Epoll.open(Integer.MAX_VALUE).close());
        inProcess("Epoll.data(i) past the events of the last wait", IndexOutOfBoundsException.class, "event 5 of 0", () -> {
            try (Epoll ep = Epoll.open(4)) {
                ep.epollWait(0);
                ep.data(5);
            }
        });
        inProcess("Epoll.add a closed fd", ClosedException.class, "epoll_ctl on fd=", () -> {
            Pipe p = Pipe.open(true);
            p.close();
            try (Epoll ep = Epoll.open(4)) {
                ep.add(p.source(), Interest.READ, 0);
            }
        });
        forked("Epoll.epollWait after close", ClosedException.class, "epoll_wait on Epoll", () -> {
            Epoll ep = Epoll.open(4);
            ep.close();
            ep.epollWait(0);
        });
        forked("Epoll.add after close", ClosedException.class, "epoll_ctl on Epoll", () -> {
            try (Pipe p = Pipe.open(true)) {
                Epoll ep = Epoll.open(4);
                ep.close();
                ep.add(p.source(), Interest.READ, 0);
            }
        });
        forked("Epoll.events after close", ClosedException.class, "epoll event", () -> {
            Epoll ep = Epoll.open(4);
            ep.close();
            ep.events(0);
        });
        inProcess("Epoll.close twice", null, null, () -> {
            Epoll ep = Epoll.open(4);
            ep.close();
            ep.close();
        });

        // ---- IoUringOptions -------------------------------------------------------------------
        inProcess("IoUringOptions entries 0", IllegalArgumentException.class, "1..32768", () -> IoUringOptions.entries(0));
        inProcess("IoUringOptions entries 40000", IllegalArgumentException.class, "1..32768", () -> IoUringOptions.entries(40_000));
        inProcess("IoUringOptions cqEntries -1", IllegalArgumentException.class, "cqEntries", () -> IoUringOptions.entries(8).withCqEntries(-1));
        inProcess("IoUringOptions cqEntries 100000", IllegalArgumentException.class, "cqEntries", () -> IoUringOptions.entries(8).withCqEntries(100_000));
        inProcess("IoUringOptions cqEntries below entries", IllegalArgumentException.class, "below entries", () -> IoUringOptions.entries(8).withCqEntries(4));
        inProcess("IoUringOptions cqEntries 0", IllegalArgumentException.class, "with SETUP_CQSIZE", () -> IoUringOptions.entries(8).withCqEntries(0));
        inProcess("IoUringOptions sqThreadIdle -1", IllegalArgumentException.class, "sqThreadIdle", () -> IoUringOptions.entries(8).withSqPoll(-1));
        inProcess("IoUringOptions DEFER_TASKRUN without SINGLE_ISSUER", IllegalArgumentException.class, "SINGLE_ISSUER",
                () -> IoUringOptions.entries(8).withFlags(IoUringOptions.SETUP_DEFER_TASKRUN));

        // ---- IoUring: calls after close (each crashed the JVM with SIGSEGV before) ------------
        String[] afterClose = {"sqe", "submit", "submitAndWait", "forEachCompletion", "cqReady", "sqSpace",
                "registerFiles", "unregisterFiles", "supportedOps", "droppedCompletions", "allocate", "registerBuffers", "BufferRing"};
        for (String call : afterClose) {
            forked("IoUring." + call + " after close", ClosedException.class, "closed", () -> {
                needsUring();
                IoUring ring = IoUring.open(8);
                ring.close();
                switch (call) {
                    case "sqe" -> ring.sqe();
                    case "submit" -> ring.submit();
                    case "submitAndWait" -> ring.submitAndWait(1, 1_000_000L);
                    case "forEachCompletion" -> ring.forEachCompletion((u, r, f) -> { });
                    case "cqReady" -> ring.cqReady();
                    case "sqSpace" -> ring.sqSpace();
                    case "registerFiles" -> ring.registerFiles(0);
                    case "unregisterFiles" -> ring.unregisterFiles();
                    case "supportedOps" -> ring.supportedOps();
                    case "droppedCompletions" -> ring.droppedCompletions();
                    case "allocate" -> ring.allocate(64);
                    case "registerBuffers" -> ring.registerBuffers(1, 64);
                    case "BufferRing" -> new BufferRing(ring, 1, 2, 64);
                    default -> throw new AssertionError(call);
                }
            });
        }
        forked("Sqe taken before close, filled after", IllegalStateException.class, null, () -> {
            needsUring();
            IoUring ring = IoUring.open(8);
            Sqe s = ring.sqe();
            ring.close();
            s.nop();
        });
        forked("BufferRing.recycle after the ring closed", ClosedException.class, "closed", () -> {
            needsUring();
            IoUring ring = IoUring.open(8);
            BufferRing b = new BufferRing(ring, 1, 2, 64);
            ring.close();
            b.recycle(0);
        });
        forked("BufferRing.buffer after close", ClosedException.class, "closed", () -> {
            needsUring();
            try (IoUring ring = IoUring.open(8)) {
                BufferRing b = new BufferRing(ring, 1, 2, 64);
                b.close();
                b.buffer(0);
            }
        });
        inProcess("IoUring.close twice", null, null, () -> {
            needsUring();
            IoUring ring = IoUring.open(8);
            ring.close();
            ring.close();
        });

        // ---- IoUring: memory handed to the kernel ------------------------------------------------
        uringCase("Sqe.read into heap memory", IllegalArgumentException.class, "off-heap", false,
                (ring, p, a) -> ring.sqe().read(p.source().intValue(), MemorySegment.ofArray(new byte[8]), -1));
        uringCase("Sqe.read into a read-only segment", IllegalArgumentException.class, "read-only", false,
                (ring, p, a) -> ring.sqe().read(p.source().intValue(), a.allocate(8).asReadOnly(), -1));
        uringCase("Sqe.recv into a read-only segment", IllegalArgumentException.class, "read-only", false,
                (ring, p, a) -> ring.sqe().recv(p.source().intValue(), a.allocate(8).asReadOnly(), 0));
        uringCase("Sqe.read into a closed arena", IllegalStateException.class, "arena is closed", true,
                (ring, p, a) -> ring.sqe().read(p.source().intValue(), closedSegment(), -1));
        uringCase("Sqe.write from a closed arena", IllegalStateException.class, "arena is closed", true,
                (ring, p, a) -> ring.sqe().write(p.sink().intValue(), closedSegment(), -1));
        uringCase("Sqe.send from a closed arena", IllegalStateException.class, "arena is closed", true,
                (ring, p, a) -> ring.sqe().send(p.sink().intValue(), closedSegment(), 0));
        uringCase("Sqe.send from heap memory", IllegalArgumentException.class, "off-heap", false,
                (ring, p, a) -> ring.sqe().send(p.sink().intValue(), MemorySegment.ofArray(new byte[8]), 0));
        uringCase("Sqe.readv into an entry whose arena closed", IllegalStateException.class, "arena is closed", true, (ring, p, a) -> {
            Arena shared = Arena.ofShared();
            IoVec iov = new IoVec(a, 1).add(shared.allocate(8));
            shared.close();
            ring.sqe().readv(p.source().intValue(), iov, -1);
        });
        uringCase("Sqe.send range offset -1", IndexOutOfBoundsException.class, null, false,
                (ring, p, a) -> ring.sqe().send(p.sink().intValue(), a.allocate(8), -1, 4, 0));
        uringCase("Sqe.userData reserved (-1)", IllegalArgumentException.class, "reserved", false,
                (ring, p, a) -> ring.sqe().nop().userData(-1));
        uringCase("Sqe.flags unknown bit", IllegalArgumentException.class, "IOSQE", false,
                (ring, p, a) -> ring.sqe().nop().flags(0x100));
        uringCase("Sqe.flags IO_DRAIN", IllegalArgumentException.class, "IO_DRAIN", false,
                (ring, p, a) -> ring.sqe().nop().flags(Sqe.IO_DRAIN));
        uringCase("Sqe.cancel of panio's close wake-up", IllegalArgumentException.class, "panio's own", false,
                (ring, p, a) -> ring.sqe().cancel(-1));
        uringCase("Sqe.pollRemove of panio's close wake-up", IllegalArgumentException.class, "panio's own", false,
                (ring, p, a) -> ring.sqe().pollRemove(-1));
        uringCase("Sqe.readFixed offset Long.MAX_VALUE", IndexOutOfBoundsException.class, "outside", false, (ring, p, a) -> {
            ring.registerBuffers(1, 64);
            ring.sqe().readFixed(p.source().intValue(), 0, Long.MAX_VALUE, 1, -1);
        });
        uringCase("Sqe.fileIndex(-1)", IllegalArgumentException.class, "fixed-file index", false,
                (ring, p, a) -> ring.sqe().accept(p.source().intValue(), false).fileIndex(-1));
        uringCase("Sqe.timeout(-1)", IllegalArgumentException.class, "negative", false,
                (ring, p, a) -> ring.sqe().timeout(-1, 0));
        uringCase("Sqe.timeout count -1", IllegalArgumentException.class, "count", false,
                (ring, p, a) -> ring.sqe().timeout(1000, -1));
        uringCase("Sqe.splice length -1", IllegalArgumentException.class, "negative", false,
                (ring, p, a) -> ring.sqe().splice(p.source().intValue(), -1, p.sink().intValue(), -1, -1));
        uringCase("Sqe.recvSelect group -1", IllegalArgumentException.class, "buffer group", false,
                (ring, p, a) -> ring.sqe().recvSelect(p.source().intValue(), -1, false));
        uringCase("Sqe.recvSelect group 65536", IllegalArgumentException.class, "buffer group", false,
                (ring, p, a) -> ring.sqe().recvSelect(p.source().intValue(), 65536, false));
        uringCase("Sqe.readFixed without registered buffers", IllegalStateException.class, "no registered buffers", false,
                (ring, p, a) -> ring.sqe().readFixed(p.source().intValue(), 0, 0, 8, -1));
        uringCase("Sqe.readFixed index past the buffers", IndexOutOfBoundsException.class, "registered buffer 2 of 2", false, (ring, p, a) -> {
            ring.registerBuffers(2, 64);
            ring.sqe().readFixed(p.source().intValue(), 2, 0, 8, -1);
        });
        uringCase("Sqe.writeFixed range past the buffer", IndexOutOfBoundsException.class, "outside", false, (ring, p, a) -> {
            ring.registerBuffers(2, 64);
            ring.sqe().writeFixed(p.sink().intValue(), 1, 60, 8, -1);
        });
        uringCase("IoUring.registerBuffers(0, 64)", IllegalArgumentException.class, "count", false, (ring, p, a) -> ring.registerBuffers(0, 64));
        uringCase("IoUring.registerBuffers(1, 0)", IllegalArgumentException.class, "size", false, (ring, p, a) -> ring.registerBuffers(1, 0));
        uringCase("IoUring.registerBuffers twice", IllegalStateException.class, "already", false, (ring, p, a) -> {
            ring.registerBuffers(1, 64);
            ring.registerBuffers(1, 64);
        });
        uringCase("IoUring.allocate(0)", IllegalArgumentException.class, "positive", false, (ring, p, a) -> ring.allocate(0));
        uringCase("IoUring.registerFiles()", IllegalArgumentException.class, "no fds", false, (ring, p, a) -> ring.registerFiles());
        uringCase("IoUring.registerFiles(-1)", IllegalArgumentException.class, "negative fd", false, (ring, p, a) -> ring.registerFiles(-1));
        uringCase("IoUring.submitAndWait(-1, 0)", IllegalArgumentException.class, "waitNr", false, (ring, p, a) -> ring.submitAndWait(-1, 0));
        uringCase("IoUring.submitAndWait past the CQ size", IllegalArgumentException.class, "waitNr", false,
                (ring, p, a) -> ring.submitAndWait(ring.cqEntries() + 1, 0));
        uringCase("IoUring.forEachCompletion from its own handler", IllegalStateException.class, "its own handler", false, (ring, p, a) -> {
            ring.sqe().nop().userData(1);
            ring.submitAndWait(1, 1_000_000_000L);
            ring.forEachCompletion((u, r, f) -> {
                try {
                    ring.forEachCompletion((u2, r2, f2) -> { });
                } catch (ErrnoException e) {
                    throw new AssertionError(e);
                }
            });
        });
        uringCase("new BufferRing group -1", IllegalArgumentException.class, "buffer group", false, (ring, p, a) -> new BufferRing(ring, -1, 2, 64));
        uringCase("new BufferRing group 65536", IllegalArgumentException.class, "buffer group", false, (ring, p, a) -> new BufferRing(ring, 65536, 2, 64));
        uringCase("new BufferRing count 3", IllegalArgumentException.class, "power of two", false, (ring, p, a) -> new BufferRing(ring, 1, 3, 64));
        uringCase("new BufferRing count 0", IllegalArgumentException.class, "power of two", false, (ring, p, a) -> new BufferRing(ring, 1, 0, 64));
        uringCase("new BufferRing size 0", IllegalArgumentException.class, "size", false, (ring, p, a) -> new BufferRing(ring, 1, 2, 0));
        uringCase("BufferRing.recycle(-1)", IndexOutOfBoundsException.class, "buffer id", false, (ring, p, a) -> {
            try (BufferRing b = new BufferRing(ring, 1, 2, 64)) {
                b.recycle(-1);
            }
        });
        uringCase("BufferRing.buffer(count)", IndexOutOfBoundsException.class, "buffer id", false, (ring, p, a) -> {
            try (BufferRing b = new BufferRing(ring, 1, 2, 64)) {
                b.buffer(2);
            }
        });

        // ---- IoUring: threads --------------------------------------------------------------------
        for (String call : new String[] {"sqe", "submit", "submitAndWait", "registerFiles"}) {
            inProcess("SINGLE_ISSUER ring: " + call + " from another thread", WrongThreadException.class, "SINGLE_ISSUER", () -> {
                needsUring();
                assumeTrue(IoUring.availability().has(dev.panio.uring.Capability.SINGLE_ISSUER),
                        () -> "SINGLE_ISSUER unavailable here: " + IoUring.availability().whyNot(dev.panio.uring.Capability.SINGLE_ISSUER));
                try (IoUring ring = IoUring.open(IoUringOptions.entries(8).withFlags(IoUringOptions.SETUP_SINGLE_ISSUER))) {
                    AtomicReference<Throwable> thrown = new AtomicReference<>();
                    Thread t = Thread.ofPlatform().start(() -> {
                        try {
                            switch (call) {
                                case "sqe" -> ring.sqe();
                                case "submit" -> ring.submit();
                                case "submitAndWait" -> ring.submitAndWait(0, 0);
                                default -> ring.registerFiles(0);
                            }
                        } catch (Throwable e) {
                            thrown.set(e);
                        }
                    });
                    t.join();
                    if (thrown.get() != null) {
                        if (thrown.get() instanceof Exception e) throw e;
                        throw (Error) thrown.get();
                    }
                }
            });
        }
        inProcess("SINGLE_ISSUER required on a virtual thread", IllegalStateException.class, "platform thread", () -> {
            AtomicReference<Throwable> thrown = new AtomicReference<>();
            Thread.ofVirtual().start(() -> {
                try (IoUring ring = IoUring.open(IoUringOptions.entries(8).withFlags(IoUringOptions.SETUP_SINGLE_ISSUER))) {
                    ring.cqReady();
                } catch (Throwable e) {
                    thrown.set(e);
                }
            }).join();
            if (thrown.get() instanceof Exception e) throw e;
        });
    }

    @FunctionalInterface
    interface RingAction {
        void run(IoUring ring, Pipe pipe, Arena arena) throws Exception;
    }

    /** A case on an open ring with a pipe and a confined arena, all closed afterwards. */
    private static void uringCase(String name, Class<? extends Throwable> expected, String part, boolean forked, RingAction a) {
        add(new Case(name, forked, expected, part, () -> {
            needsUring();
            try (IoUring ring = IoUring.open(8); Pipe p = Pipe.open(true); Arena arena = Arena.ofConfined()) {
                a.run(ring, p, arena);
            }
        }));
    }

    /** Runs a case and checks its outcome; the body of both the in-process and the forked tests. */
    static void check(Case c) throws Exception {
        Throwable thrown = null;
        try {
            c.action().run();
        } catch (Throwable t) {
            thrown = t;
        }
        if (c.expected() == null) {
            if (thrown != null) throw new AssertionError(c.name() + ": expected no exception, got " + thrown, thrown);
            return;
        }
        if (thrown instanceof org.opentest4j.TestAbortedException skip) throw skip;
        if (thrown == null) fail(c.name() + ": expected " + c.expected().getSimpleName() + ", nothing was thrown");
        if (thrown instanceof AssertionError ae) throw ae;
        if (!c.expected().isInstance(thrown)) {
            throw new AssertionError(c.name() + ": expected " + c.expected().getSimpleName() + ", got " + thrown, thrown);
        }
        if (c.messagePart() != null) {
            assertTrue(String.valueOf(thrown.getMessage()).contains(c.messagePart()),
                    c.name() + ": message '" + thrown.getMessage() + "' should contain '" + c.messagePart() + "'");
        }
    }

    /** Entry point of the child JVM ({@link Forked}). */
    static void runForked(String name) throws Exception {
        Case c = CASES.get(name);
        if (c == null) throw new IllegalArgumentException("no case " + name);
        check(c);
    }

    @TestFactory
    Stream<DynamicTest> everyBadInputGetsItsException() throws Exception {
        List<String> forkedNames = new ArrayList<>();
        for (Case c : CASES.values()) if (c.forked()) forkedNames.add(c.name());
        Map<String, Forked.Result> forkedResults = Forked.run(BadInputTest.class, forkedNames);
        System.out.println("BadInputTest: " + CASES.size() + " cases, " + forkedNames.size() + " of them in a child JVM");
        return CASES.values().stream().map(c -> DynamicTest.dynamicTest(c.name() + (c.forked() ? " [forked JVM]" : ""), () -> {
            if (c.forked()) {
                Forked.Result r = forkedResults.get(c.name());
                if (r == null) fail(c.name() + ": no result from the child JVM");
                assumeTrue(!r.skipped(), r.detail());
                if (!r.passed()) fail(r.detail());
            } else {
                check(c);
            }
        }));
    }
}
