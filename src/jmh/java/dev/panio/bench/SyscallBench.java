package dev.panio.bench;

import dev.panio.epoll.Epoll;
import dev.panio.epoll.Interest;
import dev.panio.internal.sys.CallState;
import dev.panio.internal.sys.FdCalls;
import dev.panio.io.FileDescriptor;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.Pipe;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Cost per call of the foundation's hot paths beside the same operation through JDK NIO:
 * an idle epoll_wait(0) vs Selector.selectNow(), a non-blocking read that finds nothing
 * (EAGAIN) vs a non-blocking Pipe.SourceChannel.read, and a 64-byte pipe write+read round
 * trip. The raw* benchmarks call the internal syscall layer directly, to show what the
 * typed layer (use count, per-thread state) adds.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class SyscallBench {
    private Arena arena;
    private dev.panio.io.Pipe pipe;
    private Epoll epoll;
    private MemorySegment buf;
    private CallState state;
    private int rawSource;
    private int rawSink;

    private Pipe nioPipe;
    private Selector selector;
    private ByteBuffer nioBuf;

    @Setup(Level.Trial)
    public void setUp() throws IOException {
        arena = Arena.ofConfined();
        buf = arena.allocate(64);
        pipe = dev.panio.io.Pipe.open(true);
        epoll = Epoll.open(16);
        epoll.add(pipe.source(), Interest.READ, 1);
        state = new CallState();
        rawSource = pipe.source().intValue();
        rawSink = pipe.sink().intValue();

        nioPipe = Pipe.open();
        nioPipe.source().configureBlocking(false);
        nioPipe.sink().configureBlocking(false);
        selector = Selector.open();
        nioPipe.source().register(selector, SelectionKey.OP_READ);
        nioBuf = ByteBuffer.allocateDirect(64);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
        epoll.close();
        pipe.close();
        arena.close();
        selector.close();
        nioPipe.source().close();
        nioPipe.sink().close();
    }

    @Benchmark
    public int epollWaitIdle() throws IOException {
        return epoll.epollWait(0);
    }

    @Benchmark
    public int nioSelectNowIdle() throws IOException {
        return selector.selectNow();
    }

    @Benchmark
    public long readEagain() throws IOException {
        return pipe.source().read(buf);
    }

    @Benchmark
    public long rawReadEagain() {
        return FdCalls.read(state, rawSource, buf, 64);
    }

    @Benchmark
    public int nioReadEagain() throws IOException {
        nioBuf.clear();
        return nioPipe.source().read(nioBuf);
    }

    @Benchmark
    public long pipeRoundTrip() throws IOException {
        pipe.sink().write(buf);
        return pipe.source().read(buf);
    }

    @Benchmark
    public long rawPipeRoundTrip() {
        FdCalls.write(state, rawSink, buf, 64);
        return FdCalls.read(state, rawSource, buf, 64);
    }

    @Benchmark
    public int nioPipeRoundTrip() throws IOException {
        nioBuf.clear();
        nioPipe.sink().write(nioBuf);
        nioBuf.clear();
        return nioPipe.source().read(nioBuf);
    }

    @Benchmark
    public int directBufferRoundTrip() throws IOException {
        nioBuf.clear();
        pipe.sink().write(nioBuf);
        nioBuf.clear();
        return pipe.source().read(nioBuf);
    }
}
