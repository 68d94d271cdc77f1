package com.example.panio;

import dev.panio.net.Socket;
import dev.panio.uring.Availability;
import dev.panio.uring.IoUring;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * io_uring by hand: a SEND on one end of a socket pair linked to a RECV on the other,
 * submitted with one system call, both completions reaped from the ring. The buffers are
 * the ring's own memory ({@link IoUring#allocate}): the kernel holds their addresses until
 * each completion, and memory the ring owns cannot be freed under it.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.DirectIoUring</pre>
 *
 * Where io_uring is unavailable (an old kernel, a container's seccomp profile,
 * {@code kernel.io_uring_disabled}) it says why and exits: check first, fall back on purpose.
 */
public final class DirectIoUring {
    private DirectIoUring() {}

    static final long SEND = 1, RECV = 2;

    /** Sends {@code text} through a socket pair with io_uring; returns what the RECV got, or null without io_uring. */
    public static String run(String text) throws Exception {
        Availability a = IoUring.availability(); // asks the kernel once; never throws
        if (!a.available()) {
            System.out.println("no io_uring here: " + a.reason());
            return null;
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        try (Socket.Pair pair = Socket.pair(Socket.Type.STREAM); IoUring ring = IoUring.open(8)) {
            MemorySegment out = ring.allocate(bytes.length);
            MemorySegment in = ring.allocate(bytes.length);
            out.copyFrom(MemorySegment.ofArray(bytes));
            // the socket pair outlives the ring (closed after it), so the fds stay valid for
            // as long as the kernel may use them
            ring.sqe().send(pair.first().fd().intValue(), out, 0).userData(SEND).link(); // RECV starts after SEND
            ring.sqe().recv(pair.second().fd().intValue(), in, 0).userData(RECV);
            int[] results = new int[3];
            int reaped = 0;
            long deadline = System.nanoTime() + 5_000_000_000L;
            ring.submit();
            while (reaped < 2) { // bounded: a completion that never comes is an error, not a wait for ever
                long left = deadline - System.nanoTime();
                if (left <= 0) throw new java.io.IOException("only " + reaped + " of 2 completions in 5 s");
                ring.submitAndWait(2 - reaped, left);
                reaped += ring.forEachCompletion((userData, res, flags) -> results[(int) userData] = res);
            }
            if (results[(int) SEND] < 0 || results[(int) RECV] < 0) {
                throw new java.io.IOException("send: " + results[(int) SEND] + ", recv: " + results[(int) RECV] + " (-errno)");
            }
            return new String(in.asSlice(0, results[(int) RECV]).toArray(ValueLayout.JAVA_BYTE), StandardCharsets.UTF_8);
        }
    }

    public static void main(String[] args) throws Exception {
        String got = run(args.length > 0 ? args[0] : "hello through io_uring");
        if (got != null) System.out.println("io_uring moved: " + got);
    }
}
