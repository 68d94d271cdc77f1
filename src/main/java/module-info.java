/**
 * panio: Linux I/O through the Foreign Function and Memory API.
 *
 * <p>Packages follow the I/O models: {@code dev.panio.io} (owned descriptors, blocking and
 * non-blocking reads and writes, pipes, eventfd, timerfd), {@code dev.panio.net}
 * (sockets), and one package per multiplexer: {@code dev.panio.select},
 * {@code dev.panio.poll}, {@code dev.panio.epoll}; asynchronous I/O in {@code dev.panio.uring}. The jextract-generated bindings
 * ({@code dev.panio.internal.gen}) and the syscall layer ({@code dev.panio.internal.sys})
 * stay inside the module.
 *
 * <p>Callers must grant native-access permission: {@code --enable-native-access=dev.panio} on the
 * module path, or {@code --enable-native-access=ALL-UNNAMED} on the class path.
 */
module dev.panio {
    requires org.jnrproject.constants;
    requires jdk.management; // per-thread allocation counts in LoopMetrics

    exports dev.panio.io;
    exports dev.panio.net;
    exports dev.panio.select;
    exports dev.panio.poll;
    exports dev.panio.epoll;
    exports dev.panio.uring;
    exports dev.panio.signal;
    exports dev.panio.reactor;
    exports dev.panio.coroutine;
}
