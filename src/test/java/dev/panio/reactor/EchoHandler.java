package dev.panio.reactor;

import java.lang.foreign.MemorySegment;

/** Echoes what it reads, with backpressure: stops reading while the write queue is full. */
class EchoHandler implements ConnectionHandler {
    @Override
    public void onData(Connection c, MemorySegment data) {
        if (!c.write(data)) c.suspendReading();
    }

    @Override
    public void onWritable(Connection c) {
        c.resumeReading();
    }
}
