package dev.panio.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs test cases that could crash the JVM in a child JVM, so that a crash fails the one
 * case it happened in, with the summary of the JVM's crash log, instead of ending the suite.
 *
 * <p>The child is this test JVM's twin: the same java, module path, patched test classes
 * and class path. It calls {@code static void runForked(String name)} of the given class for
 * each case name in turn and reports each on its standard output. When the child dies, the
 * case it was running is failed with the crash, and a new child goes on with the cases left.
 */
public final class Forked {
    private Forked() {}

    /** A case's outcome; {@code skipped} with the reason in {@code detail}. */
    public record Result(String name, boolean passed, String detail, boolean skipped) {
        Result(String name, boolean passed, String detail) {
            this(name, passed, detail, false);
        }
    }

    /** The longest a case may run without a line from the child. */
    private static final long CASE_TIMEOUT_SECONDS = 60;

    /** Runs {@code names} through {@code cls.runForked} in child JVMs; returns each result by name. */
    public static Map<String, Result> run(Class<?> cls, List<String> names, String... extraJvmArgs) throws IOException, InterruptedException {
        Map<String, Result> results = new LinkedHashMap<>();
        List<String> left = new ArrayList<>(names);
        while (!left.isEmpty()) {
            Path errorDir = Files.createTempDirectory("panio-forked");
            List<String> cmd = command(cls, left, errorDir, extraJvmArgs);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String running = null;
            StringBuilder output = new StringBuilder();
            // A hung case must not hang the suite: with no line from the child for this long,
            // it is killed, and the case it was in fails as hung.
            java.util.concurrent.atomic.AtomicLong lastLine = new java.util.concurrent.atomic.AtomicLong(System.nanoTime());
            java.util.concurrent.atomic.AtomicBoolean killed = new java.util.concurrent.atomic.AtomicBoolean();
            Thread watchdog = Thread.ofPlatform().daemon().start(() -> {
                while (p.isAlive()) {
                    if (System.nanoTime() - lastLine.get() > TimeUnit.SECONDS.toNanos(CASE_TIMEOUT_SECONDS)) {
                        killed.set(true);
                        p.destroyForcibly();
                        return;
                    }
                    try {
                        Thread.sleep(200);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = r.readLine()) != null; ) {
                    lastLine.set(System.nanoTime());
                    if (line.startsWith("CASE ")) {
                        running = line.substring(5);
                        output.setLength(0);
                    } else if (line.startsWith("PASS ") || line.startsWith("SKIP ") || line.startsWith("FAIL ")) {
                        String rest = line.substring(5);
                        int tab = rest.indexOf('\t');
                        String n = tab < 0 ? rest : rest.substring(0, tab);
                        String detail = tab < 0 ? "" : rest.substring(tab + 1);
                        boolean skipped = line.startsWith("SKIP ");
                        results.put(n, new Result(n, !line.startsWith("FAIL "), detail, skipped));
                        left.remove(n);
                        running = null;
                    } else if (output.length() < 4000) {
                        output.append(line).append('\n');
                    }
                }
            }
            if (!p.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) p.destroyForcibly();
            p.waitFor();
            watchdog.interrupt();
            int exit = p.exitValue();
            if (running != null) {
                String crash = crashSummary(errorDir);
                String how = killed.get() ? "hung: no progress for " + CASE_TIMEOUT_SECONDS + " s, killed" : "the child JVM died (exit " + exit + ")";
                results.put(running, new Result(running, false, how + " in this case"
                        + (crash.isEmpty() ? "" : ": " + crash) + (output.isEmpty() ? "" : "\n" + output)));
                left.remove(running);
            } else if (!left.isEmpty()) {
                for (String n : left) results.put(n, new Result(n, false, "never run: the child JVM exited " + exit + "\n" + output));
                left.clear();
            }
            deleteTree(errorDir);
        }
        return results;
    }

    private static List<String> command(Class<?> cls, List<String> names, Path errorDir, String... extra) {
        String javaBin = ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        String testClasses = Path.of("target", "test-classes").toAbsolutePath().toString();
        StringBuilder cp = new StringBuilder();
        for (String e : System.getProperty("java.class.path", "").split(java.io.File.pathSeparator)) {
            if (e.isEmpty() || Path.of(e).toAbsolutePath().toString().equals(testClasses)) continue;
            if (cp.length() > 0) cp.append(java.io.File.pathSeparator);
            cp.append(e);
        }
        List<String> cmd = new ArrayList<>(List.of(javaBin,
                "-XX:ErrorFile=" + errorDir.resolve("hs_err_%p.log"), "-XX:-CreateCoredumpOnCrash",
                "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=dev.panio",
                "--module-path", System.getProperty("jdk.module.path"),
                "--patch-module", "dev.panio=" + testClasses,
                "--add-reads", "dev.panio=ALL-UNNAMED",
                "--class-path", cp.toString()));
        cmd.addAll(List.of(extra));
        cmd.addAll(List.of("-m", "dev.panio/" + Forked.class.getName(), cls.getName()));
        cmd.addAll(names);
        return cmd;
    }

    /** The first lines of the JVM's crash log that say what crashed. */
    private static String crashSummary(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            Path log = files.filter(f -> f.getFileName().toString().startsWith("hs_err")).findFirst().orElse(null);
            if (log == null) return "";
            StringBuilder sb = new StringBuilder();
            for (String line : Files.readAllLines(log)) {
                if (line.startsWith("#  SIG") || line.startsWith("# SIG") || line.startsWith("# Problematic frame") || line.startsWith("# C  ")
                        || line.startsWith("# J ") || line.startsWith("# j ") || line.startsWith("# V ")) {
                    sb.append(line).append(' ');
                }
                if (sb.length() > 600) break;
            }
            return sb.toString().trim();
        } catch (IOException e) {
            return "";
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory
        }
    }

    /** The child: {@code Forked <class> <case>...}. */
    public static void main(String[] args) throws Exception {
        Class<?> cls = Class.forName(args[0]);
        Method run = cls.getDeclaredMethod("runForked", String.class);
        run.setAccessible(true);
        for (int i = 1; i < args.length; i++) {
            String name = args[i];
            System.out.println("CASE " + name);
            System.out.flush();
            try {
                run.invoke(null, name);
                System.out.println("PASS " + name);
            } catch (InvocationTargetException e) {
                Throwable t = e.getCause();
                boolean skipped = t.getClass().getName().equals("org.opentest4j.TestAbortedException");
                System.out.println((skipped ? "SKIP " : "FAIL ") + name + "\t" + String.valueOf(skipped ? t.getMessage() : t).replace('\n', ' '));
            }
            System.out.flush();
        }
        System.exit(0);
    }
}
