package dev.panio.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class that leaves the process with file descriptors it did not find:
 * {@code /proc/self/fd} is listed before the class's first test and after its last.
 *
 * <p>Descriptors the JVM opens for itself on first use of a class (jar and module files)
 * are not the code under test's and are ignored.
 */
public final class NoFdLeaks implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(NoFdLeaks.class);

    private static volatile boolean jdkWarmed;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        warmUpJdk();
        context.getStore(NS).put("before", openFds());
    }

    /**
     * The JDK opens descriptors of its own the first time a virtual thread blocks on a
     * socket (its read and write pollers, kept for the life of the JVM). Make that happen
     * before the first snapshot, so they are not taken for the tests' leaks; and the same
     * for panio's own shared readiness poller.
     */
    private static synchronized void warmUpJdk() throws Exception {
        if (jdkWarmed) return;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread t = Thread.ofVirtual().start(() -> {
                try (java.net.Socket c = new java.net.Socket(ss.getInetAddress(), ss.getLocalPort())) {
                    c.setSoTimeout(50);
                    c.getInputStream().read();
                } catch (IOException expected) {
                    // the read times out: it parked on the JDK's poller, which is what we wanted
                }
            });
            try (java.net.Socket accepted = ss.accept()) {
                t.join();
            }
        }
        // panio's shared readiness poller (dev.panio.coroutine) likewise lives as long as the JVM
        try (dev.panio.io.EventFd e = dev.panio.io.EventFd.open()) {
            Thread t = Thread.ofVirtual().start(() -> {
                try {
                    dev.panio.coroutine.Readiness.await(e.fd(), dev.panio.coroutine.Readiness.IN, 1_000_000L);
                } catch (Exception ignored) {
                    // a timeout is what we wanted
                }
            });
            t.join();
            // and so does the io_uring one (a ring and its wake-up eventfd), where the kernel gives rings
            if (dev.panio.coroutine.UringBlocking.available()) {
                dev.panio.coroutine.UringBlocking.await(e.fd(), dev.panio.coroutine.Readiness.OUT, -1);
            }
        }
        jdkWarmed = true;
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        @SuppressWarnings("unchecked")
        Map<Integer, String> before = context.getStore(NS).get("before", Map.class);
        Map<Integer, String> leaked = new TreeMap<>();
        for (int attempt = 0; attempt < 50; attempt++) {
            leaked.clear();
            openFds().forEach((fd, target) -> {
                if (!target.equals(before.get(fd)) && !jvmOwn(target)) leaked.put(fd, target);
            });
            if (leaked.isEmpty()) return;
            Thread.sleep(20); // a deferred close on another thread may still be finishing
        }
        leaked.replaceAll((fd, target) -> target + describeSocket(target));
        throw new AssertionError(context.getDisplayName() + " leaked file descriptors: " + leaked);
    }

    /** fd number to link target, for every open fd of this process. */
    public static Map<Integer, String> openFds() throws IOException {
        Map<Integer, String> fds = new TreeMap<>();
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            for (Path p : (Iterable<Path>) s::iterator) {
                try {
                    fds.put(Integer.parseInt(p.getFileName().toString()), Files.readSymbolicLink(p).toString());
                } catch (IOException gone) {
                    // the listing's own directory fd, closed by now
                }
            }
        }
        return fds;
    }

    /** For {@code socket:[inode]}: its TCP addresses and state from /proc/net/tcp(6), to tell which test left it. */
    static String describeSocket(String target) {
        if (!target.startsWith("socket:[")) return "";
        String inode = target.substring(8, target.length() - 1);
        for (String table : new String[] {"/proc/net/tcp", "/proc/net/tcp6"}) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 9 && f[9].equals(inode)) {
                        return " (" + table.substring(10) + " " + f[1] + " -> " + f[2] + " state " + f[3] + ")";
                    }
                }
            } catch (IOException ignored) {
                // no table: say nothing more
            }
        }
        return " (not TCP)";
    }

    private static boolean jvmOwn(String target) {
        // the listing's own directory stream (with @TempDir about, it can land on a new number)
        if (target.equals("/proc/" + ProcessHandle.current().pid() + "/fd")) return true;
        return target.endsWith(".jar") || target.endsWith("/modules") || target.endsWith(".jmod")
                || target.startsWith("/dev/urandom") || target.startsWith("/dev/random");
    }
}
