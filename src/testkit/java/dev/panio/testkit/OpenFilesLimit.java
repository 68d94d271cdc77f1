package dev.panio.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Runs each test (of the class, or the one method) with the process's soft
 * {@code RLIMIT_NOFILE} lowered to {@link #value()}, and restores the limit it found
 * afterwards, whatever the test did. A server under test then meets {@code EMFILE} after a
 * few dozen descriptors instead of thousands. The limit is the whole process's: do not run
 * such tests in parallel with others in one JVM.
 */
@Documented
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
@ExtendWith(OpenFilesLimitExtension.class)
public @interface OpenFilesLimit {
    /**
     * The soft limit during the test: one more than the highest descriptor number that can be opened.
     *
     * @return the limit, 1 to the hard limit (otherwise the test fails before it runs)
     */
    long value();
}
