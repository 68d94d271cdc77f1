package dev.panio.testkit.proxy;

import java.util.Arrays;

/**
 * What moves through a direction's faults: bytes, or an event that must keep its place
 * among them (the end of the stream, or a fault's close, reset or half-close, which happen
 * only after the bytes before them have been written).
 */
record Item(Kind kind, byte[] data, ProxiedConnection.Ending ending) {
    enum Kind { DATA, EOF, CLOSE, RESET, HALF_CLOSE }

    static final Item EOF = new Item(Kind.EOF, null, null);
    static final Item HALF_CLOSE = new Item(Kind.HALF_CLOSE, null, null);

    static Item data(byte[] data) {
        return new Item(Kind.DATA, data, null);
    }

    static Item close(ProxiedConnection.Ending why) {
        return new Item(Kind.CLOSE, null, why);
    }

    static Item reset() {
        return new Item(Kind.RESET, null, ProxiedConnection.Ending.RESET_BY_FAULT);
    }

    /** A close or a reset: it ends the connection, so no stage holds it back behind bytes. */
    boolean endsConnection() {
        return kind == Kind.CLOSE || kind == Kind.RESET;
    }

    int size() {
        return data == null ? 0 : data.length;
    }

    /** The first {@code n} bytes (0 < n < size). */
    Item head(int n) {
        return data(Arrays.copyOfRange(data, 0, n));
    }

    /** What follows the first {@code n} bytes. */
    Item tail(int n) {
        return data(Arrays.copyOfRange(data, n, data.length));
    }
}
