package dev.panio.testkit;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Fails a test class that leaves the process with file descriptors it did not find:
 * {@code /proc/self/fd} is listed before the class's first test and after its last, and each
 * descriptor left over is named with what it points at ({@code pipe:[…]}, a path, or for a
 * TCP socket its addresses and state from {@code /proc/net/tcp}).
 *
 * <pre>{@code
 * @NoFdLeaks
 * class MyServerTest { ... }
 * }</pre>
 *
 * <p>Before the first listing it makes the JDK and panio open what they keep for the life of
 * the JVM (the JDK's virtual-thread pollers and the default group of its asynchronous
 * channels, panio's shared coroutine pollers), so those are
 * not taken for leaks; descriptors the JVM opens for itself (jar and module files, random
 * devices) are ignored. A close that another thread is still finishing gets a second (up to
 * one) to land. Test classes running in parallel in one JVM would see each other's
 * descriptors: use it where classes run one at a time (JUnit's default).
 *
 * <p>With {@code origins = true}, each leaked descriptor that panio opened is also named with
 * where: the frames of the stack that opened it, from the first outside panio's own
 * packages ({@link dev.panio.io.FdOrigins} is on for the class's tests, at the cost of a stack
 * trace per descriptor opened).
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
@ExtendWith(FdLeakCheck.class)
public @interface NoFdLeaks {
    /**
     * Also name where panio opened each leaked descriptor.
     *
     * @return true to track where descriptors are opened during the class's tests
     */
    boolean origins() default false;
}
