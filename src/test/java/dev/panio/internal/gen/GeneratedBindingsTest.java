package dev.panio.internal.gen;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The generated bindings are exactly what scripts/jextract.sh last produced: the checksum
 * manifest it writes must match every generated file, and no file may be added or removed
 * by hand.
 */
class GeneratedBindingsTest {
    private static final Path SOURCES = Path.of("src/main/java");
    private static final Path MANIFEST = Path.of("native-headers/GENERATED.sha256");

    @Test
    void generatedFilesMatchTheManifestOfTheLastRegeneration() throws Exception {
        List<String> lines = Files.readAllLines(MANIFEST);
        assertTrue(lines.get(0).startsWith("# jextract"), "manifest names the jextract that made it");
        Map<String, String> expected = new TreeMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] parts = line.split("\\s+", 2);
            expected.put(parts[1], parts[0]);
        }
        Map<String, String> actual = new TreeMap<>();
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        try (Stream<Path> files = Files.list(SOURCES.resolve("dev/panio/internal/gen"))) {
            for (Path f : (Iterable<Path>) files::iterator) {
                actual.put(SOURCES.relativize(f).toString(), HexFormat.of().formatHex(sha.digest(Files.readAllBytes(f))));
            }
        }
        assertEquals(expected, actual, "generated bindings differ from native-headers/GENERATED.sha256: "
                + "regenerate them with scripts/jextract.sh instead of editing them");
    }

    @Test
    void epollEventIsPackedAsOnX86_64() {
        assertEquals(12, epoll_event.sizeof());
        assertEquals(128, fd_set.sizeof());
        assertEquals(64, io_uring_sqe.sizeof());
        assertEquals(16, io_uring_cqe.sizeof());
    }
}
