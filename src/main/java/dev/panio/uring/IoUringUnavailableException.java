package dev.panio.uring;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;

/**
 * io_uring cannot be used here: the kernel lacks it, has it disabled, a seccomp profile
 * forbids it, the requested setup flags are unknown to this kernel, or the locked-memory
 * limit is too low. {@link #reason()} says which and what to do; a caller such as an event
 * loop can fall back to epoll deliberately.
 */
public final class IoUringUnavailableException extends ErrnoException {
    private static final long serialVersionUID = 1L;

    /** Why io_uring is unavailable, and what to do about it. */
    private final String reason;

    IoUringUnavailableException(Errno errno, String reason) {
        super("io_uring_setup", reason, -1, errno);
        this.reason = reason;
    }

    /**
     * Why io_uring is unavailable, and what to do about it.
     *
     * @return the explanation, which also forms the message's detail
     */
    public String reason() {
        return reason;
    }

    static String explain(Errno errno, int setupFlags) {
        if (errno == Errno.EPERM) {
            return "io_uring is not permitted: the sysctl kernel.io_uring_disabled is set, or a container "
                    + "seccomp profile blocks io_uring_setup; allow it or use epoll";
        }
        if (errno == Errno.ENOSYS) {
            return "this kernel has no io_uring (before Linux 5.1, built without CONFIG_IO_URING, or hidden "
                    + "by seccomp); use epoll";
        }
        if (errno == Errno.EINVAL) {
            return "the kernel refused the setup flags 0x" + Integer.toHexString(setupFlags)
                    + " (unknown to this kernel, or an invalid combination); drop the newer flags or use epoll";
        }
        if (errno == Errno.ENOMEM) {
            return "not enough locked memory for the rings (RLIMIT_MEMLOCK, on kernels before 5.12); "
                    + "raise ulimit -l, use fewer entries, or use epoll";
        }
        if (errno == Errno.EMFILE || errno == Errno.ENFILE) {
            return "no file descriptor left for the ring; close some or raise RLIMIT_NOFILE";
        }
        return "io_uring_setup failed; use epoll";
    }
}
