package dev.panio.internal.reactor.threads;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.internal.reactor.Driver;
import dev.panio.internal.reactor.Loop;
import dev.panio.io.Pipe;
import dev.panio.reactor.Backend;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.ReactorOptions;
import dev.panio.testkit.NoFdLeaks;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A watch whose thread has ended (and closed its wake-up eventfd) can still be cancelled: the
 * driver's close cancels every watch it still lists, and one may end between the listing and
 * the cancel. That cancel once threw {@code ClosedException} on the loop thread, which skipped
 * the rest of the loop's end — its termination latch included — so the group's close waited
 * out its whole deadline and the other watches' eventfds were left open.
 */
@NoFdLeaks
class ThreadWatchTest {
    @Test
    void cancellingAWatchWhoseThreadHasEndedIsQuiet() throws Exception {
        try (EventLoopGroup g = EventLoopGroup.start(Backend.BLOCKING, ReactorOptions.defaults().withLoops(1));
                Pipe pipe = Pipe.open(true)) {
            Loop loop = (Loop) g.loops().get(0);
            ThreadDriver driver = (ThreadDriver) loop.driver;
            CompletableFuture<Driver.Watch> made = new CompletableFuture<>();
            loop.execute(() -> {
                try {
                    made.complete(driver.watch(pipe.source(), Driver.READABLE, bits -> {}));
                } catch (Throwable t) {
                    made.completeExceptionally(t);
                }
            });
            Driver.Watch w = made.get(10, TimeUnit.SECONDS);
            w.cancel();
            Thread t = ((ThreadWatch) w).thread;
            t.join(10_000);
            assertTrue(!t.isAlive() && driver.watches.isEmpty(), "the watch's thread ended after its cancel");
            assertDoesNotThrow(w::cancel);
            assertDoesNotThrow(() -> w.interest(Driver.WRITABLE));
        }
    }
}
