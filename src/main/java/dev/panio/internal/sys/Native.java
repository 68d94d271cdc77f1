package dev.panio.internal.sys;

import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * Builds the downcall handles of the syscall layer and reads the errno they capture.
 *
 * <p>Every handle is linked with {@code captureCallState("errno")}: the JVM copies errno
 * into a caller-supplied segment right after the foreign call returns, before any Java
 * code (or safepoint, GC, JIT stub) can overwrite it. Reading {@code __errno_location()}
 * afterwards would race with the runtime's own libc calls.
 *
 * <p>The calls in this package return the raw result, or {@code -errno} when the C
 * function returned -1, the convention of liburing's {@code __sys_*} helpers. They never
 * throw for an OS error and never allocate.
 *
 * <p>The {@code *Calls} classes keep each handle in a holder class of its own ({@code
 * FdCalls.Read.HANDLE}), linked the first time that call is made; only {@code close} and
 * {@code shutdown}, which release resources, are linked with their class. Linking a handle of
 * a shape not linked before spins method-handle classes, about 0.4 MB of allocation and a few
 * milliseconds, and twice per function, since jextract's holder for the function links a
 * plain handle of its own when its address is first asked for. The layer has some seventy
 * handles, a server uses twenty or so: linked at class initialisation, they were most of what
 * a new JVM running the demo server had allocated (and so had resident) when it began to
 * serve. A static final field of an initialised class is a constant to the JIT, so the call
 * site compiles as before.
 */
public final class Native {
    private Native() {}

    static {
        // Every downcall handle is built through this class: refuse the wrong platform first.
        Platform.checkThisJvm();
    }

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE_LAYOUT.varHandle(
            java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    /** Handle for a call that may block: the thread leaves Java state for the call's duration. */
    static MethodHandle blocking(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, CAPTURE_ERRNO);
    }

    /**
     * Handle for a call that can never block (e.g. {@code epoll_ctl}, {@code fcntl(F_GETFL)}).
     * A critical call skips the thread-state transition, which also holds off GC for its
     * duration, so it must be short and bounded.
     */
    static MethodHandle critical(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, CAPTURE_ERRNO, Linker.Option.critical(false));
    }

    /**
     * Handle for a call on a non-blocking socket that an event loop owns: it returns at once
     * ({@code EAGAIN} rather than wait), so it is linked critical, and with heap access, so
     * that a Java array is passed to the kernel where it lies instead of being copied to
     * off-heap memory first (no GC can move it: a critical call holds off safepoints while it
     * runs, a few microseconds for a loopback send, which runs the receiver's TCP input too).
     */
    static MethodHandle criticalWithHeap(MemorySegment address, FunctionDescriptor descriptor) {
        return LINKER.downcallHandle(address, descriptor, CAPTURE_ERRNO, Linker.Option.critical(true));
    }

    /** Handle for a variadic function, with {@code fixed} named parameters first. */
    static MethodHandle variadic(MemorySegment address, FunctionDescriptor descriptor, int fixed, boolean critical) {
        return critical
                ? LINKER.downcallHandle(address, descriptor, Linker.Option.firstVariadicArg(fixed), CAPTURE_ERRNO,
                        Linker.Option.critical(false))
                : LINKER.downcallHandle(address, descriptor, Linker.Option.firstVariadicArg(fixed), CAPTURE_ERRNO);
    }

    /** The errno captured by the last call made with {@code state}. */
    static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** {@code r}, or {@code -errno} if the C function returned -1. */
    static int result(int r, MemorySegment state) {
        return r == -1 ? -errno(state) : r;
    }

    /** {@code r}, or {@code -errno} if the C function returned -1. */
    static long result(long r, MemorySegment state) {
        return r == -1 ? -errno(state) : r;
    }

    /** Wraps what {@code invokeExact} declares but a downcall never throws. */
    static AssertionError unreachable(Throwable t) {
        if (t instanceof RuntimeException re) throw re;
        if (t instanceof Error e) throw e;
        return new AssertionError("downcall threw a checked exception", t);
    }

    static final ValueLayout.OfInt C_INT = ValueLayout.JAVA_INT;
    static final ValueLayout.OfLong C_LONG = ValueLayout.JAVA_LONG;
}
