package dev.panio.uring;

import dev.panio.internal.gen.LibC;
import dev.panio.internal.gen.io_uring_buf;
import dev.panio.internal.gen.io_uring_buf_reg;
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
 * <p>Not thread-safe; belongs with its ring's thread.
 */
public final class BufferRing implements AutoCloseable {
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
    private final Arena arena = Arena.ofShared();
    private final MemorySegment entries;
    private final MemorySegment buffers;
    private short tail;
    private boolean closed;

    /**
     * Registers a ring of {@code count} (a power of two, up to 32768) buffers of {@code size}
     * bytes as group {@code group} of {@code ring}, all of them available.
     */
    public BufferRing(IoUring ring, int group, int count, int size) throws ErrnoException {
        if (Integer.bitCount(count) != 1 || count > 32768) {
            throw new IllegalArgumentException("buffer count must be a power of two up to 32768: " + count);
        }
        if (size <= 0) throw new IllegalArgumentException("buffer size must be positive: " + size);
        this.ring = ring;
        this.group = group;
        this.count = count;
        this.size = size;
        this.mask = count - 1;
        this.entries = arena.allocate(ENTRY * count, 4096); // the kernel wants it page aligned
        this.buffers = arena.allocate((long) size * count, 64);
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment reg = tmp.allocate(io_uring_buf_reg.layout());
            io_uring_buf_reg.ring_addr(reg, entries.address());
            io_uring_buf_reg.ring_entries(reg, count);
            io_uring_buf_reg.bgid(reg, (short) group);
            ring.register(LibC.IORING_REGISTER_PBUF_RING(), reg.address(), 1, "PBUF_RING");
        } catch (ErrnoException e) {
            arena.close();
            throw e;
        }
        for (int id = 0; id < count; id++) put(id);
        publish();
    }

    /** The group id SQEs name in {@link Sqe#recvSelect}. */
    public int group() {
        return group;
    }

    /** Buffer {@code id}, all {@code size} bytes of it. */
    public MemorySegment buffer(int id) {
        return buffers.asSlice((long) id * size, size);
    }

    /** Gives buffer {@code id} back to the kernel. */
    public void recycle(int id) {
        if (id < 0 || id >= count) throw new IndexOutOfBoundsException("buffer id " + id + " of " + count);
        put(id);
        publish();
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

    /** Unregisters the group and frees the buffers. */
    @Override
    public void close() throws ErrnoException {
        if (closed) return;
        closed = true;
        try (Arena tmp = Arena.ofConfined()) {
            MemorySegment reg = tmp.allocate(io_uring_buf_reg.layout());
            io_uring_buf_reg.bgid(reg, (short) group);
            ring.register(LibC.IORING_UNREGISTER_PBUF_RING(), reg.address(), 1, "UNREGISTER_PBUF_RING");
        } finally {
            arena.close();
        }
    }
}
