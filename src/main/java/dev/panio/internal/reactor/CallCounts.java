package dev.panio.internal.reactor;

import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.Syscall;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The system call counts of the threads that work for one loop of a thread backend (one
 * thread per connection, the acceptors): live threads' {@link CallState}s are read in place,
 * the counts of threads that ended are kept added up. Any thread.
 */
public final class CallCounts {
    private final Set<CallState> live = ConcurrentHashMap.newKeySet();
    private final long[] ended = new long[Syscall.COUNT];

    /** Starts counting the calling thread's calls. */
    public CallState join() {
        CallState s = CallState.current();
        live.add(s);
        return s;
    }

    /** The thread of {@code s} is ending: keep its counts. */
    public void leave(CallState s) {
        // Under the lock addTo holds: a reader sees the counts live or ended, never neither.
        synchronized (ended) {
            if (live.remove(s)) s.addCallsTo(ended);
        }
    }

    /** Adds every count into {@code into} (indexed by {@link Syscall} ordinal). */
    public void addTo(long[] into) {
        synchronized (ended) {
            for (int i = 0; i < into.length; i++) into[i] += ended[i];
            for (CallState s : live) s.addCallsTo(into);
        }
    }

    /** The counts that are not zero, by the kernel's names. */
    public static Map<String, Long> named(long[] counts) {
        Map<String, Long> m = new TreeMap<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] != 0) m.put(Syscall.of(i).linuxName(), counts[i]);
        }
        return m;
    }
}
