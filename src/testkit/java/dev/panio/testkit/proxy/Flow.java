package dev.panio.testkit.proxy;

import dev.panio.reactor.Connection;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.net.StandardSocketOptions;
import java.util.ArrayList;
import java.util.List;

/**
 * One direction of a proxied connection: bytes read from {@code from} pass the direction's
 * stages and are written to {@code to}. It stops reading {@code from} for any of several
 * reasons at once (not connected yet, {@code to}'s queue full, a zero-window fault, too much
 * held by the stages) and reads again when none is left. Loop thread only.
 */
final class Flow {
    static final int CONNECTING = 1;
    static final int BACKPRESSURE = 1 << 1;
    static final int ZERO_WINDOW = 1 << 2;
    static final int HELD = 1 << 3;

    /** Held by the stages past this, the proxy stops reading the sender; under the low mark it reads again. */
    static final long HELD_HIGH = 1 << 20;
    static final long HELD_LOW = 256 << 10;

    final Link link;
    final Direction direction;
    Connection from;
    Connection to;
    final List<Stage> stages = new ArrayList<>();
    long passed;
    long dropped;
    private long held;
    private int suspended;
    private int zeroWindows;                // zero-window faults acting now
    private int receiveBufferBefore = -1;   // SO_RCVBUF as the kernel reported it before the first shrank it
    private boolean live;
    private boolean outputShut;
    boolean inputEnded;

    Flow(Link link, Direction direction) {
        this.link = link;
        this.direction = direction;
    }

    // ---- stages ---------------------------------------------------------------------------

    void install(Stage s) {
        if (!stages.isEmpty()) stages.get(stages.size() - 1).next = s;
        stages.add(s);
        if (live) s.engage();
    }

    /** Takes {@code h}'s stage out; what it held goes on. */
    void uninstall(FaultHandle h) {
        for (int i = 0; i < stages.size(); i++) {
            Stage s = stages.get(i);
            if (s.handle != h) continue;
            if (i > 0) stages.get(i - 1).next = s.next;
            stages.remove(i);
            s.release();
            return;
        }
    }

    Stage stageOf(FaultHandle h) {
        for (Stage s : stages) if (s.handle == h) return s;
        return null;
    }

    /** Both ends are connected: the stages' clocks start, reading begins. */
    void goLive() {
        live = true;
        for (Stage s : new ArrayList<>(stages)) s.engage();
    }

    void discardAll() {
        for (Stage s : new ArrayList<>(stages)) s.discard();
    }

    // ---- bytes in ---------------------------------------------------------------------------

    /** Bytes read and not yet written on or dropped: what the stages hold. */
    long held() {
        return held;
    }

    void received(MemorySegment data) {
        byte[] b = data.toArray(ValueLayout.JAVA_BYTE);
        held += b.length;
        if (held > HELD_HIGH) suspend(HELD);
        enter(Item.data(b));
    }

    void inputEnded() {
        if (inputEnded) return;
        inputEnded = true;
        enter(Item.EOF);
    }

    private void enter(Item item) {
        if (stages.isEmpty()) write(item);
        else stages.get(0).push(item);
    }

    // ---- bytes out --------------------------------------------------------------------------

    /** The end of the line: writes bytes, shuts the output, or ends the connection. */
    void write(Item item) {
        switch (item.kind()) {
            case DATA -> {
                lessHeld(item.size());
                if (outputShut || link.ending != null || to == null) {
                    dropped += item.size();
                } else {
                    passed += item.size();
                    if (!to.write(MemorySegment.ofArray(item.data()))) suspend(BACKPRESSURE);
                }
            }
            case EOF, HALF_CLOSE -> {
                if (!outputShut && to != null) {
                    outputShut = true;
                    to.shutdownOutput();
                }
            }
            case CLOSE -> link.end(item.ending(), false, null);
            case RESET -> link.end(item.ending(), true, null);
        }
    }

    /** A stage let {@code item} go without passing it. */
    void drop(Item item) {
        lessHeld(item.size());
        dropped += item.size();
    }

    private void lessHeld(int n) {
        held -= n;
        if (held < HELD_LOW) resume(HELD);
    }

    // ---- reading on and off -----------------------------------------------------------------

    void suspend(int reason) {
        boolean was = suspended != 0;
        suspended |= reason;
        if (!was && from != null) from.suspendReading();
    }

    void resume(int reason) {
        if ((suspended & reason) == 0) return;
        suspended &= ~reason;
        if (suspended == 0 && from != null) from.resumeReading();
    }

    /**
     * A zero-window fault acts: stop reading the sender, with its receive buffer shrunk to
     * {@code buffer} bytes (0: as it is) so its window closes within kilobytes.
     */
    void zeroWindowOn(int buffer) {
        if (buffer > 0) {
            int was = setReceiveBuffer(buffer);
            if (receiveBufferBefore < 0) receiveBufferBefore = was;
        }
        if (zeroWindows++ == 0) suspend(ZERO_WINDOW);
    }

    /**
     * A zero-window fault that acted was removed; with the last, reading resumes and the
     * buffer grows back. Not to its old size: a buffer set with {@code SO_RCVBUF} no longer
     * grows by itself, and one of a few loopback MSS (64 KiB) leaves the receiver advertising
     * a zero window after each read (silly-window avoidance), so the sender waits for its
     * zero-window probes, backing off to a minute and more. As large as the kernel allows
     * ({@code net.core.rmem_max}) instead.
     */
    void zeroWindowOff() {
        if (--zeroWindows > 0) return;
        if (receiveBufferBefore > 0) setReceiveBuffer(Math.max(receiveBufferBefore / 2, RESTORED_RECEIVE_BUFFER));
        receiveBufferBefore = -1;
        resume(ZERO_WINDOW);
    }

    /** Asked for when a zero window ends; the kernel gives at most twice {@code net.core.rmem_max}. */
    static final int RESTORED_RECEIVE_BUFFER = 16 << 20;

    /** Sets {@code SO_RCVBUF} on the sender's socket and returns what it was (as the kernel reports it), or -1 if the socket is gone. */
    private int setReceiveBuffer(int bytes) {
        if (from == null) return -1;
        try {
            int was = from.getOption(StandardSocketOptions.SO_RCVBUF);
            from.setOption(StandardSocketOptions.SO_RCVBUF, bytes);
            return was;
        } catch (IOException | RuntimeException e) {
            return -1; // closed meanwhile: nothing to set
        }
    }

    /** A reset throws away what the proxy had queued for {@code to}: it was never written. */
    void unqueue() {
        if (to == null) return;
        long q = to.queuedBytes();
        passed -= q;
        dropped += q;
    }
}
