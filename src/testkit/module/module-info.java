/**
 * panio-testkit: Linux integration tests for network applications, for a project's test
 * scope. See {@link dev.panio.testkit}.
 */
module dev.panio.testkit {
    requires transitive dev.panio;
    requires transitive org.junit.jupiter.api;
    exports dev.panio.testkit;
    exports dev.panio.testkit.proxy;
    opens dev.panio.testkit to org.junit.platform.commons; // JUnit instantiates the extensions
}
