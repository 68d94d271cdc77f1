package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The readiness calls: select, poll, ppoll, epoll_create1, epoll_ctl, epoll_wait,
 * epoll_pwait. Each returns the C result or {@code -errno}. epoll_wait has a second,
 * critical handle used only with a zero timeout, where it cannot block.
 */
public final class MultiplexCalls {
    private MultiplexCalls() {}

    private static final MethodHandle SELECT = Native.blocking(LibC.select$address(), LibC.select$descriptor());
    private static final MethodHandle POLL = Native.blocking(LibC.poll$address(), LibC.poll$descriptor());
    private static final MethodHandle PPOLL = Native.blocking(LibC.ppoll$address(), LibC.ppoll$descriptor());
    private static final MethodHandle EPOLLCREATE1 = Native.critical(LibC.epoll_create1$address(), LibC.epoll_create1$descriptor());
    // epoll_ctl only edits the interest list; it never waits.
    private static final MethodHandle EPOLLCTL = Native.critical(LibC.epoll_ctl$address(), LibC.epoll_ctl$descriptor());
    private static final MethodHandle EPOLLWAIT = Native.blocking(LibC.epoll_wait$address(), LibC.epoll_wait$descriptor());
    // With a zero timeout epoll_wait only copies out what is ready: it cannot block.
    private static final MethodHandle EPOLLWAIT_NOW = Native.critical(LibC.epoll_wait$address(), LibC.epoll_wait$descriptor());
    private static final MethodHandle EPOLLPWAIT = Native.blocking(LibC.epoll_pwait$address(), LibC.epoll_pwait$descriptor());

    public static int select(MemorySegment st, int nfds, MemorySegment readfds, MemorySegment writefds, MemorySegment exceptfds, MemorySegment timeout) {
        try {
            return result((int) SELECT.invokeExact(st, nfds, readfds, writefds, exceptfds, timeout), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int poll(MemorySegment st, MemorySegment fds, long nfds, int timeout) {
        try {
            return result((int) POLL.invokeExact(st, fds, nfds, timeout), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ppoll(MemorySegment st, MemorySegment fds, long nfds, MemorySegment timeout, MemorySegment sigmask) {
        try {
            return result((int) PPOLL.invokeExact(st, fds, nfds, timeout, sigmask), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollCreate1(MemorySegment st, int flags) {
        try {
            return result((int) EPOLLCREATE1.invokeExact(st, flags), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollCtl(MemorySegment st, int epfd, int op, int fd, MemorySegment event) {
        try {
            return result((int) EPOLLCTL.invokeExact(st, epfd, op, fd, event), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollWait(MemorySegment st, int epfd, MemorySegment events, int maxevents, int timeout) {
        try {
            // Each handle is invoked from its own constant call site: through a variable the call
            // is not inlined and the downcall's capture-state check allocates per call.
            int r = timeout == 0 ? (int) EPOLLWAIT_NOW.invokeExact(st, epfd, events, maxevents, timeout)
                    : (int) EPOLLWAIT.invokeExact(st, epfd, events, maxevents, timeout);
            return result(r, st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollPwait(MemorySegment st, int epfd, MemorySegment events, int maxevents, int timeout, MemorySegment sigmask) {
        try {
            return result((int) EPOLLPWAIT.invokeExact(st, epfd, events, maxevents, timeout, sigmask), st);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

}
