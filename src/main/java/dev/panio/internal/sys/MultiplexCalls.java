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

    private static final class Select {
        static final MethodHandle HANDLE = Native.blocking(LibC.select$address(), LibC.select$descriptor());
    }
    private static final class Poll {
        static final MethodHandle HANDLE = Native.blocking(LibC.poll$address(), LibC.poll$descriptor());
    }
    private static final class Ppoll {
        static final MethodHandle HANDLE = Native.blocking(LibC.ppoll$address(), LibC.ppoll$descriptor());
    }
    private static final class EpollCreate1 {
        static final MethodHandle HANDLE = Native.critical(LibC.epoll_create1$address(), LibC.epoll_create1$descriptor());
    }
    // epoll_ctl only edits the interest list; it never waits.
    private static final class EpollCtl {
        static final MethodHandle HANDLE = Native.critical(LibC.epoll_ctl$address(), LibC.epoll_ctl$descriptor());
    }
    private static final class EpollWait {
        static final MethodHandle HANDLE = Native.blocking(LibC.epoll_wait$address(), LibC.epoll_wait$descriptor());
    }
    // With a zero timeout epoll_wait only copies out what is ready: it cannot block.
    private static final class EpollWaitNow {
        static final MethodHandle HANDLE = Native.critical(LibC.epoll_wait$address(), LibC.epoll_wait$descriptor());
    }
    private static final class EpollPwait {
        static final MethodHandle HANDLE = Native.blocking(LibC.epoll_pwait$address(), LibC.epoll_pwait$descriptor());
    }

    public static int select(CallState st, int nfds, MemorySegment readfds, MemorySegment writefds, MemorySegment exceptfds, MemorySegment timeout) {
        st.count(Syscall.SELECT);
        try {
            return result((int) Select.HANDLE.invokeExact(st.errno, nfds, readfds, writefds, exceptfds, timeout), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int poll(CallState st, MemorySegment fds, long nfds, int timeout) {
        st.count(Syscall.POLL);
        try {
            return result((int) Poll.HANDLE.invokeExact(st.errno, fds, nfds, timeout), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int ppoll(CallState st, MemorySegment fds, long nfds, MemorySegment timeout, MemorySegment sigmask) {
        st.count(Syscall.PPOLL);
        try {
            return result((int) Ppoll.HANDLE.invokeExact(st.errno, fds, nfds, timeout, sigmask), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollCreate1(CallState st, int flags) {
        st.count(Syscall.EPOLL_CREATE1);
        try {
            return result((int) EpollCreate1.HANDLE.invokeExact(st.errno, flags), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollCtl(CallState st, int epfd, int op, int fd, MemorySegment event) {
        st.count(Syscall.EPOLL_CTL);
        try {
            return result((int) EpollCtl.HANDLE.invokeExact(st.errno, epfd, op, fd, event), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollWait(CallState st, int epfd, MemorySegment events, int maxevents, int timeout) {
        st.count(Syscall.EPOLL_WAIT);
        try {
            // Each handle is invoked from its own constant call site: through a variable the call
            // is not inlined and the downcall's capture-state check allocates per call.
            int r = timeout == 0 ? (int) EpollWaitNow.HANDLE.invokeExact(st.errno, epfd, events, maxevents, timeout)
                    : (int) EpollWait.HANDLE.invokeExact(st.errno, epfd, events, maxevents, timeout);
            return result(r, st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    public static int epollPwait(CallState st, int epfd, MemorySegment events, int maxevents, int timeout, MemorySegment sigmask) {
        st.count(Syscall.EPOLL_PWAIT);
        try {
            return result((int) EpollPwait.HANDLE.invokeExact(st.errno, epfd, events, maxevents, timeout, sigmask), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

}
