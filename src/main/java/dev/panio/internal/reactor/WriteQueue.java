package dev.panio.internal.reactor;

import dev.panio.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.util.ArrayDeque;

/**
 * What {@code Connection.write}, {@code writeWithFds} and {@code sendFile} accepted and the
 * kernel has not yet taken, in order: bytes in pooled off-heap chunks, file regions that
 * stay in the page cache until {@code sendfile} or {@code splice} moves them, and messages
 * (a seqpacket write, or bytes with descriptors attached) that must leave in one
 * {@code sendmsg} of their own. {@link #headFile()}, {@link #headMessage()} or
 * {@link #headChunk()} is what goes next; {@link #consume} drops what the kernel took. The
 * queue owns the file descriptors of its regions and messages and closes each once it is
 * sent or dropped. Single-threaded (the loop's).
 */
public final class WriteQueue {
    /** Part of a file still to send. */
    public static final class FileRegion {
        public final FileDescriptor file;
        public long position;
        public long remaining;

        FileRegion(FileDescriptor file, long position, long remaining) {
            this.file = file;
            this.position = position;
            this.remaining = remaining;
        }
    }

    /**
     * Bytes that leave in a call of their own: one seqpacket message, or stream bytes whose
     * first byte carries {@link #fds} ({@code SCM_RIGHTS}). The fds go with the first send
     * that takes any of the bytes and are closed then; a stream message sent in part goes on
     * as plain bytes.
     */
    public static final class Message {
        public final MemorySegment data; // off-heap, its own: a seqpacket message may pass 64 KiB
        public long position;
        public FileDescriptor[] fds;      // null once sent (or for none)

        Message(MemorySegment data, FileDescriptor[] fds) {
            this.data = data;
            this.fds = fds != null && fds.length == 0 ? null : fds;
        }

        public long remaining() {
            return data.byteSize() - position;
        }

        /** The bytes still to send. */
        public MemorySegment rest() {
            return position == 0 ? data : data.asSlice(position);
        }

        void closeFds() {
            if (fds == null) return;
            for (FileDescriptor f : fds) Fds.closeQuietly(f);
            fds = null;
        }
    }

    private final ChunkPool pool;
    private final ArrayDeque<Object> items = new ArrayDeque<>(); // ChunkPool.Chunk, FileRegion or Message
    private long bytes;        // everything pending, file bytes included: what watermarks compare
    private long memoryBytes;  // bytes copied into chunks: what the hard limit bounds

    public WriteQueue(ChunkPool pool) {
        this.pool = pool;
    }

    public long bytes() {
        return bytes;
    }

    public long memoryBytes() {
        return memoryBytes;
    }

    public boolean isEmpty() {
        return bytes == 0 && items.isEmpty();
    }

    public void append(MemorySegment data, long offset, long length) {
        long off = offset, len = offset + length;
        while (off < len) {
            ChunkPool.Chunk tail = items.peekLast() instanceof ChunkPool.Chunk c && c.end < ChunkPool.CHUNK_BYTES ? c : null;
            if (tail == null) {
                tail = pool.take();
                items.addLast(tail);
            }
            int n = (int) Math.min(len - off, ChunkPool.CHUNK_BYTES - tail.end);
            MemorySegment.copy(data, off, tail.segment, tail.end, n);
            tail.end += n;
            off += n;
            bytes += n;
            memoryBytes += n;
        }
    }

    /** Queues {@code count} bytes of {@code file} from {@code position}; the queue now owns {@code file}. */
    public void appendFile(FileDescriptor file, long position, long count) {
        items.addLast(new FileRegion(file, position, count));
        bytes += count;
    }

    /**
     * Queues a copy of {@code length} bytes of {@code data} as a message of its own, with
     * {@code fds} (owned by the queue from now on; null or empty for none) attached.
     */
    public void appendMessage(MemorySegment data, long offset, long length, FileDescriptor[] fds) {
        MemorySegment copy = java.lang.foreign.Arena.ofAuto().allocate(Math.max(1, length), 8).asSlice(0, length);
        MemorySegment.copy(data, offset, copy, 0, length);
        items.addLast(new Message(copy, fds));
        bytes += length;
        memoryBytes += length;
    }

    /** The message to send next, or null if something else (or nothing) comes first. */
    public Message headMessage() {
        return items.peekFirst() instanceof Message m ? m : null;
    }

    /** The file region to send next, or null if bytes (or nothing) come first. */
    public FileRegion headFile() {
        return items.peekFirst() instanceof FileRegion f ? f : null;
    }

    /** The head chunk (its unsent bytes are {@code [start, end)}), or null if the queue is empty or a file comes first. */
    public ChunkPool.Chunk headChunk() {
        return items.peekFirst() instanceof ChunkPool.Chunk c ? c : null;
    }

    /**
     * Drops {@code n} bytes from the front (at most the head item's). For a message, any
     * {@code n}, 0 included, means its descriptors have left.
     */
    public void consume(long n) {
        Object h = items.peekFirst();
        bytes -= n;
        if (h instanceof ChunkPool.Chunk c) {
            c.start += (int) n;
            memoryBytes -= n;
            if (c.start == c.end) pool.give((ChunkPool.Chunk) items.pollFirst());
        } else if (h instanceof Message m) {
            m.closeFds(); // they left with the first byte
            m.position += n;
            memoryBytes -= n;
            if (m.remaining() == 0) items.pollFirst();
        } else if (h instanceof FileRegion f) {
            f.position += n;
            f.remaining -= n;
            if (f.remaining == 0) {
                items.pollFirst();
                Fds.closeQuietly(f.file);
            }
        }
    }

    public void clear() {
        Object o;
        while ((o = items.pollFirst()) != null) {
            if (o instanceof FileRegion f) Fds.closeQuietly(f.file);
            else if (o instanceof Message m) m.closeFds();
            else pool.give((ChunkPool.Chunk) o);
        }
        bytes = memoryBytes = 0;
    }
}
