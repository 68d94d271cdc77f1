package dev.panio.internal.reactor.completion;

import dev.panio.internal.io.Results;
import dev.panio.internal.reactor.Driver;
import dev.panio.io.Errno;
import dev.panio.io.ErrnoException;
import dev.panio.net.Socket;
import dev.panio.uring.BufferRing;
import dev.panio.uring.IoUring;
import dev.panio.uring.RecvmsgTemplate;
import dev.panio.uring.Sqe;
import java.io.IOException;
import java.lang.foreign.MemorySegment;

/**
 * A datagram socket's receive on the ring: one multishot {@code RECVMSG} into a buffer ring
 * of its own, so each datagram arrives as a completion with its sender and real length, and
 * no readiness step or {@code recvmmsg} call is made. Each buffer goes back to the kernel as
 * soon as the sink returns; when the kernel ran out of them ({@code ENOBUFS}) or an error
 * ended the multishot, it is armed again. On {@link #cancel} the buffer ring goes back to the
 * driver's pool once the operation's last completion is in: the kernel writes into it until
 * then. Loop thread only.
 */
final class UringDatagramReceiver implements Driver.DatagramReceiver {
    private final UringDriver driver;
    private final int fd;
    private final Driver.DatagramSink sink;
    private final RecvmsgTemplate template;
    private final BufferRing buffers;
    private final long token;
    private final int maxDatagram;
    private boolean armed;
    private boolean cancelled;
    private boolean finished;

    UringDatagramReceiver(UringDriver driver, Socket socket, int maxDatagram, RecvmsgTemplate template, BufferRing buffers,
            Driver.DatagramSink sink) {
        this.driver = driver;
        this.fd = socket.fd().intValue();
        this.maxDatagram = maxDatagram;
        this.template = template;
        this.buffers = buffers;
        this.sink = sink;
        this.token = driver.owners.add(this);
        arm();
    }

    private void arm() {
        if (armed || cancelled) return;
        Sqe s = driver.sqe(this::arm);
        if (s == null) return;
        armed = true;
        s.recvmsgMultishot(fd, template, buffers.group(), RecvmsgTemplate.MSG_TRUNC)
                .userData(UserData.of(token, UserData.RECVMSG));
    }

    void completed(int res, int flags) {
        if ((flags & IoUring.CQE_F_MORE) == 0) armed = false;
        if ((flags & IoUring.CQE_F_BUFFER) != 0) {
            int id = IoUring.bufferId(flags);
            try {
                if (!cancelled && res >= 0) {
                    MemorySegment b = buffers.buffer(id);
                    MemorySegment payload = template.payload(b, res);
                    // the buffer has a few bytes of alignment past maxDatagram: a datagram that used them is too long here as elsewhere
                    if (payload.byteSize() > maxDatagram) payload = payload.asSlice(0, maxDatagram);
                    MemorySegment name = template.name(b);
                    sink.datagram(payload, Integer.toUnsignedLong(RecvmsgTemplate.payloadLength(b)), name,
                            (int) Math.min(RecvmsgTemplate.nameLength(b), name.byteSize()));
                }
            } catch (RuntimeException e) {
                // the sink guards the handler; this is panio's own fault: the channel is told, the loop goes on
                sink.failed(new IOException("reading a RECVMSG completion failed", e), false);
            } finally {
                buffers.recycle(id);
            }
        } else if (res < 0 && !cancelled && res != -Errno.ENOBUFS.code() && res != -Errno.ECANCELED.code()) {
            ErrnoException e = Results.failure("recvmsg", null, fd, res);
            boolean fatal = e.errno() == Errno.EBADF || e.errno() == Errno.ENOTSOCK || e.errno() == Errno.EINVAL;
            if (fatal) cancelled = true; // not a socket that can be read any more: the channel ends with the cause
            sink.failed(e, fatal);       // else an ICMP error queued on the socket: reported, receiving goes on
        }
        if (armed) return;
        if (cancelled) {
            finish();
        } else {
            arm();
        }
    }

    @Override
    public void cancel() {
        if (cancelled) return;
        cancelled = true;
        if (armed) {
            driver.cancel(token, UserData.RECVMSG); // its last completion calls finish()
            // The caller closes the socket next. A RECVMSG not yet submitted would look its fd
            // number up at submission, and could find another socket that took the number in
            // this turn: submit now, so that it holds this socket, whose close it then outlives.
            driver.submitNow();
        } else {
            finish();
        }
    }

    private void finish() {
        if (finished) return;
        finished = true;
        driver.owners.remove(token);
        driver.giveBack(buffers);
    }
}
