package dev.panio.internal.sys;

import java.util.Locale;

/**
 * The system calls this layer makes, by the name the kernel knows them by ({@code send} is
 * {@code sendto}, {@code open} is {@code openat}, {@code getrlimit} is {@code prlimit64}):
 * the kinds {@link CallState#count} counts, so that a loop's counts read like {@code strace -c}.
 * libc functions that make no system call ({@code sigemptyset}) and the ones that make
 * several ({@code if_nametoindex}) are not counted.
 */
public enum Syscall {
    READ, WRITE, READV, WRITEV, PREAD64, PWRITE64, CLOSE, PIPE2, DUP, DUP3, FCNTL, IOCTL, OPENAT, OPENAT2,
    MEMFD_CREATE, FTRUNCATE, LSEEK, FSTAT,
    EVENTFD2, TIMERFD_CREATE, TIMERFD_SETTIME, TIMERFD_GETTIME, PRLIMIT64, MMAP, MUNMAP, GETPID, GETUID, GETGID,
    GETTID, KILL,
    SELECT, POLL, PPOLL, EPOLL_CREATE1, EPOLL_CTL, EPOLL_WAIT, EPOLL_PWAIT,
    RT_SIGPROCMASK, RT_SIGACTION, SIGNALFD4, TGKILL,
    SOCKET, SOCKETPAIR, BIND, LISTEN, ACCEPT4, CONNECT, SHUTDOWN, SETSOCKOPT, GETSOCKOPT, GETSOCKNAME, GETPEERNAME,
    SENDTO, RECVFROM, SENDMSG, RECVMSG, SENDMMSG, RECVMMSG, SENDFILE,
    IO_URING_SETUP, IO_URING_ENTER, IO_URING_REGISTER;

    private static final Syscall[] ALL = values();
    private final String linuxName = name().toLowerCase(Locale.ROOT);

    /** How many kinds there are. */
    public static final int COUNT = ALL.length;

    /** The kind with ordinal {@code i}. */
    public static Syscall of(int i) {
        return ALL[i];
    }

    /** The kernel's name, as {@code strace} prints it. */
    public String linuxName() {
        return linuxName;
    }
}
