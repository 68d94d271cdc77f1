package dev.panio.testkit;

import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** The extension behind {@link NoFdLeaks}; see there. */
public final class FdLeakCheck implements BeforeAllCallback, AfterAllCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(FdLeakCheck.class);

    private static volatile boolean jdkWarmed;

    /** Made by JUnit for each class annotated {@link NoFdLeaks}. */
    public FdLeakCheck() {}

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        warmUpJdk();
        if (origins(context)) {
            context.getStore(NS).put("tracking", dev.panio.io.FdOrigins.isTracking());
            dev.panio.io.FdOrigins.track(true);
        }
        context.getStore(NS).put("before", Fds.open());
    }

    private static boolean origins(ExtensionContext context) {
        return context.getTestClass()
                .flatMap(c -> org.junit.platform.commons.support.AnnotationSupport.findAnnotation(c, NoFdLeaks.class))
                .map(NoFdLeaks::origins).orElse(false);
    }

    /** Where panio opened {@code fd}: the frames from the first outside panio's own packages, or "". */
    static String origin(int fd) {
        return dev.panio.io.FdOrigins.openedAt(fd).map(frames -> {
            StringBuilder sb = new StringBuilder(" opened at");
            int shown = 0;
            boolean outside = false;
            for (StackTraceElement f : frames) {
                outside |= !f.getClassName().startsWith("dev.panio.") || f.getClassName().startsWith("dev.panio.testkit.");
                if (!outside) continue;
                sb.append("\n        ").append(f);
                if (++shown == 6) break;
            }
            return shown == 0 ? sb.append(' ').append(frames[frames.length - 1]).toString() : sb.toString();
        }).orElse("");
    }

    /**
     * The JDK opens descriptors of its own the first time a virtual thread blocks on a
     * socket (its read and write pollers, kept for the life of the JVM). Make that happen
     * before the first snapshot, so they are not taken for the tests' leaks; and the same
     * for panio's own shared readiness poller.
     */
    private static void restoreTracking(ExtensionContext context) {
        Boolean was = context.getStore(NS).get("tracking", Boolean.class);
        if (was != null) dev.panio.io.FdOrigins.track(was);
    }

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
        // so does the default group of NIO.2's asynchronous channels (an epoll fd and a wake-up
        // pipe), created by the first AsynchronousSocketChannel.open() without a group
        java.nio.channels.AsynchronousSocketChannel.open().close();
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
            Fds.open().forEach((fd, target) -> {
                if (!target.equals(before.get(fd)) && !jvmOwn(target)) leaked.put(fd, target);
            });
            if (leaked.isEmpty()) {
                restoreTracking(context);
                return;
            }
            Thread.sleep(20); // a deferred close on another thread may still be finishing
        }
        try {
            leaked.replaceAll((fd, target) -> target + Fds.describeSocket(target) + origin(fd));
            throw new AssertionError(context.getDisplayName() + " leaked file descriptors: " + leaked);
        } finally {
            restoreTracking(context);
        }
    }

    private static boolean jvmOwn(String target) {
        // the listing's own directory stream (with @TempDir about, it can land on a new number)
        if (target.equals("/proc/" + ProcessHandle.current().pid() + "/fd")) return true;
        return target.endsWith(".jar") || target.endsWith("/modules") || target.endsWith(".jmod")
                || target.startsWith("/dev/urandom") || target.startsWith("/dev/random");
    }
}
