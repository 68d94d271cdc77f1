package dev.panio.testkit;

import dev.panio.uring.Availability;
import dev.panio.uring.Capability;
import dev.panio.uring.IoUring;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** The condition behind {@link Requires}; see there. */
public final class RequiresCondition implements ExecutionCondition {
    /** Made by JUnit where {@link Requires} is used. */
    public RequiresCondition() {}

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Optional<Requires> found = context.getElement().flatMap(e -> AnnotationSupport.findAnnotation(e, Requires.class));
        if (found.isEmpty()) return ConditionEvaluationResult.enabled("nothing required");
        Requires r = found.get();
        String os = System.getProperty("os.name");
        if (!"Linux".equals(os)) return ConditionEvaluationResult.disabled("needs Linux, this is " + os);
        String release = System.getProperty("os.version");
        if (!r.kernel().isEmpty() && compare(release, r.kernel()) < 0) {
            return ConditionEvaluationResult.disabled("needs kernel " + r.kernel() + " or later, this is " + release);
        }
        if (r.ioUring() || r.capabilities().length > 0) {
            Availability a = IoUring.availability();
            if (!a.available()) return ConditionEvaluationResult.disabled("needs io_uring: " + a.reason());
            for (Capability c : r.capabilities()) {
                if (!a.has(c)) return ConditionEvaluationResult.disabled("needs io_uring " + c + ": " + a.whyNot(c));
            }
        }
        return ConditionEvaluationResult.enabled("kernel " + release + " has what is required");
    }

    /** Compares two releases by their leading numbers ("6.18.44-fc" against "5.19"): negative if {@code a} is older. */
    static int compare(String a, String b) {
        int[] x = numbers(a), y = numbers(b);
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            int p = i < x.length ? x[i] : 0, q = i < y.length ? y[i] : 0;
            if (p != q) return Integer.compare(p, q);
        }
        return 0;
    }

    private static final Pattern LEADING = Pattern.compile("^(\\d+)(?:\\.(\\d+))?(?:\\.(\\d+))?");

    /** The leading dotted numbers of a release: "6.18.44-fc-v595" is 6, 18, 44. */
    private static int[] numbers(String release) {
        Matcher m = LEADING.matcher(release.trim());
        if (!m.find()) throw new IllegalArgumentException("not a kernel release: \"" + release + "\"");
        int n = m.group(3) != null ? 3 : m.group(2) != null ? 2 : 1;
        int[] out = new int[n];
        for (int i = 0; i < n; i++) out[i] = Integer.parseInt(m.group(i + 1));
        return out;
    }
}
