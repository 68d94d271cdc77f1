package dev.panio.internal.sys;

import static dev.panio.internal.sys.Native.C_LONG;
import static dev.panio.internal.sys.Native.result;
import static dev.panio.internal.sys.Native.unreachable;

import dev.panio.internal.gen.LibC;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The three io_uring system calls, made through {@code syscall(2)} since glibc has no
 * wrappers for them (liburing's are inline C). {@code syscall} is variadic and every
 * argument goes as a C {@code long}, pointers included (as addresses). Each returns the
 * result or {@code -errno}.
 */
public final class UringCalls {
    private UringCalls() {}

    private static final long NR_SETUP = LibC.__NR_io_uring_setup();
    private static final long NR_ENTER = LibC.__NR_io_uring_enter();
    private static final long NR_REGISTER = LibC.__NR_io_uring_register();

    // io_uring_enter may wait for completions: never critical. setup and register can
    // sleep too (ring allocation, quiescing for registration), so neither are they.
    private static final class Syscall2 {
        static final MethodHandle HANDLE = Native.variadic(LibC.syscall.address(),
                LibC.syscall.makeInvoker(C_LONG, C_LONG).descriptor(), 1, false);
    }
    private static final class Syscall4 {
        static final MethodHandle HANDLE = Native.variadic(LibC.syscall.address(),
                LibC.syscall.makeInvoker(C_LONG, C_LONG, C_LONG, C_LONG).descriptor(), 1, false);
    }
    private static final class Syscall6 {
        static final MethodHandle HANDLE = Native.variadic(LibC.syscall.address(),
                LibC.syscall.makeInvoker(C_LONG, C_LONG, C_LONG, C_LONG, C_LONG, C_LONG).descriptor(), 1, false);
    }

    /** {@code io_uring_setup(entries, params)}: the ring fd or {@code -errno}. */
    public static int setup(CallState st, int entries, long paramsAddress) {
        st.count(Syscall.IO_URING_SETUP);
        try {
            return (int) result((long) Syscall2.HANDLE.invokeExact(st.errno, NR_SETUP, (long) entries, paramsAddress), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code io_uring_enter(fd, to_submit, min_complete, flags, arg, argsz)}. */
    public static int enter(CallState st, int fd, int toSubmit, int minComplete, int flags,
                            long argAddress, long argSize) {
        st.count(Syscall.IO_URING_ENTER);
        try {
            return (int) result((long) Syscall6.HANDLE.invokeExact(st.errno, NR_ENTER, (long) fd, (long) toSubmit,
                    (long) minComplete, (long) flags, argAddress, argSize), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }

    /** {@code io_uring_register(fd, opcode, arg, nr_args)}. */
    public static int register(CallState st, int fd, int opcode, long argAddress, int nrArgs) {
        st.count(Syscall.IO_URING_REGISTER);
        try {
            return (int) result((long) Syscall4.HANDLE.invokeExact(st.errno, NR_REGISTER, (long) fd, (long) opcode, argAddress,
                    (long) nrArgs), st.errno);
        } catch (Throwable t) {
            throw unreachable(t);
        }
    }
}
