package dev.panio.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.panio.testkit.NoFdLeaks;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** openat2 with RESOLVE_BENEATH and fstat, on real files, directories, links and FIFOs. */
@NoFdLeaks
class LinuxFilesTest {
    @TempDir
    Path tmp;

    private Path root() throws Exception {
        Path root = java.nio.file.Files.createDirectories(tmp.resolve("root/sub"));
        root = root.getParent();
        java.nio.file.Files.writeString(root.resolve("sub/a.txt"), "inside");
        java.nio.file.Files.writeString(tmp.resolve("secret.txt"), "outside");
        java.nio.file.Files.createSymbolicLink(root.resolve("escape"), tmp.resolve("secret.txt"));
        java.nio.file.Files.createSymbolicLink(root.resolve("inner"), root.resolve("sub/a.txt").toAbsolutePath());
        java.nio.file.Files.createSymbolicLink(root.resolve("relative"), Path.of("sub/a.txt"));
        return root;
    }

    @Test
    void opensInsideAndReportsTypeAndSize() throws Exception {
        Path root = root();
        try (FileDescriptor dir = LinuxFiles.openDirectory(root);
             FileDescriptor f = LinuxFiles.openBeneath(dir, "sub/a.txt");
             FileDescriptor rel = LinuxFiles.openBeneath(dir, "relative");
             Arena arena = Arena.ofConfined()) {
            FileStatus st = LinuxFiles.stat(f);
            assertTrue(st.isRegularFile());
            assertFalse(st.isDirectory());
            assertEquals(6, st.size());
            MemorySegment buf = arena.allocate(16);
            long n = f.read(buf);
            assertArrayEquals("inside".getBytes(StandardCharsets.US_ASCII), buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE));
            assertTrue(LinuxFiles.stat(dir).isDirectory());
            assertEquals(6, LinuxFiles.stat(rel).size(), "a relative link that stays inside is followed");
        }
    }

    @Test
    void theKernelRefusesEveryWayOut() throws Exception {
        Path root = root();
        try (FileDescriptor dir = LinuxFiles.openDirectory(root)) {
            for (String out : new String[] {"../secret.txt", "sub/../../secret.txt", "escape", "inner", "/etc/passwd"}) {
                ErrnoException e = assertThrows(ErrnoException.class, () -> LinuxFiles.openBeneath(dir, out).close(), out);
                assertEquals(Errno.EXDEV, e.errno(), out);
                assertTrue(e.getMessage().contains("openat2") && e.getMessage().contains(out), e.getMessage());
            }
            ErrnoException missing = assertThrows(ErrnoException.class, () -> LinuxFiles.openBeneath(dir, "nope"));
            assertEquals(Errno.ENOENT, missing.errno());
            assertThrows(IllegalArgumentException.class, () -> LinuxFiles.openBeneath(dir, "a\0b"));
        }
    }

    @Test
    void aFifoOpensWithoutHangingAndIsNotARegularFile() throws Exception {
        Path root = root();
        Process p = new ProcessBuilder("mkfifo", root.resolve("fifo").toString()).start();
        assertEquals(0, p.waitFor());
        try (FileDescriptor dir = LinuxFiles.openDirectory(root); FileDescriptor f = LinuxFiles.openBeneath(dir, "fifo")) {
            assertFalse(LinuxFiles.stat(f).isRegularFile());
        }
    }
}
