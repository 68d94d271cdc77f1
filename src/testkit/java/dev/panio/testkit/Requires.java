package dev.panio.testkit;

import dev.panio.uring.Capability;
import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs a test class or method only where the machine has what it needs, and otherwise
 * skips it with the reason (JUnit reports it as skipped, never as passed):
 *
 * <pre>{@code
 * @Requires(kernel = "6.1", ioUring = true, capabilities = Capability.DEFER_TASKRUN)
 * }</pre>
 *
 * Linux is always required. {@link #kernel()} compares the running kernel's release
 * ({@code uname -r}) by its numbers; {@link #ioUring()} asks whether this process gets a
 * ring ({@code kernel.io_uring_disabled} and seccomp profiles refuse one), and
 * {@link #capabilities()} which ring features the kernel grants.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(RequiresCondition.class)
public @interface Requires {
    /**
     * The oldest kernel release that will do, as "major.minor" or "major.minor.patch"; "" for any.
     *
     * @return the release, or ""
     */
    String kernel() default "";

    /**
     * Whether io_uring must be available to this process.
     *
     * @return true to skip where no ring can be had
     */
    boolean ioUring() default false;

    /**
     * io_uring features that must be granted (implies {@link #ioUring()}).
     *
     * @return the capabilities, none by default
     */
    Capability[] capabilities() default {};
}
