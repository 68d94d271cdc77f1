package dev.panio.testkit;

import dev.panio.io.ResourceLimits;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.commons.support.AnnotationSupport;

/** The extension behind {@link OpenFilesLimit}; see there. */
public final class OpenFilesLimitExtension implements BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(OpenFilesLimitExtension.class);

    /** Made by JUnit where {@link OpenFilesLimit} is used. */
    public OpenFilesLimitExtension() {}

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        OpenFilesLimit limit = AnnotationSupport.findAnnotation(context.getRequiredTestMethod(), OpenFilesLimit.class)
                .or(() -> AnnotationSupport.findAnnotation(context.getRequiredTestClass(), OpenFilesLimit.class))
                .orElseThrow();
        ResourceLimits.Limit found = ResourceLimits.openFiles();
        if (limit.value() < 1 || limit.value() > found.hard()) {
            throw new IllegalArgumentException("@OpenFilesLimit(" + limit.value() + "): must be 1.." + found.hard() + " (the hard limit)");
        }
        context.getStore(NS).put("found", found);
        ResourceLimits.setOpenFiles(new ResourceLimits.Limit(limit.value(), found.hard()));
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        ResourceLimits.Limit found = context.getStore(NS).remove("found", ResourceLimits.Limit.class);
        if (found != null) ResourceLimits.setOpenFiles(found);
    }
}
