package dev.panio.internal.sys;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PlatformTest {
    @Test
    void theBindingsPlatformIsAccepted() {
        assertDoesNotThrow(() -> Platform.check("Linux", "amd64"));
        assertDoesNotThrow(() -> Platform.check("Linux", "x86_64"));
        assertDoesNotThrow(Platform::checkThisJvm); // the suite runs on the platform the bindings are for
    }

    @Test
    void anotherArchitectureIsRefusedSayingWhy() {
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> Platform.check("Linux", "aarch64"));
        assertTrue(e.getMessage().contains("generated for Linux x86_64"), e.getMessage());
        assertTrue(e.getMessage().contains("Linux aarch64"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> Platform.check("Mac OS X", "x86_64"));
        assertThrows(UnsupportedOperationException.class, () -> Platform.check("Linux", "riscv64"));
    }
}
