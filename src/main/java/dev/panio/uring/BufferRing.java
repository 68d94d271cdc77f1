package dev.panio.uring;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.io_uring_buf;
import dev.panio.internal.gen.io_uring_buf_reg;
import dev.panio.io.ClosedException;
import dev.panio.io.ErrnoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;

/**
 * A provided-buffer ring ({@code IORING_REGISTER_PBUF_RING}, Linux 5.19): {@code count}
 * buffers of {@code size} bytes that the kernel picks from when a
 * {@link Sqe#recvSelect buffer-select receive} finds data. Idle connections therefore hold
 * no buffer. After a completion names buffer {@code id}, read {@link #buffer(int)} and
 * {@link #recycle(int)} it; when every buffer is out, receives fail with {@code ENOBUFS}.
 *
 * <p>Lifetime: the entries and buffers are memory owned by the ring
 * ({@link IoUring#allocate}): closing this object unregisters the group, but the memory is
 * freed only when the ring closes, after its operations are cancelled and reaped, since a
 * receive in flight may still hold one of the buffers.
 *
 * <p>Threads: belongs with its ring's submitting thread. After {@link #close()} (idempotent)
 * or the ring's close, every call throws {@link ClosedException}.
 */
public final class BufferRing implements AutoCloseable {
    /** The largest buffer group id ({@code bgid} is 16 bits). */
    public static final int MAX_GROUP = 0xFFFF;
    /** The most buffers in one ring. */
    public static final int MAX_COUNT = 32768;

    private static final long ENTRY = io_uring_buf.sizeof();
    private static final long ADDR = io_uring_buf.addr$offset();
    private static final long LEN = io_uring_buf.len$offset();
    private static final long BID = io_uring_buf.bid$offset();
    // The ring's tail overlays the reserved field of entry 0 (struct io_uring_buf_ring).
    private static final long TAIL = io_uring_buf.resv$offset();
    private static final VarHandle SHORT = ValueLayout.JAVA_SHORT.varHandle();

    private final IoUring ring;
    private final int group;
    private final int count;
    private final int size;
    private final int mask;
    private final MemorySegment entries;
    private final MemorySegment buffers;
    private short tail;
    private boolean closed;

    /**
     * Registers a ring of {@code count} buffers of {@code size} bytes as group {@code group} of
     * {@code ring}, all of them available.
     *
     * @throws IllegalArgumentException unless {@code count} is a power of two up to
     *         {@value #MAX_COUNT}, {@code size} is 1..1 GiB, and {@code group} is 0..{@value #MAX_GROUP}
     * @param ring  the ring; the memory is its, and freed with it
     * @param group the buffer group id SQEs name
     * @param count the number of buffers, a power of two
     * @param size  the bytes of each buffer
     * @throws ClosedException if {@code ring} is closed
     * @throws ErrnoException if the registration or the memory fails ({@code EINVAL} before
     *         5.19, {@code EEXIST} for a group already registered); memory already taken stays
     *         with the ring until it closes
     */
    public BufferRing(IoUring ring, int group, int count, int size) throws ErrnoException {
        checkGroup(group);
        if (count <= 0 || Integer.bitCount(count) != 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("buffer count must be a power of two up to " + MAX_COUNT + ": " + count);
        }
        if (size <= 0 || size > (1 << 30)) throw new IllegalArgumentException("buffer size must be 1..1 GiB: " + size);
        this.ring = ring;
        this.group = group;
        this.count = count;
        this.size = size;
        this.mask = count - 1;
        this.entries = ring.allocate(ENTRY * count); // page aligned, as the kernel wants
        this.buffers = ring.allocate((long) size * count);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment reg = tmp.allocate(io_uring_buf_reg.layout());
            io_uring_buf_reg.ring_addr(reg, entries.address());
            io_uring_buf_reg.ring_entries(reg, count);
            io_uring_buf_reg.bgid(reg, (short) group);
            ring.register(LibC.IORING_REGISTER_PBUF_RING(), reg.address(), 1, "PBUF_RING");
        }
        for (int id = 0; id < count; id++) put(id);
        publish();
    }

    static void checkGroup(int group) {
        if (group < 0 || group > MAX_GROUP) {
            throw new IllegalArgumentException("io_uring buffer group must be 0.." + MAX_GROUP + ": " + group);
        }
    }

    /**
     * The group id SQEs name in {@link Sqe#recvSelect}.
     *
     * @return the group, 0..{@value #MAX_GROUP}
     */
    public int group() {
        return group;
    }

    /**
     * The size of each buffer.
     *
     * @return the bytes of each buffer
     */
    public int size() {
        return size;
    }

    /**
     * Buffer {@code id}, all {@code size} bytes of it.
     *
     * @param id the buffer id, from {@link IoUring#bufferId} of a completion
     * @return the buffer; the completion's result says how many bytes are data
     * @throws IndexOutOfBoundsException for an id outside 0..count-1
     * @throws ClosedException after this object or its ring is closed
     */
    public MemorySegment buffer(int id) {
        check("buffer", id);
        return buffers.asSlice((long) id * size, size);
    }

    /**
     * Gives buffer {@code id} back to the kernel. Recycle each id once per completion that
     * named it: the ring does not notice an id given back twice.
     *
     * @param id the buffer id
     * @throws IndexOutOfBoundsException for an id outside 0..count-1
     * @throws ClosedException after this object or its ring is closed
     */
    public void recycle(int id) {
        check("recycle", id);
        put(id);
        publish();
    }

    private void check(String call, int id) {
        if (closed) throw new ClosedException(call, toString());
        ring.ensureOpen("BufferRing." + call);
        if (id < 0 || id >= count) throw new IndexOutOfBoundsException("buffer id " + id + " of " + count);
    }

    private void put(int id) {
        long e = (tail & mask) * ENTRY;
        entries.set(ValueLayout.JAVA_LONG, e + ADDR, buffers.address() + (long) id * size);
        entries.set(ValueLayout.JAVA_INT, e + LEN, size);
        entries.set(ValueLayout.JAVA_SHORT, e + BID, (short) id);
        tail++;
    }

    private void publish() {
        // Store-release of the tail pairs with the kernel's load-acquire: the entries
        // written above are complete before the kernel can pick them.
        SHORT.setRelease(entries, TAIL, tail);
    }

    /**
     * Unregisters the group; idempotent. A closed ring dropped it already; a
     * {@code SINGLE_ISSUER} ring closed from another thread keeps it until the ring closes.
     * The memory stays with the ring either way.
     */
    @Override
    public void close() throws ErrnoException {
        if (closed) return;
        closed = true;
        if (!ring.isOpen()) return;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment reg = tmp.allocate(io_uring_buf_reg.layout());
            io_uring_buf_reg.bgid(reg, (short) group);
            ring.register(LibC.IORING_UNREGISTER_PBUF_RING(), reg.address(), 1, "UNREGISTER_PBUF_RING");
        } catch (ClosedException | WrongThreadException e) {
            // the ring's close releases the group
        }
    }

    @Override
    public String toString() {
        return "BufferRing[group " + group + ", " + count + " x " + size + " B]";
    }
}
