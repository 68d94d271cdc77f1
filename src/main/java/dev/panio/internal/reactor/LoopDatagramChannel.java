package dev.panio.internal.reactor;

import dev.panio.internal.io.SockAddrs;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.io.FileDescriptor;
import dev.panio.net.DatagramBatch;
import dev.panio.net.Socket;
import dev.panio.reactor.CloseCause;
import dev.panio.reactor.DatagramChannel;
import dev.panio.reactor.DatagramHandler;
import dev.panio.reactor.DatagramSender;
import dev.panio.reactor.EventLoop;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.SocketAddress;
import java.net.SocketOption;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A datagram channel on any model: the same non-blocking calls ({@code recvmmsg} into a
 * batch, {@code sendto}) whatever the loop's driver, which only says when the socket is
 * ready ({@link Driver#watch}). Everything but the public entry points runs on the loop
 * thread; sends from other threads are copied and handed over in order.
 */
public final class LoopDatagramChannel implements DatagramChannel, Loop.Component {
    /** Slots per receive; each call takes up to this many datagrams. */
    static final int BATCH = Math.clamp(Integer.getInteger("panio.datagram.batch", 16), 1, 64); // 1: one datagram per call, for benchmarks
    /** Receive batches per readiness before the loop's other work gets a turn. */
    private static final int BATCHES_PER_TURN = 4;

    private final Loop loop;
    private final Socket socket;
    private final DatagramHandler handler;
    private final SocketAddress remote;
    private final int bufferBytes;
    private DatagramBatch batch;              // for recvmmsg, when the driver has no receive of its own
    private Driver.DatagramReceiver receiver; // the driver's own receive (io_uring multishot RECVMSG), or null
    private int readInterest;                 // READABLE while this channel calls recvmmsg itself
    private final Sender sender = new Sender();
    private final ArrayDeque<Queued> queue = new ArrayDeque<>();
    /** Queued bytes, counted at the call (any thread) so backpressure holds before the hand-over. */
    private final AtomicLong queued = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private volatile boolean writable = true;
    private volatile boolean open = true;
    private boolean closing;
    private boolean readScheduled;
    private boolean retryArmed;
    private Driver.Watch watch;
    private volatile SocketAddress local;
    private volatile Object attachment;

    /** A datagram waiting for the kernel: its bytes and its target (a sockaddr, or none for the peer). */
    private record Queued(byte[] name, int nameLength, byte[] data) {}

    /** The sender of the datagram being delivered: its sockaddr as the kernel wrote it. */
    private final class Sender implements DatagramSender {
        MemorySegment name; // null outside a delivery
        int nameLength;

        @Override
        public SocketAddress address() {
            check();
            return nameLength <= 0 ? null : SockAddrs.read(name, nameLength);
        }

        @Override
        public int port() {
            check();
            return SockAddrs.port(name, nameLength);
        }

        void check() {
            if (name == null || !loop.inEventLoop()) {
                throw new IllegalStateException("a DatagramSender is valid only during onDatagram, on the loop thread");
            }
        }
    }

    /**
     * A channel for {@code socket} (bound, non-blocking, connected to {@code remote} if that is
     * not null), which it owns from now on.
     */
    public LoopDatagramChannel(Loop loop, Socket socket, DatagramHandler handler, SocketAddress remote, int bufferBytes) {
        this.loop = loop;
        this.socket = socket;
        this.handler = handler;
        this.remote = remote;
        this.bufferBytes = bufferBytes;
    }

    /** Starts receiving (loop thread); on failure closes the channel and throws. */
    public void start() throws IOException {
        try {
            receiver = loop.driver.receiveDatagrams(socket, bufferBytes, new Driver.DatagramSink() {
                @Override
                public void datagram(MemorySegment data, long length, MemorySegment name, int nameLength) {
                    if (!open) return;
                    try {
                        deliver(data, length, name, nameLength);
                    } catch (RuntimeException | Error e) {
                        loop.failures.report("datagram channel failed; closed", e);
                        end(CloseCause.ERROR, new IOException(e));
                    }
                }

                @Override
                public void failed(IOException error, boolean fatal) {
                    if (!open) return;
                    if (fatal) end(CloseCause.ERROR, error);
                    else report(error);
                }
            });
            if (receiver == null) {
                batch = new DatagramBatch(BATCH, bufferBytes);
                readInterest = Driver.READABLE;
            }
            watch = loop.driver.watch(socket.fd(), readInterest, this::ready);
        } catch (IOException | RuntimeException e) {
            open = false;
            if (receiver != null) receiver.cancel();
            if (batch != null) batch.close();
            Fds.closeQuietly(socket.fd());
            throw e;
        }
        loop.components.add(this);
        try {
            handler.onOpen(this);
        } catch (Throwable t) {
            loop.failures.report("onOpen threw; datagram channel goes on", t);
        }
    }

    // ---- readiness ------------------------------------------------------------------------

    private void ready(int bits) {
        if (!open) return;
        try {
            if ((bits & Driver.WRITABLE) != 0) flush();
            if ((bits & Driver.READABLE) != 0 && open && batch != null) receive();
        } catch (RuntimeException | Error e) {
            // nothing here may end the loop: the channel ends instead, with the cause
            loop.failures.report("datagram channel failed; closed", e);
            end(CloseCause.ERROR, new IOException(e));
        }
    }

    private void receive() {
        readScheduled = false;
        for (int b = 0; b < BATCHES_PER_TURN && open; b++) {
            int n;
            try {
                n = socket.receiveBatch(batch);
            } catch (ErrnoException e) {
                // an ICMP error queued on the socket (ECONNREFUSED on a connected channel): reported, not fatal
                if (e.errno() == Errno.EBADF || !socket.fd().isOpen()) return;
                report(e);
                continue;
            } catch (IllegalStateException closedUnderUs) {
                return;
            }
            if (n == FileDescriptor.WOULD_BLOCK) return;
            for (int i = 0; i < n && open; i++) deliver(i);
            if (n < BATCH) return; // the queue is drained
        }
        // Budget used: the rest after the loop's other work (an edge-triggered poller will not report it again).
        if (open && !readScheduled) {
            readScheduled = true;
            loop.offer(() -> {
                if (open && readScheduled) receive();
            });
        }
    }

    private void deliver(int i) {
        deliver(batch.buffer(i).asSlice(0, batch.length(i)), batch.datagramLength(i), batch.senderName(i), batch.senderLength(i));
    }

    /** One datagram to the handler: {@code data} as stored, {@code length} its real length. */
    private void deliver(MemorySegment data, long length, MemorySegment name, int nameLength) {
        loop.reads++;
        loop.bytesRead += data.byteSize();
        if (length > data.byteSize()) {
            dropped.incrementAndGet();
            report(new ErrnoException("recvmsg", "a datagram of " + length + " bytes from "
                    + (nameLength <= 0 ? "an unnamed sender" : SockAddrs.read(name, nameLength))
                    + " is longer than the channel's " + bufferBytes + "-byte buffer; dropped", socket.fd().intValue(), Errno.EMSGSIZE));
            return;
        }
        sender.name = name;
        sender.nameLength = nameLength;
        try {
            handler.onDatagram(this, data, sender);
        } catch (Throwable t) {
            loop.failures.report("onDatagram threw; datagram channel goes on", t);
        } finally {
            sender.name = null;
        }
    }

    private void report(IOException e) {
        try {
            handler.onError(this, e);
        } catch (Throwable t) {
            loop.failures.report("onError threw; datagram channel goes on", t);
        }
    }

    // ---- sending ------------------------------------------------------------------------------

    @Override
    public boolean send(MemorySegment data, SocketAddress target) {
        java.util.Objects.requireNonNull(target, "target");
        if (!open) return false;
        // the address is checked and encoded on the caller's thread, so a bad one throws there
        MemorySegment sa = MemorySegment.ofArray(new long[(int) SockAddrs.MAX_BYTES / 8]); // 8-aligned, as a sockaddr must be
        int len = SockAddrs.write(target, socket.family().af(), sa, "sendto", socket.fd().intValue());
        return sendRaw(data, sa, len);
    }

    @Override
    public boolean send(MemorySegment data, DatagramSender to) {
        if (to != sender) throw new IllegalArgumentException("not this channel's sender");
        sender.check();
        int length = sender.nameLength;
        if (length <= 2) {
            throw new IllegalArgumentException("sendto(fd=" + socket.fd().intValue()
                    + "): the sender has no address (an unbound Unix datagram socket) and cannot be answered");
        }
        return sendRaw(data, sender.name, length);
    }

    @Override
    public boolean send(MemorySegment data) {
        if (remote == null) throw new IllegalStateException("send without a target on an unconnected datagram channel");
        return sendRaw(data, null, 0);
    }

    private boolean sendRaw(MemorySegment data, MemorySegment name, int nameLength) {
        if (!open) return false;
        long max = Socket.maxDatagramBytes(socket.family());
        if (data.byteSize() > max) {
            throw new IllegalArgumentException("sendto(fd=" + socket.fd().intValue() + "): " + data.byteSize()
                    + " bytes are more than one " + socket.family() + " UDP datagram can carry (" + max + ")");
        }
        if (loop.inEventLoop() && queue.isEmpty() && !closing) {
            try {
                long n = name == null ? socket.write(data) : socket.sendTo(data, name, nameLength);
                if (n != FileDescriptor.WOULD_BLOCK) {
                    loop.writes++;
                    loop.bytesWritten += n;
                    return writable;
                }
            } catch (ErrnoException e) {
                report(e);
                return writable;
            }
        }
        // queue a copy; the kernel takes it when the socket is writable
        long size = data.byteSize();
        if (queued.get() + size > loop.options.maxQueuedBytes()) {
            dropped.incrementAndGet();
            IOException e = new IOException("datagram of " + size + " bytes dropped: the send queue is at its limit of "
                    + loop.options.maxQueuedBytes() + " bytes");
            if (loop.inEventLoop()) report(e);
            else loop.offer(() -> report(e));
            return false;
        }
        byte[] nm = null;
        if (name != null) nm = name.asSlice(0, nameLength).toArray(ValueLayout.JAVA_BYTE);
        Queued q = new Queued(nm, nameLength, data.toArray(ValueLayout.JAVA_BYTE));
        long now = queued.addAndGet(size);
        if (now > loop.options.highWatermark()) writable = false;
        if (loop.inEventLoop()) {
            enqueue(q);
        } else if (!loop.offer(() -> enqueue(q))) {
            queued.addAndGet(-size);
            return false;
        }
        return writable;
    }

    private void enqueue(Queued q) {
        if (!open) return; // ended meanwhile: its end set the count to 0
        queue.addLast(q);
        flush();
    }

    /**
     * Waits for room to send. An unconnected Unix datagram socket reports itself writable when
     * its own buffer has room, whatever the queue of the peer that refused it (the kernel's
     * poll looks at a peer only for a connected socket), so waiting for write readiness would
     * spin: it looks again in 10 ms instead.
     */
    private void awaitWritable() {
        if (socket.family() != Socket.Family.UNIX || remote != null) {
            watch.interest(readInterest | Driver.WRITABLE);
            return;
        }
        if (retryArmed) return;
        retryArmed = true;
        loop.scheduleOnLoop(() -> {
            retryArmed = false;
            if (open) flush();
        }, 10_000_000L);
    }

    /** Sends what is queued until the kernel says wait; then asks for write readiness. */
    private void flush() {
        while (!queue.isEmpty() && open) {
            Queued q = queue.peekFirst();
            long n;
            try {
                MemorySegment data = MemorySegment.ofArray(q.data);
                n = q.name == null ? socket.write(data) : socket.sendTo(data, MemorySegment.ofArray(q.name), q.nameLength);
            } catch (ErrnoException e) {
                n = q.data.length; // this datagram failed: reported, and the queue goes on
                report(e);
            } catch (RuntimeException e) {
                n = q.data.length; // refused before the call (a bad address): dropped, reported, the queue goes on
                dropped.incrementAndGet();
                report(new IOException("a queued datagram was refused: " + e.getMessage(), e));
            }
            if (n == FileDescriptor.WOULD_BLOCK) {
                awaitWritable();
                return;
            }
            queue.pollFirst();
            loop.writes++;
            loop.bytesWritten += q.data.length;
            long left = queued.addAndGet(-q.data.length);
            if (!writable && left <= loop.options.lowWatermark()) {
                writable = true;
                try {
                    handler.onWritable(this);
                } catch (Throwable t) {
                    loop.failures.report("onWritable threw; datagram channel goes on", t);
                }
            }
        }
        if (open) watch.interest(readInterest);
        if (closing && queue.isEmpty()) end(CloseCause.LOCAL, null);
    }

    // ---- state ------------------------------------------------------------------------------

    @Override
    public boolean isWritable() {
        return writable;
    }

    @Override
    public long queuedBytes() {
        return queued.get();
    }

    @Override
    public long droppedDatagrams() {
        return dropped.get();
    }

    @Override
    public void close() {
        if (!open) return;
        if (!loop.inEventLoop()) {
            loop.offer(this::close);
            return;
        }
        closing = true;
        if (queue.isEmpty()) {
            end(CloseCause.LOCAL, null);
            return;
        }
        // A peer that never takes the rest (a full Unix datagram queue) must not hold the
        // channel open: what is still queued after this is dropped.
        loop.scheduleOnLoop(() -> end(CloseCause.TIMEOUT, null), CLOSE_LINGER_NANOS);
    }

    /** How long a close waits for the queue to be sent. */
    static final long CLOSE_LINGER_NANOS = 5_000_000_000L;

    @Override
    public void closeGracefully() {
        close();
    }

    @Override
    public void abort() {
        end(CloseCause.LOCAL, null);
    }

    private void end(CloseCause cause, IOException error) {
        if (!open) return;
        open = false;
        loop.components.remove(this);
        if (watch != null) watch.cancel();
        if (receiver != null) receiver.cancel();
        queue.clear();
        queued.set(0);
        Fds.closeQuietly(socket.fd());
        if (batch != null) batch.close();
        try {
            handler.onClose(this, cause, error);
        } catch (Throwable t) {
            loop.failures.report("onClose threw", t);
        }
    }

    @Override
    public boolean isOpen() {
        return open;
    }

    @Override
    public SocketAddress localAddress() {
        SocketAddress a = local;
        if (a == null) {
            try {
                local = a = socket.localAddress();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
        return a;
    }

    @Override
    public SocketAddress remoteAddress() {
        return remote;
    }

    @Override
    public <T> T getOption(SocketOption<T> option) throws IOException {
        return socket.getOption(option);
    }

    @Override
    public <T> void setOption(SocketOption<T> option, T value) throws IOException {
        socket.setOption(option, value);
    }

    @Override
    public EventLoop loop() {
        return loop;
    }

    @Override
    public Object attachment() {
        return attachment;
    }

    @Override
    public void attach(Object attachment) {
        this.attachment = attachment;
    }

    @Override
    public String toString() {
        return "DatagramChannel[" + socket + (open ? "" : ", closed") + ", queued " + queued.get() + "]";
    }
}
