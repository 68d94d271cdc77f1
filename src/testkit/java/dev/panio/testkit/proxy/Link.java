package dev.panio.testkit.proxy;

import dev.panio.reactor.CloseCause;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoop;
import dev.panio.testkit.proxy.ProxiedConnection.Ending;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.net.SocketAddress;
import java.net.StandardSocketOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * One proxied connection: the client's connection, the proxy's connection to the upstream,
 * a {@link Flow} each way, and how it ended. Both connections' callbacks run on the proxy's
 * one loop thread, so nothing here is shared with another thread except through
 * {@link FaultProxy#onLoop}.
 *
 * <p>It ends when both connections have closed. A reset on one side is passed on as a reset
 * to the other; the end of a stream is passed on (through the faults) as a half-close, and
 * the reactor closes each connection once both of its directions have finished.
 */
final class Link {
    final FaultProxy proxy;
    final EventLoop loop;
    final Flow toUpstream = new Flow(this, Direction.TO_UPSTREAM);
    final Flow toClient = new Flow(this, Direction.TO_CLIENT);
    final List<String> faults = new ArrayList<>();
    long id;
    Connection client;
    Connection upstream;
    private boolean clientClosed;
    private boolean upstreamClosed;
    private boolean upstreamPending;
    private long acceptedAt;
    private long connectedAt = -1;
    private long endedAt = -1;
    private SocketAddress clientAddress;
    Ending ending;
    private String detail;
    private Direction firstEnd;

    Link(FaultProxy proxy, EventLoop loop) {
        this.proxy = proxy;
        this.loop = loop;
    }

    // ---- the client's side ----------------------------------------------------------------

    final ConnectionHandler clientSide = new ConnectionHandler() {
        @Override
        public void onOpen(Connection c) {
            client = c;
            acceptedAt = System.nanoTime();
            clientAddress = c.remoteAddress();
            toUpstream.from = c;
            toClient.to = c;
            toUpstream.suspend(Flow.CONNECTING);
            proxy.opened(Link.this);
            long delay = proxy.acceptDelayNanos();
            upstreamPending = true;
            if (delay > 0) loop.schedule(Link.this::connect, delay, TimeUnit.NANOSECONDS);
            else connect();
        }

        @Override
        public void onData(Connection c, MemorySegment data) {
            toUpstream.received(data);
        }

        @Override
        public void onInputClosed(Connection c) {
            if (firstEnd == null) firstEnd = Direction.TO_UPSTREAM;
            toUpstream.inputEnded();
        }

        @Override
        public void onWritable(Connection c) {
            toClient.resume(Flow.BACKPRESSURE);
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException error) {
            clientClosed = true;
            closed(true, cause, error);
        }
    };

    // ---- the upstream's side --------------------------------------------------------------

    final ConnectionHandler upstreamSide = new ConnectionHandler() {
        @Override
        public void onOpen(Connection c) {
            upstream = c;
            upstreamPending = false;
            if (ending != null) { // the client went (or the proxy closed) while this connected
                c.abort();
                return;
            }
            connectedAt = System.nanoTime();
            toUpstream.to = c;
            toClient.from = c;
            toUpstream.goLive();
            toClient.goLive();
            toUpstream.resume(Flow.CONNECTING);
        }

        @Override
        public void onData(Connection c, MemorySegment data) {
            toClient.received(data);
        }

        @Override
        public void onInputClosed(Connection c) {
            if (firstEnd == null) firstEnd = Direction.TO_CLIENT;
            toClient.inputEnded();
        }

        @Override
        public void onWritable(Connection c) {
            toUpstream.resume(Flow.BACKPRESSURE);
        }

        @Override
        public void onClose(Connection c, CloseCause cause, IOException error) {
            if (upstream == null) { // the connect failed (or timed out): never opened
                unreachable(error != null ? error : new IOException("connect to " + proxy.upstream() + ": " + cause));
                return;
            }
            upstreamClosed = true;
            closed(false, cause, error);
        }
    };

    private void connect() {
        if (ending != null) {
            upstreamPending = false;
            finishIfDone();
            return;
        }
        proxy.connectUpstream(this).whenComplete((c, e) -> {
            if (e != null) loop.execute(() -> unreachable(e));
        });
    }

    /** The connect failed: said by the upstream handler's onClose, and again by the connect's future (ignored). */
    private void unreachable(Throwable e) {
        if (!upstreamPending) return;
        upstreamPending = false;
        upstreamClosed = true;
        if (ending == null) {
            Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
            detail = String.valueOf(cause.getMessage());
            end(Ending.UPSTREAM_UNREACHABLE, false, null);
        }
        finishIfDone();
    }

    /** One side closed, for {@code cause}. */
    private void closed(boolean clientSide, CloseCause cause, IOException error) {
        if (ending == null) {
            switch (cause) {
                case RESET -> end(clientSide ? Ending.CLIENT_RESET : Ending.UPSTREAM_RESET, true, null);
                case ERROR, TIMEOUT -> {
                    detail = (clientSide ? "client: " : "upstream: ") + (error == null ? cause : error.getMessage());
                    end(Ending.ERROR, false, null);
                }
                case PEER_CLOSED -> {
                    // this side's two directions are done; the link ends when the other side's are
                    boolean otherSideDone = clientSide ? upstreamClosed || (upstream == null && !upstreamPending) : clientClosed;
                    if (otherSideDone) {
                        ending = firstEnd == Direction.TO_CLIENT ? Ending.UPSTREAM_CLOSED : Ending.CLIENT_CLOSED;
                    } else if (clientSide && upstream == null) {
                        ending = Ending.CLIENT_CLOSED; // gone before the upstream connected
                    }
                }
                case LOCAL -> end(Ending.PROXY_CLOSED, false, null); // the group shut down
            }
        }
        finishIfDone();
    }

    /** Ends the link: both sides closed once what passed is written, or reset. */
    void end(Ending why, boolean reset, String detail) {
        if (ending != null) return;
        ending = why;
        if (detail != null) this.detail = detail;
        toUpstream.discardAll();
        toClient.discardAll();
        if (reset) {
            toUpstream.unqueue();
            toClient.unqueue();
        }
        for (Connection c : new Connection[] {client, upstream}) {
            if (c == null) continue;
            if (reset) reset(c);
            else c.close();
        }
        finishIfDone();
    }

    /** Ends the link at once ({@link FaultProxy#close}): both sides closed without flushing. */
    void abort(Ending why) {
        if (ending == null) {
            ending = why;
            toUpstream.discardAll();
            toClient.discardAll();
        }
        toUpstream.unqueue();
        toClient.unqueue();
        if (client != null) client.abort();
        if (upstream != null) upstream.abort();
        else upstreamPending = false; // an accept delay's timer, or a connect, that the closing loop will not finish
        finishIfDone();
    }

    /** {@code SO_LINGER} 0 and a close: the kernel sends RST and drops what it still had queued. */
    private static void reset(Connection c) {
        try {
            c.setOption(StandardSocketOptions.SO_LINGER, 0);
        } catch (IOException | RuntimeException e) {
            // closed already, or a socket without linger: the close below is all there is
        }
        c.abort();
    }

    private void finishIfDone() {
        // A connect still pending once the link has ended is not waited for: the upstream is
        // aborted as soon as it opens (upstreamSide.onOpen), and the connect may take its timeout.
        if (endedAt >= 0 || !clientClosed || (upstreamPending && ending == null) || (upstream != null && !upstreamClosed)) return;
        if (ending == null) ending = Ending.CLIENT_CLOSED;
        endedAt = System.nanoTime();
        toUpstream.discardAll();
        toClient.discardAll();
        // recorded once the callbacks on the stack now have finished counting (a fault's act
        // can end the link before the stage that acted has counted what it dropped)
        try {
            loop.execute(() -> proxy.ended(this));
        } catch (RejectedExecutionException e) {
            proxy.ended(this); // the loop is ending: nothing runs after this
        }
    }

    boolean isOpen() {
        return endedAt < 0;
    }

    ProxiedConnection record() {
        long start = proxy.startedAt;
        return new ProxiedConnection(id, clientAddress, toUpstream.passed, toClient.passed, toUpstream.dropped, toClient.dropped,
                toUpstream.held(), toClient.held(),
                List.copyOf(faults), Duration.ofNanos(acceptedAt - start),
                connectedAt < 0 ? null : Duration.ofNanos(connectedAt - start),
                endedAt < 0 ? null : Duration.ofNanos(endedAt - start), endedAt < 0 ? null : ending, detail);
    }
}
