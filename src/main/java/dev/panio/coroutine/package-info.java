/**
 * The coroutine model: blocking-style code on virtual threads over any panio fd, with the
 * event loop hidden underneath. A call that would block parks its virtual thread, and the
 * carrier runs other virtual threads meanwhile; no carrier is ever held in a system call.
 *
 * <ul>
 * <li>{@link dev.panio.coroutine.Readiness}: park until an fd is ready ({@code epoll}
 *     pollers shared by the process; {@code poll(2)} on a platform thread).</li>
 * <li>{@link dev.panio.coroutine.Blocking}: straight-line calls over it for sockets, pipes,
 *     eventfds and timerfds: try the non-blocking call, park on {@code EAGAIN}, try again;
 *     with timeouts on sockets.</li>
 * <li>{@link dev.panio.coroutine.UringBlocking}: the completion model: hand the operation to
 *     a shared io_uring ring and park until it completes (regular files included).</li>
 * <li>{@link dev.panio.coroutine.ThreadPerConnection}: a server in this model, a virtual thread
 *     accepting and one per connection.</li>
 * </ul>
 *
 * Interrupts and closes from other threads end every wait; see each class for the exceptions
 * and for how long memory handed to a call must live.
 */
package dev.panio.coroutine;
