package dev.panio.testkit.proxy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A fault written as text, as {@link FaultProxyCommand} takes it:
 * {@code to-client latency delay=100ms jitter=20ms toxicity=0.5}. Parameters by kind
 * (durations as {@code 500us}, {@code 100ms}, {@code 2s}; sizes as bytes, or with
 * {@code KiB}/{@code MiB}):
 *
 * <pre>
 * latency      delay=D [jitter=D]
 * bandwidth    rate=BYTES_PER_SECOND
 * slicer       size=N [variation=N] [delay=D]
 * limit-data   bytes=N
 * stall        [timeout=D]             (none: never closes)
 * reset        bytes=N | after=D
 * slow-close   delay=D
 * half-close   [bytes=N]               (default 0)
 * zero-window  [bytes=N] [buffer=N]    (defaults 0 and 0: the buffer as it is)
 * </pre>
 *
 * Every kind also takes {@code toxicity=P} (0 to 1, default 1).
 *
 * @param direction which way
 * @param fault     the fault
 * @param toxicity  the probability per connection
 */
public record FaultSpec(Direction direction, Fault fault, double toxicity) {

    /**
     * Parses {@code direction kind key=value...}.
     *
     * @param text the fault as text, words separated by white space
     * @return the spec
     * @throws IllegalArgumentException saying what is wrong
     */
    public static FaultSpec parse(String text) {
        String[] words = text.trim().split("\\s+");
        if (words.length < 2) throw new IllegalArgumentException("a fault is: direction kind [key=value...], not: " + text);
        Direction d = Direction.parse(words[0]);
        Map<String, String> p = parameters(java.util.Arrays.copyOfRange(words, 2, words.length));
        double toxicity = p.containsKey("toxicity") ? number(p.remove("toxicity"), "toxicity") : 1.0;
        if (!(toxicity >= 0 && toxicity <= 1)) throw new IllegalArgumentException("toxicity must be 0 to 1: " + toxicity);
        return new FaultSpec(d, fault(words[1], p), toxicity);
    }

    /**
     * {@code key=value} words as a map.
     *
     * @throws IllegalArgumentException for another word, or a key given twice
     */
    static Map<String, String> parameters(String... words) {
        Map<String, String> p = new HashMap<>();
        for (String w : words) {
            if (w.isEmpty()) continue;
            int eq = w.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("a fault parameter is key=value, not: " + w);
            if (p.put(w.substring(0, eq), w.substring(eq + 1)) != null) {
                throw new IllegalArgumentException("parameter " + w.substring(0, eq) + " given twice");
            }
        }
        return p;
    }

    /** The fault of {@code kind} with parameters {@code p} (consumed). */
    static Fault fault(String kind, Map<String, String> p) {
        Fault f = switch (kind.toLowerCase(Locale.ROOT)) {
            case "latency" -> {
                only(kind, p, "delay", "jitter");
                yield new Fault.Latency(duration(need(kind, p, "delay"), "delay"), duration(p.getOrDefault("jitter", "0ms"), "jitter"));
            }
            case "bandwidth" -> {
                only(kind, p, "rate");
                yield new Fault.Bandwidth(size(need(kind, p, "rate"), "rate"));
            }
            case "slicer" -> {
                only(kind, p, "size", "variation", "delay");
                yield new Fault.Slicer(Math.toIntExact(size(need(kind, p, "size"), "size")),
                        Math.toIntExact(size(p.getOrDefault("variation", "0"), "variation")), duration(p.getOrDefault("delay", "0ms"), "delay"));
            }
            case "limit-data" -> {
                only(kind, p, "bytes");
                yield new Fault.LimitData(size(need(kind, p, "bytes"), "bytes"));
            }
            case "stall" -> {
                only(kind, p, "timeout");
                yield new Fault.Stall(duration(p.getOrDefault("timeout", "0ms"), "timeout"));
            }
            case "reset" -> {
                only(kind, p, "bytes", "after");
                if (p.containsKey("bytes") == p.containsKey("after")) throw new IllegalArgumentException("reset takes bytes=N or after=D");
                yield p.containsKey("bytes") ? Fault.resetAfterBytes(size(p.get("bytes"), "bytes")) : Fault.resetAfter(duration(p.get("after"), "after"));
            }
            case "slow-close" -> {
                only(kind, p, "delay");
                yield new Fault.SlowClose(duration(need(kind, p, "delay"), "delay"));
            }
            case "half-close" -> {
                only(kind, p, "bytes");
                yield new Fault.HalfClose(size(p.getOrDefault("bytes", "0"), "bytes"));
            }
            case "zero-window" -> {
                only(kind, p, "bytes", "buffer");
                yield new Fault.ZeroWindow(size(p.getOrDefault("bytes", "0"), "bytes"), Math.toIntExact(size(p.getOrDefault("buffer", "0"), "buffer")));
            }
            default -> throw new IllegalArgumentException("unknown fault " + kind
                    + " (latency, bandwidth, slicer, limit-data, stall, reset, slow-close, half-close, zero-window)");
        };
        return f;
    }

    /** The parameters {@link Fault#kind()} {@code kind} takes, for a change: the current ones overlaid with {@code p}. */
    static Fault changed(Fault current, Map<String, String> p) {
        Map<String, String> all = new HashMap<>(parameters(current));
        all.putAll(p);
        if (current instanceof Fault.Reset) {
            // one of the two: the one given wins
            if (p.containsKey("bytes")) all.remove("after");
            if (p.containsKey("after")) all.remove("bytes");
        }
        return fault(current.kind(), all);
    }

    private static Map<String, String> parameters(Fault f) {
        Map<String, String> m = new HashMap<>();
        switch (f) {
            case Fault.Latency l -> {
                m.put("delay", l.delay().toNanos() / 1000 + "us");
                m.put("jitter", l.jitter().toNanos() / 1000 + "us");
            }
            case Fault.Bandwidth b -> m.put("rate", Long.toString(b.bytesPerSecond()));
            case Fault.Slicer s -> {
                m.put("size", Integer.toString(s.averageSize()));
                m.put("variation", Integer.toString(s.sizeVariation()));
                m.put("delay", s.delay().toNanos() / 1000 + "us");
            }
            case Fault.LimitData l -> m.put("bytes", Long.toString(l.bytes()));
            case Fault.Stall s -> m.put("timeout", s.timeout().toNanos() / 1000 + "us");
            case Fault.Reset r -> {
                if (r.after() == null) m.put("bytes", Long.toString(r.afterBytes()));
                else m.put("after", r.after().toNanos() / 1000 + "us");
            }
            case Fault.SlowClose s -> m.put("delay", s.delay().toNanos() / 1000 + "us");
            case Fault.HalfClose h -> m.put("bytes", Long.toString(h.afterBytes()));
            case Fault.ZeroWindow z -> {
                m.put("bytes", Long.toString(z.afterBytes()));
                m.put("buffer", Integer.toString(z.receiveBuffer()));
            }
        }
        return m;
    }

    private static void only(String kind, Map<String, String> p, String... allowed) {
        Set<String> ok = Set.of(allowed);
        for (String k : p.keySet()) {
            if (!ok.contains(k)) throw new IllegalArgumentException(kind + " takes " + String.join(", ", allowed) + "; not " + k);
        }
    }

    private static String need(String kind, Map<String, String> p, String key) {
        String v = p.get(key);
        if (v == null) throw new IllegalArgumentException(kind + " needs " + key + "=...");
        return v;
    }

    /**
     * {@code 500us}, {@code 100ms}, {@code 2s}.
     *
     * @param s    the text: whole microseconds or milliseconds, or seconds with a fraction ({@code 1.5s})
     * @param what the parameter's name, for the exception
     * @return the duration
     * @throws IllegalArgumentException if {@code s} is none of these
     */
    public static Duration duration(String s, String what) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        try {
            if (t.endsWith("us")) return Duration.ofNanos(Math.multiplyExact(Long.parseLong(t.substring(0, t.length() - 2)), 1000L));
            if (t.endsWith("ms")) return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            if (t.endsWith("s")) return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1)) * 1000));
        } catch (NumberFormatException | ArithmeticException e) {
            // below
        }
        throw new IllegalArgumentException(what + " is a duration such as 500us, 100ms or 2s: " + s);
    }

    /** Bytes, or with {@code KiB}/{@code MiB}. */
    static long size(String s, String what) {
        String t = s.trim();
        long unit = 1;
        if (t.endsWith("KiB")) {
            unit = 1024;
            t = t.substring(0, t.length() - 3);
        } else if (t.endsWith("MiB")) {
            unit = 1024 * 1024;
            t = t.substring(0, t.length() - 3);
        }
        try {
            return Math.multiplyExact(Long.parseLong(t), unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new IllegalArgumentException(what + " is a number of bytes (or with KiB, MiB): " + s);
        }
    }

    private static double number(String s, String what) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(what + " is a number: " + s);
        }
    }
}
