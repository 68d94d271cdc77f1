/**
 * Signal-driven I/O: {@link dev.panio.signal.AsyncIo} ({@code O_ASYNC}, {@code F_SETOWN_EX},
 * {@code F_SETSIG}) makes the kernel raise a real-time signal per readiness change of an fd;
 * {@link dev.panio.signal.Signals} blocks it in the reading thread; a
 * {@link dev.panio.signal.SignalFd} reads it as a record (signal, fd, poll band) instead of
 * running a handler. The reactor's {@code SIGNAL} backend is built from these three.
 */
package dev.panio.signal;
