package dev.panio.testing;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs a test body on a platform thread of its own and rethrows what it threw: for state
 * that belongs to a kernel thread (signal masks, the thread a signal is directed at), which
 * must not leak into the test runner's threads.
 */
public final class OwnThread {
    private OwnThread() {}

    /** A test body that may throw. */
    public interface Body {
        void run() throws Exception;
    }

    /** Runs {@code body} on a new platform thread, waiting at most 30 s. */
    public static void run(Body body) throws Exception {
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofPlatform().start(() -> {
            try {
                body.run();
                done.complete(null);
            } catch (Throwable t) {
                done.completeExceptionally(t);
            }
        });
        try {
            done.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw (Error) e.getCause();
        }
    }
}
