package dev.panio.coroutine;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Long timed parks without a timer task each: a hashed wheel of {@link #TICK_NANOS} ticks,
 * turned by one platform daemon thread only while someone waits on it. A virtual thread's
 * {@code LockSupport.parkNanos} schedules a task on the JDK's unparker and cancels it when
 * woken sooner; a server that waits with an idle timeout on every read paid that on every
 * request (three times the CPU of an untimed wait, measured on the coroutine HTTP server).
 * Here a wait links the thread's own node into the bucket of its deadline and unlinks it when
 * it wakes: two uncontended locks, no allocation.
 *
 * <p>A deadline is seen up to one tick late, never early. Waits shorter than
 * {@link #MIN_NANOS} keep {@code parkNanos}, which is exact.
 */
final class Deadlines {
    private Deadlines() {}

    /** Waits at least this long go on the wheel; shorter ones park with a timer of their own. */
    static final long MIN_NANOS = 1_000_000_000L;
    static final long TICK_NANOS = 10_000_000L;
    private static final int BUCKETS = 512; // 5.12 s a turn: a longer deadline waits for its turn in its bucket

    /** A thread's place on the wheel, reused by each of its timed waits (one at a time). */
    private static final class Node {
        final Thread thread = Thread.currentThread();
        long deadline;
        int bucket = -1; // -1: not linked; set to -1 by the turner with release, read by the owner with acquire (BUCKET)
        Node prev, next;
    }

    /**
     * {@code Node.bucket}, for the one look the owner takes without the bucket's lock: its
     * acquire pairs with the turner's release in {@link #remove}, so an owner that sees -1
     * (and goes on to link the node elsewhere) sees every access the turner made to the node
     * before, and the turner's {@code prev}/{@code next} writes cannot land after its own.
     */
    private static final VarHandle BUCKET;

    static {
        try {
            BUCKET = MethodHandles.lookup().findVarHandle(Node.class, "bucket", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static final class Bucket {
        final ReentrantLock lock = new ReentrantLock(); // parks a virtual thread that finds it held
        volatile Node head; // read without the lock by the turner, to pass empty buckets by
    }

    private static final ThreadLocal<Node> NODES = ThreadLocal.withInitial(Node::new);
    private static final Bucket[] WHEEL = new Bucket[BUCKETS];
    private static final AtomicInteger LINKED = new AtomicInteger();
    private static final Thread TURNER;

    static {
        for (int i = 0; i < BUCKETS; i++) WHEEL[i] = new Bucket();
        TURNER = Thread.ofPlatform().name("panio-deadlines").daemon(true).unstarted(Deadlines::turn);
        TURNER.start();
    }

    /** Loads the class (and starts the turner) ahead of the first wait, see {@link Warmup}. */
    static void init() {
        // the static initializer did it
    }

    /** Threads on the wheel now (for tests). */
    static int linked() {
        return LINKED.get();
    }

    /**
     * Parks the calling thread until it is unparked or {@code deadline} ({@code System.nanoTime})
     * has passed; like {@code parkNanos}, it may also return for no reason.
     */
    static void parkUntil(Object blocker, long deadline) {
        Node n = NODES.get();
        link(n, deadline);
        try {
            // A deadline that passed before the node was linked may lie in a bucket the turner
            // has passed already: it would be seen only a turn later. One that is still ahead
            // now, after the link, is in a bucket the turner has yet to reach (or is looking at).
            if (deadline - System.nanoTime() > 0) LockSupport.park(blocker);
        } finally {
            unlink(n);
        }
    }

    private static void link(Node n, long deadline) {
        n.deadline = deadline;
        // the bucket of the first tick at or after the deadline: when the turner reaches it, it is due
        int b = (int) (Math.floorDiv(deadline + TICK_NANOS - 1, TICK_NANOS) & (BUCKETS - 1));
        Bucket bucket = WHEEL[b];
        bucket.lock.lock();
        try {
            n.bucket = b;
            n.prev = null;
            n.next = bucket.head;
            if (bucket.head != null) bucket.head.prev = n;
            bucket.head = n;
        } finally {
            bucket.lock.unlock();
        }
        if (LINKED.getAndIncrement() == 0) LockSupport.unpark(TURNER); // it sleeps while the wheel is empty
    }

    private static void unlink(Node n) {
        int b = (int) BUCKET.getAcquire(n); // only the turner changes it meanwhile, from b to -1, under the bucket's lock
        if (b < 0) return;
        Bucket bucket = WHEEL[b];
        bucket.lock.lock();
        try {
            if (n.bucket == b) remove(bucket, n);
        } finally {
            bucket.lock.unlock();
        }
    }

    /** Unlinks {@code n} from {@code bucket}, whose lock is held. */
    private static void remove(Bucket bucket, Node n) {
        if (n.prev != null) n.prev.next = n.next;
        else bucket.head = n.next;
        if (n.next != null) n.next.prev = n.prev;
        n.prev = n.next = null;
        BUCKET.setRelease(n, -1); // last: the owner may take it as leave to reuse the node, without the lock
        LINKED.decrementAndGet();
    }

    /** The turner: each tick, wakes the threads of the buckets passed whose deadline has come. */
    private static void turn() {
        long tick = Math.floorDiv(System.nanoTime(), TICK_NANOS);
        for (;;) {
            if (LINKED.get() == 0) {
                LockSupport.park(); // a link unparks it; a stale permit only costs one look
                tick = Math.floorDiv(System.nanoTime(), TICK_NANOS) - 1;
            }
            long now = System.nanoTime();
            long target = Math.floorDiv(now, TICK_NANOS);
            // every bucket passed since the last turn, a whole turn at most
            for (long t = Math.max(tick, target - BUCKETS + 1); t <= target; t++) expire(WHEEL[(int) (t & (BUCKETS - 1))], now);
            tick = target + 1;
            LockSupport.parkNanos(TICK_NANOS - Math.floorMod(now, TICK_NANOS));
        }
    }

    private static void expire(Bucket bucket, long now) {
        if (bucket.head == null) return; // racy look: a node linked meanwhile has a deadline after now
        bucket.lock.lock();
        try {
            for (Node n = bucket.head; n != null; ) {
                Node next = n.next;
                if (n.deadline - now <= 0) { // due; a later turn's deadline stays
                    remove(bucket, n);
                    LockSupport.unpark(n.thread);
                }
                n = next;
            }
        } finally {
            bucket.lock.unlock();
        }
    }
}
