package dev.panio.demo;

import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.io.FileStatus;
import dev.panio.io.Files;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.LoopMetrics;
import java.nio.file.Path;

/**
 * What every HTTP connection of one server shares: the loop group (for {@code /stats} and
 * {@code /status}) and the directory {@code /files/} serves. The directory is opened once;
 * each file is opened beneath it with {@code openat2(RESOLVE_BENEATH)}, so the kernel
 * refuses any path that would leave it, symbolic links included.
 */
final class HttpService implements AutoCloseable {
    final EventLoopGroup group;
    private final FileDescriptor filesRoot; // null: no --files
    private final long maxBody;
    /** Requests answered, per loop (thread backends answer on many threads at once). */
    private final java.util.concurrent.atomic.LongAdder[] requests;

    HttpService(EventLoopGroup group, Path files) throws ErrnoException {
        this(group, files, -1);
    }

    /** @param maxBody the largest body {@code /echo} streams back, -1 for no limit ({@code --max-body}) */
    HttpService(EventLoopGroup group, Path files, long maxBody) throws ErrnoException {
        this.group = group;
        this.maxBody = maxBody;
        this.requests = new java.util.concurrent.atomic.LongAdder[group.loops().size()];
        for (int i = 0; i < requests.length; i++) requests[i] = new java.util.concurrent.atomic.LongAdder();
        this.filesRoot = files == null ? null : Files.openDirectory(files);
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
            f = Files.openBeneath(filesRoot, relative);
        } catch (ErrnoException e) {
            Errno n = e.errno();
            boolean outside = n == Errno.EXDEV || n == Errno.ELOOP || n == Errno.EACCES || n == Errno.EPERM;
            return new FileLookup(null, 0, outside ? 403 : n == Errno.ENOENT || n == Errno.ENOTDIR ? 404 : 500);
        }
        try {
            FileStatus st = Files.stat(f);
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
     * {@code /stats}: per-loop counters as JSON, with the server's monotonic clock
     * ({@code nanos}) so that a reader computes rates over the time that really passed
     * between two samples.
     */
    String stats() {
        StringBuilder sb = new StringBuilder("{\"backend\":\"").append(json(group.backendDescription()))
                .append("\",\"nanos\":").append(System.nanoTime()).append(",\"loops\":[");
        for (int i = 0; i < group.loops().size(); i++) {
            LoopMetrics m = group.loops().get(i).metrics();
            if (i > 0) sb.append(',');
            sb.append("{\"requests\":").append(requests[i].sum()).append(",\"open\":").append(m.open()).append(",\"accepted\":").append(m.accepted())
              .append(",\"acceptErrors\":").append(m.acceptErrors()).append(",\"bytesRead\":").append(m.bytesRead())
              .append(",\"bytesWritten\":").append(m.bytesWritten()).append(",\"reads\":").append(m.reads())
              .append(",\"writes\":").append(m.writes()).append(",\"wakeups\":").append(m.wakeups())
              .append(",\"allocatedBytes\":").append(m.allocatedBytes())
              .append(",\"handlerFailures\":").append(m.handlerFailures()).append('}');
        }
        return sb.append("]}").toString();
    }

    private static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    @Override
    public void close() {
        if (filesRoot != null) closeQuietly(filesRoot);
    }
}
