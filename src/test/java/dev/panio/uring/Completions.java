package dev.panio.uring;

import dev.panio.io.ErrnoException;
import java.util.ArrayList;
import java.util.List;

/** Test helper: collects completions from a ring, waiting for them with a hang guard. */
final class Completions implements CompletionHandler {
    record Cqe(long userData, int res, int flags) {
        boolean more() {
            return (flags & IoUring.CQE_F_MORE) != 0;
        }
    }

    final List<Cqe> all = new ArrayList<>();
    private final IoUring ring;

    Completions(IoUring ring) {
        this.ring = ring;
    }

    @Override
    public void complete(long userData, int res, int flags) {
        all.add(new Cqe(userData, res, flags));
    }

    /** Submits what is prepared and waits until {@code n} more completions arrived. */
    List<Cqe> await(int n) throws ErrnoException {
        int start = all.size();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (all.size() - start < n) {
            ring.submitAndWait(1, 1_000_000_000L);
            ring.forEachCompletion(this);
            boolean hung = System.nanoTime() > deadline; // a hang guard, not a speed check
            if (hung) throw new AssertionError("waited 10 s for " + n + " completions, got " + (all.size() - start));
        }
        return all.subList(start, all.size());
    }

    /** The one completion with {@code userData} among those collected. */
    Cqe byUserData(long userData) {
        return all.stream().filter(c -> c.userData() == userData).findFirst()
                .orElseThrow(() -> new AssertionError("no completion for user data " + userData + " in " + all));
    }
}
