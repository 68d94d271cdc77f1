package dev.panio.io;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * A Linux error number with its symbolic name and description (from jnr-constants).
 *
 * <p>Instances are canonical: {@code Errno.of(n) == Errno.of(n)} for every {@code n} in
 * 0..4095, so they can be compared with {@code ==}. Codes jnr-constants does not know get
 * the name {@code E<n>} and description {@code Unknown error <n>}.
 */
public final class Errno {
    private static final int MAX = 4096;
    /**
     * The canonical instances, each made at its first use: making all 4,096 up front cost a
     * new process about 1 MB of allocation and 20 ms before it served anything.
     */
    private static final Errno[] TABLE = new Errno[MAX];
    private static final VarHandle SLOT = MethodHandles.arrayElementVarHandle(Errno[].class);

    /** Operation not permitted. */
    public static final Errno EPERM = of(1);
    /** No such file or directory. */
    public static final Errno ENOENT = of(2);
    /** No such process (or thread). */
    public static final Errno ESRCH = of(3);
    /** Interrupted system call. */
    public static final Errno EINTR = of(4);
    /** No such device or address. */
    public static final Errno ENXIO = of(6);
    /** Bad file descriptor. */
    public static final Errno EBADF = of(9);
    /** Resource temporarily unavailable: a non-blocking call would block ({@code EWOULDBLOCK}). */
    public static final Errno EAGAIN = of(11);
    /** Cannot allocate memory. */
    public static final Errno ENOMEM = of(12);
    /** Permission denied. */
    public static final Errno EACCES = of(13);
    /** Bad address. */
    public static final Errno EFAULT = of(14);
    /** Device or resource busy. */
    public static final Errno EBUSY = of(16);
    /** File exists; also {@code epoll_ctl(ADD)} of an fd already registered. */
    public static final Errno EEXIST = of(17);
    /** Invalid cross-device link. */
    public static final Errno EXDEV = of(18);
    /** Not a directory. */
    public static final Errno ENOTDIR = of(20);
    /** Is a directory. */
    public static final Errno EISDIR = of(21);
    /** Invalid argument. */
    public static final Errno EINVAL = of(22);
    /** Too many open files in system. */
    public static final Errno ENFILE = of(23);
    /** Too many open files: the process's {@code RLIMIT_NOFILE} is reached. */
    public static final Errno EMFILE = of(24);
    /** Broken pipe: writing to a pipe or socket whose other end is closed. */
    public static final Errno EPIPE = of(32);
    /** Numerical result out of range. */
    public static final Errno ERANGE = of(34);
    /** Function not implemented: the kernel lacks the system call. */
    public static final Errno ENOSYS = of(38);
    /** Too many levels of symbolic links. */
    public static final Errno ELOOP = of(40);
    /** Timer expired; also the result of an io_uring timeout that ran out. */
    public static final Errno ETIME = of(62);
    /** Value too large for defined data type. */
    public static final Errno EOVERFLOW = of(75);
    /** Socket operation on non-socket. */
    public static final Errno ENOTSOCK = of(88);
    /** Destination address required. */
    public static final Errno EDESTADDRREQ = of(89);
    /** Message too long. */
    public static final Errno EMSGSIZE = of(90);
    /** Protocol not available: an unknown socket option. */
    public static final Errno ENOPROTOOPT = of(92);
    /** Operation not supported. */
    public static final Errno EOPNOTSUPP = of(95);
    /** Address family not supported by protocol. */
    public static final Errno EAFNOSUPPORT = of(97);
    /** Address already in use. */
    public static final Errno EADDRINUSE = of(98);
    /** Cannot assign requested address. */
    public static final Errno EADDRNOTAVAIL = of(99);
    /** Network is unreachable. */
    public static final Errno ENETUNREACH = of(101);
    /** Software caused connection abort. */
    public static final Errno ECONNABORTED = of(103);
    /** Connection reset by peer. */
    public static final Errno ECONNRESET = of(104);
    /** No buffer space available. */
    public static final Errno ENOBUFS = of(105);
    /** Transport endpoint is already connected. */
    public static final Errno EISCONN = of(106);
    /** Transport endpoint is not connected. */
    public static final Errno ENOTCONN = of(107);
    /** Connection timed out. */
    public static final Errno ETIMEDOUT = of(110);
    /** Connection refused. */
    public static final Errno ECONNREFUSED = of(111);
    /** Operation already in progress. */
    public static final Errno EALREADY = of(114);
    /** Operation now in progress: a non-blocking {@code connect}. */
    public static final Errno EINPROGRESS = of(115);
    /** Operation canceled; also the result of a cancelled io_uring request. */
    public static final Errno ECANCELED = of(125);

    private final int code;
    private final String name;
    private final String description;

    private Errno(int code, String name, String description) {
        this.code = code;
        this.name = name;
        this.description = description;
    }

    /**
     * The canonical instance for {@code code}; negative codes (a {@code -errno} result) are accepted.
     *
     * @param code an errno value or its negation
     * @return the instance for {@code |code|}; above 4095 a new, non-canonical one
     */
    public static Errno of(int code) {
        // Math.abs(Integer.MIN_VALUE) stays negative: no errno is that large, describe it as unknown
        int c = code == Integer.MIN_VALUE ? Integer.MAX_VALUE : Math.abs(code);
        if (c < MAX) {
            // Acquire pairs with the release below: a thread that finds an instance sees it whole
            // (its fields are final as well, which alone would do; the pair says so).
            Errno e = (Errno) SLOT.getAcquire(TABLE, c);
            if (e != null) return e;
            // two threads may both make one: the first stored is the one every caller gets
            Errno made = describe(c);
            Errno first = (Errno) SLOT.compareAndExchangeRelease(TABLE, c, (Errno) null, made);
            return first == null ? made : first;
        }
        return describe(c);
    }

    private static Errno describe(int code) {
        jnr.constants.platform.Errno known = jnr.constants.platform.Errno.valueOf(code);
        if (known != null && known.defined() && known.intValue() == code) {
            return new Errno(code, known.name(), known.description());
        }
        return new Errno(code, "E" + code, "Unknown error " + code);
    }

    /**
     * The number, as in {@code errno.h}.
     *
     * @return the positive errno value
     */
    public int code() {
        return code;
    }

    /**
     * The symbolic name, such as {@code EAGAIN}.
     *
     * @return the name, or {@code E<n>} for a code jnr-constants does not know
     */
    public String name() {
        return name;
    }

    /**
     * The description, such as {@code Resource temporarily unavailable}.
     *
     * @return the description, or {@code Unknown error <n>}
     */
    public String description() {
        return description;
    }

    /** {@code NAME (description)}. */
    @Override
    public String toString() {
        return name + " (" + description + ")";
    }
}
