package dev.panio.net;

import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MiscCalls;

/**
 * A process's credentials as the kernel gives them over a Unix socket: {@code SO_PEERCRED}
 * (the peer's, taken when the connection was made) and {@code SCM_CREDENTIALS} (a message's
 * sender's, when the receiver has {@link LinuxSocketOptions#SO_PASSCRED} on).
 *
 * @param pid the process id
 * @param uid the user id
 * @param gid the group id
 */
public record Credentials(int pid, int uid, int gid) {
    /**
     * This process's pid, uid and gid, to compare with a peer's.
     *
     * @return the credentials from {@code getpid}, {@code getuid} and {@code getgid} (real ids)
     */
    public static Credentials ofThisProcess() {
        CallState cs = CallState.current();
        return new Credentials(MiscCalls.getpid(cs), MiscCalls.getuid(cs), MiscCalls.getgid(cs));
    }
}
