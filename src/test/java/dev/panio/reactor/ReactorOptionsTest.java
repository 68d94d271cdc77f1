package dev.panio.reactor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Values a loop could not run with are refused when the options are made, naming the value. */
class ReactorOptionsTest {
    static void refused(String mentions, Runnable make) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, make::run);
        assertTrue(e.getMessage().contains(mentions), e.getMessage());
    }

    @Test
    void outOfRangeValuesAreRefused() {
        ReactorOptions d = ReactorOptions.defaults();
        refused("loops", () -> d.withLoops(0));
        refused("readBufferBytes", () -> d.withReadBuffer(255));
        refused("watermark", () -> d.withWatermarks(10, 5, 20));
        // a budget of 0 left io_uring connections reading nothing, for ever
        refused("readBudgetBytes", () -> d.withReadBudget(0));
        refused("readBudgetBytes", () -> d.withReadBudget(-1));
        refused("power of two", () -> d.withUringBuffers(3));
        refused("32768", () -> d.withUringBuffers(65536)); // more than a buffer ring holds
        refused("power of two", () -> d.withUringBuffers(Integer.MIN_VALUE)); // one bit set, and negative
        refused("idleTimeoutMillis", () -> d.withIdleTimeout(-1));
        refused("writeTimeoutMillis", () -> d.withWriteTimeout(-1));
    }

    @Test
    void theEdgesAreAccepted() {
        ReactorOptions d = ReactorOptions.defaults();
        assertEquals(1, d.withReadBudget(1).readBudgetBytes());
        assertEquals(32768, d.withUringBuffers(32768).uringBuffers());
        assertEquals(256, d.withReadBuffer(256).readBufferBytes());
        assertEquals(1, d.withLoops(1).loops());
    }
}
