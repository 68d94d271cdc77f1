package dev.panio.internal.sys;

import java.util.Locale;

/**
 * The platform panio's generated bindings fit. jextract writes the layouts and constants of
 * the machine it ran on: x86_64 Linux here, where for example {@code struct epoll_event} is
 * packed (12 bytes) and {@code O_DIRECTORY} is 0200000, which on arm64 is {@code O_DIRECT}.
 * On any other platform the same Java code would pass wrong sizes and flags to the kernel,
 * so {@link Native} refuses to link a single call there, with this class's message, before
 * anything reaches the kernel. (Bindings for aarch64 would need their own generated package
 * and a check of it.)
 */
public final class Platform {
    private Platform() {}

    /** The {@code os.arch} values the bindings were generated for. */
    public static final String GENERATED_FOR = "Linux x86_64 (os.arch amd64 or x86_64)";

    /** Throws unless {@code osName}/{@code osArch} (as the JVM reports them) are what the bindings fit. */
    public static void check(String osName, String osArch) {
        String arch = osArch.toLowerCase(Locale.ROOT);
        boolean linux = osName.toLowerCase(Locale.ROOT).startsWith("linux");
        if (!linux || !(arch.equals("amd64") || arch.equals("x86_64"))) {
            throw new UnsupportedOperationException("panio's bindings were generated for " + GENERATED_FOR
                    + "; this JVM runs on " + osName + " " + osArch
                    + ": their struct layouts and constants would be wrong here, so panio refuses to run");
        }
    }

    /** {@link #check} for this JVM. */
    static void checkThisJvm() {
        check(System.getProperty("os.name", "?"), System.getProperty("os.arch", "?"));
    }
}
