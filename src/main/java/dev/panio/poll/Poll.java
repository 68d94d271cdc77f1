package dev.panio.poll;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.pollfd;
import dev.panio.internal.io.Results;
import dev.panio.internal.io.Timeouts;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.MultiplexCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * {@code poll(2)} over a reusable native {@code struct pollfd} array.
 *
 * <p>Unlike select there is no limit on fd numbers, but each wait still hands the whole
 * array to the kernel, which scans every entry: the cost grows with the number of fds
 * watched. Entries are addressed by index; {@link #remove} moves the last entry into the
 * freed slot and says which, so removal is O(1). Each entry carries a 64-bit user value.
 *
 * <p>The array grows by doubling; {@link #poll} itself allocates nothing. Not thread-safe.
 */
public final class Poll implements AutoCloseable {
    public static final short POLLIN = (short) LibC.POLLIN();
    public static final short POLLPRI = (short) LibC.POLLPRI();
    public static final short POLLOUT = (short) LibC.POLLOUT();
    public static final short POLLRDHUP = (short) LibC.POLLRDHUP();
    /** Always reported, never requested. */
    public static final short POLLERR = (short) LibC.POLLERR();
    /** Always reported, never requested. */
    public static final short POLLHUP = (short) LibC.POLLHUP();
    /** The fd is not open: always reported, never requested. */
    public static final short POLLNVAL = (short) LibC.POLLNVAL();

    private static final long SIZE = pollfd.sizeof();

    private final Arena arena = Arena.ofShared();
    private MemorySegment fds;
    private FileDescriptor[] descriptors;
    private long[] data;
    private int size;

    /** An empty set with room for {@code initialCapacity} fds before it grows. */
    public Poll(int initialCapacity) {
        int cap = Math.max(4, initialCapacity);
        fds = arena.allocate(SIZE * cap, 8);
        descriptors = new FileDescriptor[cap];
        data = new long[cap];
    }

    /**
     * Watches {@code fd} for {@code events} (POLLIN, POLLOUT, POLLPRI, POLLRDHUP).
     *
     * @return the entry's index
     */
    public int add(FileDescriptor fd, short events, long userData) {
        if (!fd.isOpen()) throw new IllegalArgumentException("poll: " + fd + " is closed");
        if (size == descriptors.length) grow();
        int i = size++;
        MemorySegment e = fds.asSlice(i * SIZE, SIZE);
        pollfd.fd(e, fd.intValue());
        pollfd.events(e, events);
        pollfd.revents(e, (short) 0);
        descriptors[i] = fd;
        data[i] = userData;
        return i;
    }

    private void grow() {
        int cap = descriptors.length * 2;
        MemorySegment bigger = arena.allocate(SIZE * cap, 8);
        MemorySegment.copy(fds, 0, bigger, 0, SIZE * size);
        fds = bigger; // the old block is freed with the arena; growth is rare and doubling
        descriptors = Arrays.copyOf(descriptors, cap);
        data = Arrays.copyOf(data, cap);
    }

    /** Changes the events watched at {@code index}. */
    public void modify(int index, short events) {
        pollfd.events(entry(index), events);
    }

    /**
     * Removes the entry at {@code index} by moving the last entry into it.
     *
     * @return the old index of the entry that now sits at {@code index}, or -1 if it was the last
     */
    public int remove(int index) {
        entry(index);
        int last = --size;
        if (index == last) {
            descriptors[last] = null;
            return -1;
        }
        MemorySegment.copy(fds, last * SIZE, fds, index * SIZE, SIZE);
        descriptors[index] = descriptors[last];
        descriptors[last] = null;
        data[index] = data[last];
        return last;
    }

    /**
     * Waits until an entry is ready or the timeout passes; {@code EINTR} is retried with the
     * time that remains.
     *
     * @param timeoutMillis -1 waits indefinitely, 0 only polls
     * @return the number of entries with non-zero {@link #revents}
     */
    public int poll(long timeoutMillis) throws ErrnoException {
        CallState cs = CallState.current();
        long deadline = Timeouts.deadline(timeoutMillis);
        for (;;) {
            int r = MultiplexCalls.poll(cs.errno, fds, size, Timeouts.remainingMillis(deadline));
            if (r >= 0) return r;
            if (r != -Results.EINTR) throw Results.failure("poll", null, -1, r);
        }
    }

    /** Number of entries. */
    public int size() {
        return size;
    }

    /** What the last {@link #poll} found at {@code index}. */
    public short revents(int index) {
        return pollfd.revents(entry(index));
    }

    /** The events watched at {@code index}. */
    public short events(int index) {
        return pollfd.events(entry(index));
    }

    /** The descriptor at {@code index}. */
    public FileDescriptor descriptor(int index) {
        entry(index);
        return descriptors[index];
    }

    /** The user value at {@code index}. */
    public long data(int index) {
        entry(index);
        return data[index];
    }

    private MemorySegment entry(int index) {
        if (index < 0 || index >= size) throw new IndexOutOfBoundsException("poll index " + index + " of " + size);
        return fds.asSlice(index * SIZE, SIZE);
    }

    /** Frees the off-heap array; the watched descriptors are not closed. */
    @Override
    public void close() {
        arena.close();
    }
}
