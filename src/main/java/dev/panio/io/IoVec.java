package dev.panio.io;

import dev.panio.internal.gen.iovec;
import dev.panio.internal.io.Memory;
import dev.panio.internal.sys.VectorCalls;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * A reusable native {@code struct iovec} array for {@code readv}/{@code writev}: fill it
 * with {@link #add}, use it, {@link #clear()} it, fill it again. No allocation after
 * construction.
 *
 * <p>Only off-heap segments can be added (the kernel reads the addresses). The entries are
 * remembered, and every call that hands the array to the kernel first checks that each is
 * still alive, and writable for a read: a buffer whose arena was closed after it was added
 * is refused instead of being written by the kernel. panio's own readv, writev and sendmsg
 * also keep the entries' arenas (up to six different ones) alive while the call runs, so a
 * close from another thread during the call fails rather than freeing memory under it.
 *
 * <p>Lifetime: the array lives in the arena given to the constructor; the entries' memory
 * must stay valid for the duration of each call that uses it (for io_uring, until the
 * completion). Threads: not thread-safe; one thread fills and uses it at a time.
 */
public final class IoVec {
    private final MemorySegment array;
    private final MemorySegment[] entries;
    /** One segment per arena the entries come from, for the call to keep alive (NULL: unused). */
    private final MemorySegment[] keep = new MemorySegment[VectorCalls.KEEP];
    private int count;
    private long totalBytes;

    /**
     * An array of {@code capacity} entries allocated in {@code arena}.
     *
     * @param arena    where the array lives; it must outlive every use of this object
     * @param capacity the most entries it holds
     * @throws IllegalArgumentException if {@code capacity} is not in 1..1024 ({@code IOV_MAX})
     */
    public IoVec(Arena arena, int capacity) {
        if (capacity <= 0 || capacity > 1024) {
            throw new IllegalArgumentException("iovec capacity must be 1..1024 (IOV_MAX), was " + capacity);
        }
        this.entries = new MemorySegment[capacity];
        this.array = iovec.allocateArray(capacity, arena);
    }

    /**
     * Appends {@code buf} as the next entry.
     *
     * @param buf off-heap memory, all of it the entry; it must stay valid while calls use it
     * @return this
     * @throws IllegalArgumentException if {@code buf} is heap memory
     * @throws IllegalStateException if {@code buf}'s arena is closed or the array is full
     * @throws WrongThreadException if {@code buf} is confined to another thread
     */
    public IoVec add(MemorySegment buf) {
        if (!buf.isNative()) throw new IllegalArgumentException("iovec entries must be off-heap segments");
        Memory.checkAlive(buf, "iovec", -1);
        if (!buf.isAccessibleBy(Thread.currentThread())) {
            throw new WrongThreadException("iovec: the segment is confined to another thread");
        }
        if (count == entries.length) throw new IllegalStateException("iovec is full (" + entries.length + " entries)");
        MemorySegment e = iovec.asSlice(array, count);
        iovec.iov_base(e, buf);
        iovec.iov_len(e, buf.byteSize());
        entries[count++] = buf;
        totalBytes += buf.byteSize();
        return this;
    }

    /**
     * Forgets every entry.
     *
     * @return this
     */
    public IoVec clear() {
        Arrays.fill(entries, 0, count, null);
        count = 0;
        totalBytes = 0;
        return this;
    }

    /**
     * Entries added since the last {@link #clear()}.
     *
     * @return the entry count, the {@code iovcnt} a call passes
     */
    public int count() {
        return count;
    }

    /**
     * The sum of the entries' lengths.
     *
     * @return the bytes the entries hold
     */
    public long totalBytes() {
        return totalBytes;
    }

    /**
     * The off-heap array, for calls that take a {@code struct iovec *}.
     *
     * @return the whole array, all {@code capacity} entries; the first {@link #count()} are set
     */
    public MemorySegment segment() {
        return array;
    }

    /**
     * Checks, before {@code call} hands the array to the kernel, that the array and every
     * entry are alive, accessible from this thread and, if the kernel writes into them
     * ({@code target}), writable. panio calls it for you; it is public for callers making their
     * own foreign calls.
     *
     * @param call   the call's name, for the messages
     * @param fd     the fd it is made on, for the messages, or -1
     * @param target true if the kernel writes into the entries
     * @throws IllegalStateException if an arena is closed
     * @throws IllegalArgumentException if {@code target} and an entry is read-only
     * @throws WrongThreadException if an entry is confined to another thread
     */
    public void check(String call, int fd, boolean target) {
        Memory.checkAlive(array, call, fd);
        Thread self = Thread.currentThread();
        for (int i = 0; i < count; i++) {
            MemorySegment e = entries[i];
            if (target) Memory.checkTarget(e, call, fd);
            else Memory.checkAlive(e, call, fd);
            if (!e.isAccessibleBy(self)) {
                throw new WrongThreadException(call + "(fd=" + fd + "): iovec entry " + i + " is confined to another thread");
            }
        }
    }

    /**
     * Picks one segment per arena of the entries (and of the array, if the call passes the
     * array only inside another structure), for the call to keep alive.
     *
     * @throws IllegalArgumentException for more arenas than a call can keep alive
     */
    MemorySegment[] keepAlive(String call, int fd, boolean withArray) {
        java.util.Arrays.fill(keep, MemorySegment.NULL);
        int kept = 0;
        if (withArray && !array.scope().equals(GLOBAL)) keep[kept++] = array;
        for (int i = 0; i < count; i++) {
            MemorySegment e = entries[i];
            if (e.scope().equals(GLOBAL)) continue; // never freed
            int k = 0;
            while (k < kept && !keep[k].scope().equals(e.scope())) k++;
            if (k == kept) {
                if (kept == keep.length) {
                    throw new IllegalArgumentException(call + "(fd=" + fd + "): iovec memory from more than "
                            + keep.length + " arenas; each must be kept alive during the call");
                }
                keep[kept++] = e;
            }
        }
        return keep;
    }

    private static final MemorySegment.Scope GLOBAL = Arena.global().scope();

    static {
        dev.panio.internal.io.IoVecs.register(IoVec::keepAlive);
    }


}
