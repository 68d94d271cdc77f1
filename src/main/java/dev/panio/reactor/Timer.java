package dev.panio.reactor;

/** A task scheduled on an {@link EventLoop}; {@link #cancel()} stops it if it has not run (or its next run). */
public interface Timer {
    /** Cancels the task; harmless if it already ran or was cancelled. */
    void cancel();
}
