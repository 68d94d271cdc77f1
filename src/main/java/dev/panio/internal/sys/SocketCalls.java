package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * Socket calls. Each returns the C result or {@code -errno}. Calls that only touch
 * socket state are linked critical; accept4, connect, send and recv may block on a
 * blocking socket and are not.
 */
public final class SocketCalls {
    private SocketCalls() {}

    private static final class Socket {
        static final MethodHandle HANDLE = Native.critical(LibC.socket$address(), LibC.socket$descriptor());
    }
    private static final class Socketpair {
        static final MethodHandle HANDLE = Native.critical(LibC.socketpair$address(), LibC.socketpair$descriptor());
    }
    private static final class Bind {
        static final MethodHandle HANDLE = Native.critical(LibC.bind$address(), LibC.bind$descriptor());
    }
    private static final class Listen {
        static final MethodHandle HANDLE = Native.critical(LibC.listen$address(), LibC.listen$descriptor());
    }
    private static final class Accept4 {
        static final MethodHandle HANDLE = Native.blocking(LibC.accept4$address(), LibC.accept4$descriptor());
    }
    private static final class Connect {
        static final MethodHandle HANDLE = Native.blocking(LibC.connect$address(), LibC.connect$descriptor());
    }
    // Linked with the class, as FdCalls' close: a teardown must not be where linking fails.
    private static final MethodHandle SHUTDOWN = Native.critical(LibC.shutdown$address(), LibC.shutdown$descriptor());
    private static final class Setsockopt {
        static final MethodHandle HANDLE = Native.critical(LibC.setsockopt$address(), LibC.setsockopt$descriptor());
    }
    private static final class Getsockopt {
        static final MethodHandle HANDLE = Native.critical(LibC.getsockopt$address(), LibC.getsockopt$descriptor());
    }
    private static final class Getsockname {
        static final MethodHandle HANDLE = Native.critical(LibC.getsockname$address(), LibC.getsockname$descriptor());
    }
    private static final class Getpeername {
        static final MethodHandle HANDLE = Native.critical(LibC.getpeername$address(), LibC.getpeername$descriptor());
    }
    private static final class Send {
        static final MethodHandle HANDLE = Native.blocking(LibC.send$address(), LibC.send$descriptor());
    }
    private static final class Recv {
        static final MethodHandle HANDLE = Native.blocking(LibC.recv$address(), LibC.recv$descriptor());
    }
    private static final class Sendmsg {
        static final MethodHandle HANDLE = Native.blocking(LibC.sendmsg$address(), LibC.sendmsg$descriptor());
    }
    private static final class Recvmsg {
        static final MethodHandle HANDLE = Native.blocking(LibC.recvmsg$address(), LibC.recvmsg$descriptor());
    }
    private static final class Sendto {
        static final MethodHandle HANDLE = Native.blocking(LibC.sendto$address(), LibC.sendto$descriptor());
    }
    private static final class Sendmmsg {
        static final MethodHandle HANDLE = Native.blocking(LibC.sendmmsg$address(), LibC.sendmmsg$descriptor());
    }
    private static final class Recvmmsg {
        static final MethodHandle HANDLE = Native.blocking(LibC.recvmmsg$address(), LibC.recvmmsg$descriptor());
    }
    // For non-blocking stream sockets an event loop owns (see Native.criticalWithHeap).
    private static final class ReadNow {
        static final MethodHandle HANDLE = Native.criticalWithHeap(LibC.read$address(), LibC.read$descriptor());
    }
    private static final class SendNow {
        static final MethodHandle HANDLE = Native.criticalWithHeap(LibC.send$address(), LibC.send$descriptor());
    }
    private static final class Sendfile {
        static final MethodHandle HANDLE = Native.blocking(LibC.sendfile$address(), LibC.sendfile$descriptor());
    }

    /**
     * {@code read(fd, buf, count)} on a non-blocking stream socket that cannot block: linked
     * critical with heap access, so {@code buf} may be a heap segment. Never on a blocking fd.
     */
    public static long readNow(CallState st, int fd, MemorySegment buf, long count) {
        st.count(Syscall.READ);
        try {
            return result((long) ReadNow.HANDLE.invokeExact(st.errno, fd, buf, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code send(fd, buf, len, flags)} as {@link #readNow}: non-blocking sockets only; heap memory allowed. */
    public static long sendNow(CallState st, int fd, MemorySegment buf, long len, int flags) {
        st.count(Syscall.SENDTO);
        try {
            return result((long) SendNow.HANDLE.invokeExact(st.errno, fd, buf, len, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int socket(CallState st, int domain, int type, int protocol) {
        st.count(Syscall.SOCKET);
        try {
            return result((int) Socket.HANDLE.invokeExact(st.errno, domain, type, protocol), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int socketpair(CallState st, int domain, int type, int protocol, MemorySegment fds) {
        st.count(Syscall.SOCKETPAIR);
        try {
            return result((int) Socketpair.HANDLE.invokeExact(st.errno, domain, type, protocol, fds), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int bind(CallState st, int fd, MemorySegment addr, int addrlen) {
        st.count(Syscall.BIND);
        try {
            return result((int) Bind.HANDLE.invokeExact(st.errno, fd, addr, addrlen), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int listen(CallState st, int fd, int backlog) {
        st.count(Syscall.LISTEN);
        try {
            return result((int) Listen.HANDLE.invokeExact(st.errno, fd, backlog), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int accept4(CallState st, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        st.count(Syscall.ACCEPT4);
        try {
            return result((int) Accept4.HANDLE.invokeExact(st.errno, fd, addr, addrlen, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int connect(CallState st, int fd, MemorySegment addr, int addrlen) {
        st.count(Syscall.CONNECT);
        try {
            return result((int) Connect.HANDLE.invokeExact(st.errno, fd, addr, addrlen), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int shutdown(CallState st, int fd, int how) {
        st.count(Syscall.SHUTDOWN);
        try {
            return result((int) SHUTDOWN.invokeExact(st.errno, fd, how), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int setsockopt(CallState st, int fd, int level, int name, MemorySegment value, int len) {
        st.count(Syscall.SETSOCKOPT);
        try {
            return result((int) Setsockopt.HANDLE.invokeExact(st.errno, fd, level, name, value, len), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockopt(CallState st, int fd, int level, int name, MemorySegment value, MemorySegment len) {
        st.count(Syscall.GETSOCKOPT);
        try {
            return result((int) Getsockopt.HANDLE.invokeExact(st.errno, fd, level, name, value, len), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockname(CallState st, int fd, MemorySegment addr, MemorySegment addrlen) {
        st.count(Syscall.GETSOCKNAME);
        try {
            return result((int) Getsockname.HANDLE.invokeExact(st.errno, fd, addr, addrlen), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getpeername(CallState st, int fd, MemorySegment addr, MemorySegment addrlen) {
        st.count(Syscall.GETPEERNAME);
        try {
            return result((int) Getpeername.HANDLE.invokeExact(st.errno, fd, addr, addrlen), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long send(CallState st, int fd, MemorySegment buf, long len, int flags) {
        st.count(Syscall.SENDTO);
        try {
            return result((long) Send.HANDLE.invokeExact(st.errno, fd, buf, len, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long recv(CallState st, int fd, MemorySegment buf, long len, int flags) {
        st.count(Syscall.RECVFROM);
        try {
            return result((long) Recv.HANDLE.invokeExact(st.errno, fd, buf, len, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long sendfile(CallState st, int outFd, int inFd, MemorySegment offset, long count) {
        st.count(Syscall.SENDFILE);
        try {
            return result((long) Sendfile.HANDLE.invokeExact(st.errno, outFd, inFd, offset, count), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }


    public static long sendmsg(CallState st, int fd, MemorySegment msg, int flags) {
        st.count(Syscall.SENDMSG);
        try {
            return result((long) Sendmsg.HANDLE.invokeExact(st.errno, fd, msg, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long recvmsg(CallState st, int fd, MemorySegment msg, int flags) {
        st.count(Syscall.RECVMSG);
        try {
            return result((long) Recvmsg.HANDLE.invokeExact(st.errno, fd, msg, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long sendto(CallState st, int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrlen) {
        st.count(Syscall.SENDTO);
        try {
            return result((long) Sendto.HANDLE.invokeExact(st.errno, fd, buf, len, flags, addr, addrlen), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code sendmmsg(fd, vec, vlen, flags)}: messages sent, or {@code -errno}. */
    public static int sendmmsg(CallState st, int fd, MemorySegment vec, int vlen, int flags) {
        st.count(Syscall.SENDMMSG);
        try {
            return result((int) Sendmmsg.HANDLE.invokeExact(st.errno, fd, vec, vlen, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code recvmmsg(fd, vec, vlen, flags, NULL)}: messages received, or {@code -errno}. */
    public static int recvmmsg(CallState st, int fd, MemorySegment vec, int vlen, int flags) {
        st.count(Syscall.RECVMMSG);
        try {
            return result((int) Recvmmsg.HANDLE.invokeExact(st.errno, fd, vec, vlen, flags, MemorySegment.NULL), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
