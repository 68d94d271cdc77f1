package dev.panio.coroutine;

import dev.panio.io.ClosedException;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.Pipe;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * The first call through a downcall handle links it (code is generated and classes are
 * initialised), and a virtual thread that waits for another thread's class initialisation
 * is pinned to its carrier. A server's first calls tend to come from thousands of virtual
 * threads at once, so the shared poller's start makes each call {@link Blocking} uses once,
 * on one thread, on real fds of its own (a loopback connection and a pipe, closed at once),
 * and creates the exceptions those calls throw. Found by the JFR checks of the coroutine
 * tests, which saw {@code jdk.VirtualThreadPinned} in the first {@code send} and in the
 * first reset.
 */
final class Warmup {
    private Warmup() {}

    static void run() {
        ErrnoException.stackless("warm-up", null, -1, Errno.ECONNRESET).getMessage();
        ErrnoException.stackless("warm-up", "with a detail", 0, Errno.EPIPE).getMessage(); // the message's other branches
        new ErrnoException("warm-up", "with a detail", 0, Errno.EAGAIN).getMessage();
        new ClosedException("warm-up", "nothing").getMessage();
        new java.net.SocketTimeoutException("warm-up").bytesTransferred = 0; // the timed calls' exception
        try {
            Deadlines.init(); // the timed waits' wheel and its thread
        } catch (LinkageError e) {
            // no thread for the wheel (out of memory): the first long timed wait reports it
        }
        try (Arena arena = Arena.ofConfined(); Pipe pipe = Pipe.open(true);
                Socket listener = Socket.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 1);
                Socket client = Socket.tcp(Socket.Family.INET)) {
            MemorySegment one = arena.allocate(1);
            pipe.sink().write(one);
            pipe.source().read(one);
            pipe.source().read(one); // EAGAIN
            client.connect(listener.localAddress());
            try (Socket accepted = acceptOne(listener)) {
                client.finishConnect();
                client.write(one);
                accepted.read(one);
                accepted.receiveFrom(one, new MessageInfo(0)); // EAGAIN
                client.sendWithFds(one);
                accepted.read(one);
            }
        } catch (Exception | LinkageError e) {
            // only a warm-up: whatever failed here links at its first real call instead
        }
    }

    private static Socket acceptOne(Socket listener) throws ErrnoException, InterruptedException {
        for (int i = 0; i < 100; i++) {
            Socket s = listener.accept(true);
            if (s != null) return s;
            Thread.sleep(1);
        }
        throw new ErrnoException("accept4", "warm-up connection did not arrive", listener.fd().intValue(), Errno.EAGAIN);
    }
}
