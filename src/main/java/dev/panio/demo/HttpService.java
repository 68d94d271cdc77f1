package dev.panio.demo;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.FileStatus;
import dev.panio.io.LinuxFiles;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.LoopMetrics;
import java.nio.file.Path;

/**
 * What every HTTP connection of one server shares: where {@code /stats} and {@code /status}
 * get their figures (the loop group, or the coroutine server's counters) and the directory
 * {@code /files/} serves. The directory is opened once;
 * each file is opened beneath it with {@code openat2(RESOLVE_BENEATH)}, so the kernel
 * refuses any path that would leave it, symbolic links included.
 */
final class HttpService implements AutoCloseable {
    /** The serving side's description and counters, one entry per loop (or one for all the coroutine server's threads). */
    interface Figures {
        String backendDescription();

        java.util.List<LoopMetrics> loops();
    }

    /**
     * How long a header section may take to arrive (then 408), a connection may stay silent
     * (then closed), and a lingering close reads what the client still sends.
     */
    record Timeouts(long headerMillis, long idleMillis, long lingerMillis) {
        /** The demo server's: nginx waits 60 to 75 s for an idle connection and lingers up to 30 s. */
        static final Timeouts DEFAULT = new Timeouts(10_000, 60_000, 5_000);
    }

    private final Figures figures;
    private volatile Timeouts timeouts = Timeouts.DEFAULT;
    private final FileDescriptor filesRoot; // null: no --files
    private final long maxBody;
    /** Requests answered, per loop (thread backends answer on many threads at once). */
    private final java.util.concurrent.atomic.LongAdder[] requests;

    HttpService(EventLoopGroup group, Path files) throws ErrnoException {
        this(group, files, -1);
    }

    /** @param maxBody the largest body {@code /echo} streams back, -1 for no limit ({@code --max-body}) */
    HttpService(EventLoopGroup group, Path files, long maxBody) throws ErrnoException {
        this(new Figures() {
            @Override
            public String backendDescription() {
                return group.backendDescription();
            }

            @Override
            public java.util.List<LoopMetrics> loops() {
                return group.loops().stream().map(dev.panio.reactor.EventLoop::metrics).toList();
            }
        }, group.loops().size(), files, maxBody);
    }

    HttpService(Figures figures, int loops, Path files, long maxBody) throws ErrnoException {
        this.figures = figures;
        this.maxBody = maxBody;
        this.requests = new java.util.concurrent.atomic.LongAdder[loops];
        for (int i = 0; i < requests.length; i++) requests[i] = new java.util.concurrent.atomic.LongAdder();
        this.filesRoot = files == null ? null : LinuxFiles.openDirectory(files);
    }

    Timeouts timeouts() {
        return timeouts;
    }

    /** Other timeouts, for connections opened after the call (tests shorten them). */
    HttpService withTimeouts(Timeouts t) {
        timeouts = t;
        return this;
    }

    /** The largest body {@code /echo} takes, -1 for no limit (routes that buffer a body keep their 1 MiB). */
    long maxBody() {
        return maxBody;
    }

    boolean servesFiles() {
        return filesRoot != null;
    }

    /** An open regular file under the root, or the HTTP status that refuses it. */
    record FileLookup(FileDescriptor file, long size, int status) {}

    /**
     * Opens {@code relative} (already percent-decoded) under the root. 404 for what is not
     * there or not a regular file, 403 for what would leave the root.
     */
    FileLookup open(String relative) {
        if (relative.isEmpty() || relative.indexOf('\0') >= 0) return new FileLookup(null, 0, 404);
        FileDescriptor f;
        try {
            f = LinuxFiles.openBeneath(filesRoot, relative);
        } catch (ErrnoException e) {
            Errno n = e.errno();
            boolean outside = n == Errno.EXDEV || n == Errno.ELOOP || n == Errno.EACCES || n == Errno.EPERM;
            return new FileLookup(null, 0, outside ? 403 : n == Errno.ENOENT || n == Errno.ENOTDIR ? 404 : 500);
        }
        try {
            FileStatus st = LinuxFiles.stat(f);
            if (st.isRegularFile()) return new FileLookup(f, st.size(), 200);
        } catch (ErrnoException e) {
            // reported as not found below
        }
        closeQuietly(f);
        return new FileLookup(null, 0, 404);
    }

    static void closeQuietly(FileDescriptor f) {
        try {
            f.close();
        } catch (ErrnoException ignored) {
            // read-only
        }
    }

    /** Counts a request answered on loop {@code loop}. */
    void answered(int loop) {
        requests[loop].increment();
    }

    /**
     * {@code /stats}: per-loop counters as JSON (the system calls by kind among them), with the server's monotonic clock
     * ({@code nanos}) so that a reader computes rates over the time that really passed
     * between two samples.
     */
    String stats() {
        StringBuilder sb = new StringBuilder("{\"backend\":\"").append(json(figures.backendDescription()))
                .append("\",\"nanos\":").append(System.nanoTime()).append(",\"loops\":[");
        java.util.List<LoopMetrics> loops = figures.loops();
        for (int i = 0; i < loops.size(); i++) {
            LoopMetrics m = loops.get(i);
            if (i > 0) sb.append(',');
            sb.append("{\"requests\":").append(requests[i].sum()).append(",\"open\":").append(m.open()).append(",\"accepted\":").append(m.accepted())
              .append(",\"acceptErrors\":").append(m.acceptErrors()).append(",\"bytesRead\":").append(m.bytesRead())
              .append(",\"bytesWritten\":").append(m.bytesWritten()).append(",\"reads\":").append(m.reads())
              .append(",\"writes\":").append(m.writes()).append(",\"wakeups\":").append(m.wakeups())
              .append(",\"allocatedBytes\":").append(m.allocatedBytes())
              .append(",\"handlerFailures\":").append(m.handlerFailures()).append(",\"systemCalls\":{");
            boolean first = true;
            for (var e : m.systemCalls().entrySet()) {
                if (!first) sb.append(',');
                first = false;
                sb.append('"').append(e.getKey()).append("\":").append(e.getValue());
            }
            sb.append("}}");
        }
        return sb.append("]}").toString();
    }

    /** {@code /status}: the live page. */
    String statusPage() {
        return StatusPage.html(figures.backendDescription(), requests.length);
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void close() {
        if (filesRoot != null) closeQuietly(filesRoot);
    }
}
