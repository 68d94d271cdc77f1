package com.example.panio;

import dev.panio.coroutine.Blocking;
import dev.panio.io.FileDescriptor;
import dev.panio.io.Pipe;
import dev.panio.net.MessageInfo;
import dev.panio.net.Socket;
import dev.panio.net.UnixAddress;
import dev.panio.reactor.Backend;
import dev.panio.reactor.Connection;
import dev.panio.reactor.ConnectionHandler;
import dev.panio.reactor.EventLoopGroup;
import dev.panio.reactor.Listener;
import dev.panio.reactor.ReactorOptions;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A Unix-socket service that hands each client a descriptor ({@code SCM_RIGHTS}): the read
 * end of a pipe with a message waiting in it. The client reads the message from the pipe,
 * not from the socket. This is how a privileged process gives out files, sockets or memfds.
 *
 * <pre>java --enable-native-access=dev.panio -p target/lib:target/panio-examples-1.0.jar -m com.example.panio/com.example.panio.FdPassing</pre>
 */
public final class FdPassing {
    private FdPassing() {}

    static final byte[] MESSAGE = "a message through a pipe you were given\n".getBytes(StandardCharsets.UTF_8);

    /** The server side: on each connection, a fresh pipe; its read end goes to the client. */
    static final class HandOut implements ConnectionHandler {
        @Override
        public void onOpen(Connection c) {
            try (Pipe pipe = Pipe.open(false); Arena arena = Arena.ofConfined()) {
                pipe.sink().write(MemorySegment.ofArray(MESSAGE)); // heap memory is fine: panio stages it
                // writeWithFds duplicates the descriptor: closing the pipe here (try-with-resources)
                // leaves the client's copy open; the byte "F" carries it on the stream
                c.writeWithFds(arena.allocateFrom(ValueLayout.JAVA_BYTE, (byte) 'F'), pipe.source());
            } catch (IOException e) {
                c.abort();
                return;
            }
            c.close(); // after the queued byte and descriptor are sent
        }

        @Override
        public void onData(Connection c, MemorySegment data) {}
    }

    /** Connects to {@code address}, takes the descriptor that comes with the first byte, and reads the pipe to its end. */
    public static String fetch(UnixAddress address) throws IOException {
        try (Socket socket = Socket.unix(Socket.Type.STREAM); Arena arena = Arena.ofConfined()) {
            Blocking.connect(socket, address, 5_000);
            MessageInfo info = new MessageInfo(1); // room for one descriptor in the control message
            MemorySegment buf = arena.allocate(1);
            if (Blocking.receiveFrom(socket, buf, info) != 1) throw new IOException("no byte from " + address);
            List<FileDescriptor> fds = info.takeFileDescriptors(); // now ours to close, every one
            try {
                if (fds.size() != 1) throw new IOException("expected one descriptor, got " + fds.size());
                java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
                MemorySegment chunk = arena.allocate(4096);
                long n;
                while ((n = fds.get(0).read(chunk)) > 0) { // a blocking pipe: EOF (-1) once the writer is closed
                    text.write(chunk.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), 0, (int) n);
                }
                return text.toString(StandardCharsets.UTF_8);
            } finally {
                for (FileDescriptor fd : fds) fd.close();
            }
        }
    }

    public static void main(String[] args) throws Exception {
        // an abstract name: no socket file to clean up afterwards
        UnixAddress address = UnixAddress.abstractName("panio-fd-passing-" + ProcessHandle.current().pid());
        try (EventLoopGroup group = EventLoopGroup.start(Backend.AUTO, ReactorOptions.defaults().withLoops(1));
                Listener listener = group.listen(address, HandOut::new)) {
            System.out.print("received: " + fetch(address));
        }
    }
}
