package dev.panio.io;

/**
 * A Linux error number with its symbolic name and description (from jnr-constants).
 *
 * <p>Instances are canonical: {@code Errno.of(n) == Errno.of(n)} for every {@code n} in
 * 0..4095, so they can be compared with {@code ==}. Codes jnr-constants does not know get
 * the name {@code E<n>} and description {@code Unknown error <n>}.
 */
public final class Errno {
    private static final int MAX = 4096;
    private static final Errno[] TABLE = new Errno[MAX];

    static {
        for (int code = 0; code < MAX; code++) {
            TABLE[code] = describe(code);
        }
    }

    public static final Errno EPERM = of(1);
    public static final Errno ENOENT = of(2);
    public static final Errno ESRCH = of(3);
    public static final Errno EINTR = of(4);
    public static final Errno ENXIO = of(6);
    public static final Errno EBADF = of(9);
    public static final Errno EAGAIN = of(11);
    public static final Errno ENOMEM = of(12);
    public static final Errno EACCES = of(13);
    public static final Errno EFAULT = of(14);
    public static final Errno EBUSY = of(16);
    public static final Errno EEXIST = of(17);
    public static final Errno EXDEV = of(18);
    public static final Errno ENOTDIR = of(20);
    public static final Errno EISDIR = of(21);
    public static final Errno EINVAL = of(22);
    public static final Errno ENFILE = of(23);
    public static final Errno EMFILE = of(24);
    public static final Errno EPIPE = of(32);
    public static final Errno ERANGE = of(34);
    public static final Errno ENOSYS = of(38);
    public static final Errno ELOOP = of(40);
    public static final Errno ETIME = of(62);
    public static final Errno EOVERFLOW = of(75);
    public static final Errno ENOTSOCK = of(88);
    public static final Errno EDESTADDRREQ = of(89);
    public static final Errno EMSGSIZE = of(90);
    public static final Errno ENOPROTOOPT = of(92);
    public static final Errno EOPNOTSUPP = of(95);
    public static final Errno EAFNOSUPPORT = of(97);
    public static final Errno EADDRINUSE = of(98);
    public static final Errno EADDRNOTAVAIL = of(99);
    public static final Errno ENETUNREACH = of(101);
    public static final Errno ECONNABORTED = of(103);
    public static final Errno ECONNRESET = of(104);
    public static final Errno ENOBUFS = of(105);
    public static final Errno EISCONN = of(106);
    public static final Errno ENOTCONN = of(107);
    public static final Errno ETIMEDOUT = of(110);
    public static final Errno ECONNREFUSED = of(111);
    public static final Errno EALREADY = of(114);
    public static final Errno EINPROGRESS = of(115);
    public static final Errno ECANCELED = of(125);

    private final int code;
    private final String name;
    private final String description;

    private Errno(int code, String name, String description) {
        this.code = code;
        this.name = name;
        this.description = description;
    }

    /** The canonical instance for {@code code}; negative codes (a {@code -errno} result) are accepted. */
    public static Errno of(int code) {
        int c = Math.abs(code);
        if (c < MAX) {
            return TABLE[c];
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

    /** The number, as in {@code errno.h}. */
    public int code() {
        return code;
    }

    /** The symbolic name, such as {@code EAGAIN}. */
    public String name() {
        return name;
    }

    /** The description, such as {@code Resource temporarily unavailable}. */
    public String description() {
        return description;
    }

    /** {@code NAME (description)}. */
    @Override
    public String toString() {
        return name + " (" + description + ")";
    }
}
