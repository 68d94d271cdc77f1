package dev.panio.uring;

import java.lang.foreign.MemorySegment;

/**
 * Buffers registered with a ring ({@code IORING_REGISTER_BUFFERS}), made by
 * {@link IoUring#registerBuffers}: the kernel pinned them once, and
 * {@link Sqe#readFixed}/{@link Sqe#writeFixed} name them by index.
 *
 * <p>Lifetime: the ring owns the memory; it stays valid until the ring is closed, and is
 * freed only after the ring's operations are cancelled and reaped, so no operation can
 * write into it once it is gone. Threads: the segments may be read and written from any
 * thread; ordering against the kernel's use is the completion's (read a buffer after its
 * READ_FIXED completes, reuse it after its WRITE_FIXED completes).
 */
public final class RegisteredBuffers {
    private final IoUring ring;
    private final MemorySegment memory;
    private final int count;
    private final int size;
    private final long stride;

    RegisteredBuffers(IoUring ring, MemorySegment memory, int count, int size, long stride) {
        this.ring = ring;
        this.memory = memory;
        this.count = count;
        this.size = size;
        this.stride = stride;
    }

    /**
     * How many buffers.
     *
     * @return the count given to {@link IoUring#registerBuffers}
     */
    public int count() {
        return count;
    }

    /**
     * Bytes per buffer.
     *
     * @return the size given to {@link IoUring#registerBuffers}
     */
    public int size() {
        return size;
    }

    /**
     * Buffer {@code index}, all {@link #size()} bytes.
     *
     * @param index the buffer, as SQEs name it
     * @return the buffer, valid until the ring is closed
     * @throws IndexOutOfBoundsException for an index outside 0..count-1
     * @throws dev.panio.io.ClosedException after the ring is closed
     */
    public MemorySegment buffer(int index) {
        ring.ensureOpen("registered buffer");
        if (index < 0 || index >= count) throw new IndexOutOfBoundsException("registered buffer " + index + " of " + count);
        return memory.asSlice(index * stride, size);
    }

    /** The address of {@code length} bytes of buffer {@code index} from {@code offset}, after range checks. */
    long address(int index, long offset, int length, String op) {
        if (index < 0 || index >= count) {
            throw new IndexOutOfBoundsException("io_uring " + op + ": registered buffer " + index + " of " + count);
        }
        if (offset < 0 || length < 0 || offset > size || length > size - offset) {
            throw new IndexOutOfBoundsException("io_uring " + op + ": range " + offset + "+" + length
                    + " outside a registered buffer of " + size + " bytes");
        }
        return memory.address() + index * stride + offset;
    }
}
