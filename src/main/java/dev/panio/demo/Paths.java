package dev.panio.demo;

import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;

/** Request-path helpers for {@code /files/}: percent-decoding and content types. */
final class Paths {
    private Paths() {}

    /**
     * The percent-decoded UTF-8 path in {@code b[from, to)}, or null if an escape is
     * malformed, the bytes are not UTF-8, or the result holds a NUL. Traversal is not
     * judged here: the kernel refuses it when the file is opened.
     */
    static String decode(byte[] b, int from, int to) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(to - from);
        for (int i = from; i < to; i++) {
            int c = b[i];
            if (c == '%') {
                if (i + 2 >= to) return null;
                int hi = Character.digit(b[i + 1], 16), lo = Character.digit(b[i + 2], 16);
                if (hi < 0 || lo < 0) return null;
                c = hi << 4 | lo;
                i += 2;
            }
            if (c == 0) return null;
            out.write(c);
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(out.toByteArray())).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    static byte[] contentType(String path) {
        int dot = path.lastIndexOf('.');
        String ext = dot < 0 ? "" : path.substring(dot + 1).toLowerCase(java.util.Locale.ROOT);
        return switch (ext) {
            case "html", "htm" -> HTML;
            case "txt", "md" -> TEXT;
            case "css" -> CSS;
            case "js" -> JS;
            case "json" -> JSON;
            case "png" -> PNG;
            case "jpg", "jpeg" -> JPEG;
            case "svg" -> SVG;
            default -> OCTETS;
        };
    }

    private static final byte[] HTML = ResponseWriter.ascii("text/html; charset=utf-8"),
            TEXT = ResponseWriter.ascii("text/plain; charset=utf-8"), CSS = ResponseWriter.ascii("text/css"),
            JS = ResponseWriter.ascii("text/javascript"), JSON = ResponseWriter.ascii("application/json"),
            PNG = ResponseWriter.ascii("image/png"), JPEG = ResponseWriter.ascii("image/jpeg"),
            SVG = ResponseWriter.ascii("image/svg+xml"), OCTETS = ResponseWriter.ascii("application/octet-stream");
}
