/**
 * Linux integration tests for network applications, on real file descriptors and sockets.
 *
 * <ul>
 * <li>{@link dev.panio.testkit.proxy.FaultProxy}: an in-process proxy that makes the network
 *     misbehave on purpose (latency, bandwidth, slicing, cuts, stalls, resets, half-closes,
 *     zero windows, refusals), per direction and per connection, changed while connections
 *     are live, with a record of what each connection went through.</li>
 * <li>{@link dev.panio.testkit.NoFdLeaks}: a JUnit 5 annotation that fails a test class
 *     leaving the process with file descriptors it did not find, naming each with what it
 *     points at (a socket with its TCP addresses and state).</li>
 * <li>{@link dev.panio.testkit.OpenFilesLimit}: a test under a lowered {@code RLIMIT_NOFILE},
 *     restored afterwards.</li>
 * <li>{@link dev.panio.testkit.Requires}: skip, with the reason, where the kernel is too old or
 *     io_uring (or one of its features) is not available.</li>
 * <li>{@link dev.panio.testkit.Peer}: loopback servers that misbehave on purpose (never read,
 *     reset, half-close, trickle, stay silent) and count what they received.</li>
 * <li>{@link dev.panio.testkit.TcpTable}: the kernel's TCP sockets by port, with state and
 *     queues ({@code /proc/net/tcp}); {@code socket.getOption(LinuxSocketOptions.TCP_INFO)} in {@code dev.panio.net} gives
 *     one socket's {@code TCP_INFO}.</li>
 * <li>{@link dev.panio.testkit.Fds}: the process's open descriptors and their flags, read from
 *     {@code /proc}.</li>
 * </ul>
 */
package dev.panio.testkit;
