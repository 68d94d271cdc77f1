package dev.panio.testkit.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * A fault on a {@link FaultProxy}: which direction, how likely per connection, and the means
 * to change or remove it while connections are live. Any thread but the proxy's own.
 */
public final class FaultHandle {
    private final FaultProxy proxy;
    private final int id;
    private final Direction direction;
    private final double toxicity;
    private volatile Fault fault;
    private volatile boolean removed;
    final List<Long> hits = new ArrayList<>(); // loop thread

    FaultHandle(FaultProxy proxy, int id, Direction direction, Fault fault, double toxicity) {
        this.proxy = proxy;
        this.id = id;
        this.direction = direction;
        this.fault = fault;
        this.toxicity = toxicity;
    }

    /**
     * 1 for the proxy's first fault, then 2, ...: what {@link ProxiedConnection#faults()} names it by.
     *
     * @return the id
     */
    public int id() {
        return id;
    }

    /**
     * Which way the fault acts.
     *
     * @return the direction it was added for
     */
    public Direction direction() {
        return direction;
    }

    /**
     * The fault's parameters now.
     *
     * @return the fault, as last {@linkplain #change changed}
     */
    public Fault fault() {
        return fault;
    }

    /**
     * The probability that a connection is hit, decided once per connection from the proxy's seed.
     *
     * @return 0 to 1
     */
    public double toxicity() {
        return toxicity;
    }

    /**
     * Whether {@link #remove()} was called.
     *
     * @return true once removed
     */
    public boolean isRemoved() {
        return removed;
    }

    /**
     * The ids of the connections this fault hit, in order.
     *
     * @return the {@link ProxiedConnection#id()}s, an unmodifiable copy
     */
    public List<Long> connectionsHit() {
        return proxy.onLoop(() -> List.copyOf(hits));
    }

    /**
     * Changes the parameters, for the connections it already hits as well as new ones; on
     * return, the change holds. Bytes already held keep their times (a latency's queued reads
     * leave when they were due); a byte count a fault has already acted on stays acted on.
     *
     * @param changed the new parameters, a fault of the same kind
     * @throws NullPointerException if {@code changed} is null
     * @throws IllegalArgumentException if {@code changed} is another kind of fault
     * @throws IllegalStateException if the fault was removed
     */
    public void change(Fault changed) {
        Objects.requireNonNull(changed, "changed");
        if (changed.getClass() != fault.getClass()) {
            throw new IllegalArgumentException("fault #" + id + " is a " + fault.kind() + " fault; it cannot become " + changed.kind()
                    + " (remove it and add the other)");
        }
        proxy.onLoop(() -> {
            if (removed) throw new IllegalStateException("fault #" + id + " was removed");
            fault = changed;
            proxy.changed(this);
            return null;
        });
    }

    /** Removes the fault from the proxy and every connection; what it held goes on, in order. Harmless twice, and once the proxy is closed. */
    public void remove() {
        if (proxy.isClosed()) {
            removed = true;
            return;
        }
        proxy.onLoop(() -> {
            if (removed) return null;
            removed = true;
            proxy.removed(this);
            return null;
        });
    }

    /** Whether the connection {@code connectionId} is hit: a draw from the seed, the fault and the connection alone. */
    boolean hits(long seed, long connectionId) {
        if (toxicity >= 1) return true;
        if (toxicity <= 0) return false;
        return random(seed, connectionId, 0).nextDouble() < toxicity;
    }

    /** The random numbers for this fault on one connection and direction: the same for the same seed. */
    SplittableRandom random(long seed, long connectionId, int stream) {
        long h = seed;
        h = h * 0x9E3779B97F4A7C15L + id;
        h = h * 0xBF58476D1CE4E5B9L + connectionId;
        h = h * 0x94D049BB133111EBL + stream;
        return new SplittableRandom(h);
    }

    String describe() {
        return "#" + id + " " + direction.flag() + " " + fault.describe() + (toxicity < 1 ? " (toxicity " + toxicity + ")" : "");
    }

    @Override
    public String toString() {
        return describe();
    }
}
