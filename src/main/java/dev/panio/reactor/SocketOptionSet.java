package dev.panio.reactor;

import dev.panio.net.Socket;
import java.io.IOException;
import java.net.SocketOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Typed socket options to set on a socket, in order: the JDK's
 * {@link java.net.StandardSocketOptions} and panio's {@link dev.panio.net.LinuxSocketOptions}.
 * Given to {@link EventLoopGroup#listen(java.net.SocketAddress, java.util.function.Supplier, SocketOptionSet, SocketOptionSet)}
 * (for the listening sockets, and for each accepted one) and to
 * {@link EventLoopGroup#connect(java.net.SocketAddress, ConnectionHandler, long, SocketOptionSet, java.net.SocketAddress)}.
 *
 * <p>Immutable: {@link #with} returns a new set. Thread-safe.
 */
public final class SocketOptionSet {
    private static final SocketOptionSet NONE = new SocketOptionSet(List.of());

    private record Entry<T>(SocketOption<T> option, T value) {
        void applyTo(Socket s) throws IOException {
            s.setOption(option, value);
        }
    }

    private final List<Entry<?>> entries;

    private SocketOptionSet(List<Entry<?>> entries) {
        this.entries = entries;
    }

    /**
     * No options.
     *
     * @return the empty set
     */
    public static SocketOptionSet none() {
        return NONE;
    }

    /**
     * This set and {@code option} = {@code value}, set after the others (a later value for
     * the same option replaces the earlier one).
     *
     * @param <T>    the option's value type
     * @param option the option
     * @param value  its value; range checks come when it is applied
     * @return a new set
     * @throws NullPointerException if {@code option} or {@code value} is null
     * @throws IllegalArgumentException if {@code value} is not of the option's type
     */
    public <T> SocketOptionSet with(SocketOption<T> option, T value) {
        java.util.Objects.requireNonNull(option, "option");
        java.util.Objects.requireNonNull(value, () -> option.name() + " = null");
        if (!option.type().isInstance(value)) {
            throw new IllegalArgumentException(option.name() + " takes a " + option.type().getSimpleName() + ", not " + value.getClass().getSimpleName());
        }
        List<Entry<?>> next = new ArrayList<>(entries.size() + 1);
        for (Entry<?> e : entries) if (!e.option().equals(option)) next.add(e);
        next.add(new Entry<>(option, value));
        return new SocketOptionSet(Collections.unmodifiableList(next));
    }

    /**
     * Whether the set is empty.
     *
     * @return true if no option is set
     */
    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /**
     * Sets every option on {@code socket}, in order; stops at the first that fails.
     *
     * @param socket the socket
     * @throws IOException the kernel's refusal, naming the option and the fd
     * @throws UnsupportedOperationException if an option does not apply to the socket's family and type
     * @throws IllegalArgumentException if a value is out of its option's range
     */
    public void applyTo(Socket socket) throws IOException {
        for (Entry<?> e : entries) e.applyTo(socket);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("{");
        for (Entry<?> e : entries) {
            if (b.length() > 1) b.append(", ");
            b.append(e.option().name()).append('=').append(e.value());
        }
        return b.append('}').toString();
    }
}
