package dev.panio.testkit.proxy;

/** Which way through a {@link FaultProxy} a fault acts on bytes. */
public enum Direction {
    /** What the client (the code under test, when it connects to the proxy) sends on to the upstream. */
    TO_UPSTREAM,
    /** What the upstream answers, on its way back to the client. */
    TO_CLIENT;

    /**
     * The name the command line uses: {@code to-upstream}, {@code to-client}.
     *
     * @return the name
     */
    public String flag() {
        return this == TO_UPSTREAM ? "to-upstream" : "to-client";
    }

    /**
     * Parses {@link #flag()} (or the constant's name, any case).
     *
     * @param s the name
     * @return the direction
     * @throws IllegalArgumentException for any other name
     */
    public static Direction parse(String s) {
        for (Direction d : values()) {
            if (d.flag().equalsIgnoreCase(s) || d.name().equalsIgnoreCase(s)) return d;
        }
        throw new IllegalArgumentException("not a direction: " + s + " (to-upstream or to-client)");
    }
}
