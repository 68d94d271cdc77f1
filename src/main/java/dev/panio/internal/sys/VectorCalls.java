package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.C_LONG;
import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * readv, writev, sendmsg and recvmsg for memory described by an iovec array, keeping the entries'
 * memory alive for the call.
 *
 * <p>A downcall keeps the arena of every segment passed as an argument alive while the call
 * runs: a close of that arena from another thread meanwhile fails instead of freeing memory
 * under the kernel. The entries of an iovec are only addresses inside the array, so they
 * would not be kept. These calls therefore go through {@code syscall(2)}, which is variadic,
 * with one segment of each arena the entries come from appended as extra arguments
 * ({@value #KEEP} at most): the kernel ignores arguments past the call's own three, and the
 * linker keeps each one's arena alive.
 */
public final class VectorCalls {
    private VectorCalls() {}

    /** Arenas that one call can keep alive. */
    public static final int KEEP = 6;

    private static final long NR_READV = LibC.__NR_readv();
    private static final long NR_WRITEV = LibC.__NR_writev();
    private static final long NR_SENDMSG = LibC.__NR_sendmsg();
    private static final long NR_RECVMSG = LibC.__NR_recvmsg();

    // syscall(nr, a, b, c, keep0..keep5): may block like the call it makes.
    private static final MethodHandle SYSCALL = Native.variadic(LibC.syscall.address(),
            LibC.syscall.makeInvoker(C_LONG, LibC.C_POINTER, C_LONG, LibC.C_POINTER, LibC.C_POINTER, LibC.C_POINTER,
                    LibC.C_POINTER, LibC.C_POINTER, LibC.C_POINTER).descriptor(), 1, false);

    /** {@code readv(fd, iov, iovcnt)} keeping {@code keep[0..]} alive; the result or {@code -errno}. */
    public static long readv(CallState st, int fd, MemorySegment iov, int iovcnt, MemorySegment[] keep) {
        st.count(Syscall.READV);
        return call(st, NR_READV, fd, iov, iovcnt, keep);
    }

    /** {@code writev(fd, iov, iovcnt)} keeping {@code keep[0..]} alive. */
    public static long writev(CallState st, int fd, MemorySegment iov, int iovcnt, MemorySegment[] keep) {
        st.count(Syscall.WRITEV);
        return call(st, NR_WRITEV, fd, iov, iovcnt, keep);
    }

    /** {@code sendmsg(fd, msg, flags)} keeping {@code keep[0..]} alive. */
    public static long sendmsg(CallState st, int fd, MemorySegment msg, int flags, MemorySegment[] keep) {
        st.count(Syscall.SENDMSG);
        return call(st, NR_SENDMSG, fd, msg, flags, keep);
    }

    /** {@code recvmsg(fd, msg, flags)} keeping {@code keep[0..]} alive. */
    public static long recvmsg(CallState st, int fd, MemorySegment msg, int flags, MemorySegment[] keep) {
        st.count(Syscall.RECVMSG);
        return call(st, NR_RECVMSG, fd, msg, flags, keep);
    }

    private static long call(CallState st, long nr, int fd, MemorySegment p, long n, MemorySegment[] keep) {
        try {
            return result((long) SYSCALL.invokeExact(st.errno, nr, (long) fd, p, n,
                    keep[0], keep[1], keep[2], keep[3], keep[4], keep[5]), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
