package dev.panio.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads {@code jdk.VirtualThreadPinned} events from a JFR recording and keeps those that
 * panio's own code caused: a stack with a frame of panio's main classes (not a test's), and
 * no first-use linkage in it. A virtual thread that waits while another thread initialises
 * a class or links a call site (a string concatenation's first run, a method handle's first
 * invocation) is pinned by the JVM whatever the code; that happens once per class or call
 * site, not per call, and says nothing of whether panio's calls hold carriers. Such events
 * are counted apart.
 */
public final class PinnedEvents {
    private PinnedEvents() {}

    /** What the recording holds: the events panio caused (each with its stack), and how many were first-use linkage. */
    public record Found(List<String> panio, int linkage) {}

    /** Work to record. */
    public interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} under a JFR recording of every {@code jdk.VirtualThreadPinned} (with stacks) and reads it. */
    public static Found during(Body body) throws Exception {
        Path jfr = java.nio.file.Files.createTempFile("panio-pinned", ".jfr");
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording()) {
            recording.enable("jdk.VirtualThreadPinned").withThreshold(java.time.Duration.ZERO).withStackTrace();
            recording.start();
            body.run();
            recording.stop();
            recording.dump(jfr);
            return read(jfr);
        } finally {
            java.nio.file.Files.deleteIfExists(jfr);
        }
    }

    public static Found read(Path jfr) throws IOException {
        List<String> panio = new ArrayList<>();
        int linkage = 0;
        for (RecordedEvent e : RecordingFile.readAllEvents(jfr)) {
            if (!e.getEventType().getName().equals("jdk.VirtualThreadPinned") || e.getStackTrace() == null) continue;
            boolean ours = false, link = false;
            StringBuilder stack = new StringBuilder();
            for (RecordedFrame f : e.getStackTrace().getFrames()) {
                String type = f.getMethod().getType().getName(), method = f.getMethod().getName();
                stack.append("\n    ").append(type).append('.').append(method).append(':').append(f.getLineNumber());
                if (type.startsWith("dev.panio.") && !type.contains("Test")) ours = true;
                if (method.equals("<clinit>") || type.startsWith("java.lang.invoke.") || type.startsWith("jdk.internal.loader.")
                        || (type.equals("java.lang.ClassLoader") && method.startsWith("loadClass"))) {
                    link = true;
                }
            }
            if (!ours) continue;
            if (link) linkage++;
            else panio.add(stack.toString());
        }
        return new Found(panio, linkage);
    }
}
