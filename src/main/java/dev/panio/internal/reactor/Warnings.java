package dev.panio.internal.reactor;

import dev.panio.reactor.EventLoop;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Operational warnings, each logged once per loop. Logging must never take a loop down:
 * the first log line can load classes and open files (time-zone data), which fails when
 * the process is out of file descriptors, so every failure here is swallowed.
 */
public final class Warnings {
    private static final Set<String> SEEN = ConcurrentHashMap.newKeySet();

    private Warnings() {}

    public static void once(EventLoop loop, String message) {
        if (!SEEN.add(loop + ": " + message)) return;
        try {
            System.getLogger("dev.panio.reactor").log(System.Logger.Level.WARNING, loop + ": " + message);
        } catch (Throwable ignored) {
            // see the class comment
        }
    }
}
