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

    private static final MethodHandle SOCKET = Native.critical(LibC.socket$address(), LibC.socket$descriptor());
    private static final MethodHandle SOCKETPAIR = Native.critical(LibC.socketpair$address(), LibC.socketpair$descriptor());
    private static final MethodHandle BIND = Native.critical(LibC.bind$address(), LibC.bind$descriptor());
    private static final MethodHandle LISTEN = Native.critical(LibC.listen$address(), LibC.listen$descriptor());
    private static final MethodHandle ACCEPT4 = Native.blocking(LibC.accept4$address(), LibC.accept4$descriptor());
    private static final MethodHandle CONNECT = Native.blocking(LibC.connect$address(), LibC.connect$descriptor());
    private static final MethodHandle SHUTDOWN = Native.critical(LibC.shutdown$address(), LibC.shutdown$descriptor());
    private static final MethodHandle SETSOCKOPT = Native.critical(LibC.setsockopt$address(), LibC.setsockopt$descriptor());
    private static final MethodHandle GETSOCKOPT = Native.critical(LibC.getsockopt$address(), LibC.getsockopt$descriptor());
    private static final MethodHandle GETSOCKNAME = Native.critical(LibC.getsockname$address(), LibC.getsockname$descriptor());
    private static final MethodHandle GETPEERNAME = Native.critical(LibC.getpeername$address(), LibC.getpeername$descriptor());
    private static final MethodHandle SEND = Native.blocking(LibC.send$address(), LibC.send$descriptor());
    private static final MethodHandle RECV = Native.blocking(LibC.recv$address(), LibC.recv$descriptor());
    private static final MethodHandle SENDMSG = Native.blocking(LibC.sendmsg$address(), LibC.sendmsg$descriptor());
    private static final MethodHandle RECVMSG = Native.blocking(LibC.recvmsg$address(), LibC.recvmsg$descriptor());
    private static final MethodHandle SENDTO = Native.blocking(LibC.sendto$address(), LibC.sendto$descriptor());
    private static final MethodHandle SENDMMSG = Native.blocking(LibC.sendmmsg$address(), LibC.sendmmsg$descriptor());
    private static final MethodHandle RECVMMSG = Native.blocking(LibC.recvmmsg$address(), LibC.recvmmsg$descriptor());
    private static final MethodHandle SENDFILE = Native.blocking(LibC.sendfile$address(), LibC.sendfile$descriptor());

    public static int socket(MemorySegment st, int domain, int type, int protocol) {
        try {
            return result((int) SOCKET.invokeExact(st, domain, type, protocol), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int socketpair(MemorySegment st, int domain, int type, int protocol, MemorySegment fds) {
        try {
            return result((int) SOCKETPAIR.invokeExact(st, domain, type, protocol, fds), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int bind(MemorySegment st, int fd, MemorySegment addr, int addrlen) {
        try {
            return result((int) BIND.invokeExact(st, fd, addr, addrlen), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int listen(MemorySegment st, int fd, int backlog) {
        try {
            return result((int) LISTEN.invokeExact(st, fd, backlog), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int accept4(MemorySegment st, int fd, MemorySegment addr, MemorySegment addrlen, int flags) {
        try {
            return result((int) ACCEPT4.invokeExact(st, fd, addr, addrlen, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int connect(MemorySegment st, int fd, MemorySegment addr, int addrlen) {
        try {
            return result((int) CONNECT.invokeExact(st, fd, addr, addrlen), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int shutdown(MemorySegment st, int fd, int how) {
        try {
            return result((int) SHUTDOWN.invokeExact(st, fd, how), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int setsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, int len) {
        try {
            return result((int) SETSOCKOPT.invokeExact(st, fd, level, name, value, len), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockopt(MemorySegment st, int fd, int level, int name, MemorySegment value, MemorySegment len) {
        try {
            return result((int) GETSOCKOPT.invokeExact(st, fd, level, name, value, len), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getsockname(MemorySegment st, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return result((int) GETSOCKNAME.invokeExact(st, fd, addr, addrlen), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int getpeername(MemorySegment st, int fd, MemorySegment addr, MemorySegment addrlen) {
        try {
            return result((int) GETPEERNAME.invokeExact(st, fd, addr, addrlen), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long send(MemorySegment st, int fd, MemorySegment buf, long len, int flags) {
        try {
            return result((long) SEND.invokeExact(st, fd, buf, len, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long recv(MemorySegment st, int fd, MemorySegment buf, long len, int flags) {
        try {
            return result((long) RECV.invokeExact(st, fd, buf, len, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long sendfile(MemorySegment st, int outFd, int inFd, MemorySegment offset, long count) {
        try {
            return result((long) SENDFILE.invokeExact(st, outFd, inFd, offset, count), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }


    public static long sendmsg(MemorySegment st, int fd, MemorySegment msg, int flags) {
        try {
            return result((long) SENDMSG.invokeExact(st, fd, msg, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long recvmsg(MemorySegment st, int fd, MemorySegment msg, int flags) {
        try {
            return result((long) RECVMSG.invokeExact(st, fd, msg, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static long sendto(MemorySegment st, int fd, MemorySegment buf, long len, int flags, MemorySegment addr, int addrlen) {
        try {
            return result((long) SENDTO.invokeExact(st, fd, buf, len, flags, addr, addrlen), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code sendmmsg(fd, vec, vlen, flags)}: messages sent, or {@code -errno}. */
    public static int sendmmsg(MemorySegment st, int fd, MemorySegment vec, int vlen, int flags) {
        try {
            return result((int) SENDMMSG.invokeExact(st, fd, vec, vlen, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code recvmmsg(fd, vec, vlen, flags, NULL)}: messages received, or {@code -errno}. */
    public static int recvmmsg(MemorySegment st, int fd, MemorySegment vec, int vlen, int flags) {
        try {
            return result((int) RECVMMSG.invokeExact(st, fd, vec, vlen, flags, MemorySegment.NULL), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
