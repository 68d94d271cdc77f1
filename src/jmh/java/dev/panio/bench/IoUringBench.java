package dev.panio.bench;

import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.io.ErrnoException;
import dev.panio.io.Pipe;
import dev.panio.uring.CompletionHandler;
import dev.panio.uring.IoUring;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * io_uring costs per operation: NOP submit+complete in batches of 1, 8 and 32 (one
 * io_uring_enter per batch), and a 64-byte pipe write+read as two linked SQEs in one
 * enter, beside the same round trip as two syscalls.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class IoUringBench {
    @State(Scope.Thread)
    public static class Nops {
        @Param({"1", "8", "32"})
        public int batch;
        IoUring ring;
        final Count count = new Count();

        @Setup(Level.Trial)
        public void setUp() throws ErrnoException {
            ring = IoUring.open(64);
        }

        @TearDown(Level.Trial)
        public void tearDown() throws ErrnoException {
            ring.close();
        }
    }

    /** Counts completions; a field, so reaping allocates nothing. */
    static final class Count implements CompletionHandler {
        long sum;

        @Override
        public void complete(long userData, int res, int flags) {
            sum += res;
        }
    }

    private IoUring ring;
    private Pipe pipe;
    private Arena arena;
    private MemorySegment out;
    private MemorySegment in;
    private CallState state;
    private final Count count = new Count();

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        ring = IoUring.open(8);
        pipe = Pipe.open(true);
        arena = Arena.ofConfined();
        out = arena.allocate(64);
        in = arena.allocate(64);
        state = new CallState();
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        ring.close();
        pipe.close();
        arena.close();
    }

    /** Per NOP: batch submitted with one enter that also waits for the batch. */
    @Benchmark
    @OperationsPerInvocation(1)
    public long nop(Nops s) throws ErrnoException {
        IoUring r = s.ring;
        for (int i = 0; i < s.batch; i++) r.sqe().nop().userData(i);
        r.submitAndWait(s.batch, -1);
        r.forEachCompletion(s.count);
        return s.count.sum;
    }

    @Benchmark
    public long uringPipeRoundTrip() throws ErrnoException {
        ring.sqe().write(pipe.sink().intValue(), out, -1).userData(1).link();
        ring.sqe().read(pipe.source().intValue(), in, -1).userData(2);
        ring.submitAndWait(2, -1);
        ring.forEachCompletion(count);
        return count.sum;
    }

    @Benchmark
    public long syscallPipeRoundTrip() {
        FdCalls.write(state, pipe.sink().intValue(), out, 64);
        return FdCalls.read(state, pipe.source().intValue(), in, 64);
    }
}
