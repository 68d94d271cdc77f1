package dev.panio.testkit.proxy;

import dev.panio.net.UnixAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/**
 * The fault proxy as a command, for applications that are not written in Java:
 * {@code scripts/fault-proxy.sh --upstream 127.0.0.1:8080 --fault 'to-client latency delay=100ms'}.
 * After it starts it reads commands on its standard input, one per line, so a test script
 * can change the faults while connections are live ({@code help} lists them); at the end of
 * that input it goes on proxying until it is stopped (Ctrl-C, SIGTERM).
 */
public final class FaultProxyCommand {
    private static final String USAGE = """
            usage: scripts/fault-proxy.sh --upstream HOST:PORT|unix:PATH|unix:@NAME [--listen HOST:PORT|unix:...]
                                          [--seed N] [--receive-buffer BYTES] [--accept-delay D] [--refuse]
                                          [--fault 'DIRECTION KIND key=value ...']...
            DIRECTION: to-upstream or to-client. KIND and its parameters:
              latency delay=D [jitter=D]      bandwidth rate=BYTES_PER_S      slicer size=N [variation=N] [delay=D]
              limit-data bytes=N              stall [timeout=D]               reset bytes=N | after=D
              slow-close delay=D              half-close [bytes=N]            zero-window [bytes=N] [buffer=N]
              any fault: toxicity=P (0 to 1)  D: 500us, 100ms, 2s             N: bytes, or with KiB / MiB
            commands on standard input:
              add DIRECTION KIND key=value...   change ID key=value...   remove ID   clear
              refuse on|off   accept-delay D   faults   connections   help   quit""";

    private FaultProxyCommand() {}

    /**
     * Runs the proxy until it is stopped or reads {@code quit}; exits with status 2 for bad options.
     *
     * @param args the options ({@code --help} prints them)
     * @throws Exception if the proxy cannot start
     */
    public static void main(String[] args) throws Exception {
        FaultProxy proxy;
        try {
            proxy = start(args, System.out);
        } catch (IllegalArgumentException e) {
            System.err.println("fault-proxy: " + e.getMessage() + "\n" + USAGE);
            System.exit(2);
            return;
        }
        if (proxy == null) return; // --help
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            proxy.close();
            stopped.countDown();
        }));
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.trim().equals("quit")) System.exit(0);
            System.out.println(command(proxy, line));
            System.out.flush();
        }
        stopped.await(); // no more commands: proxy until stopped
    }

    /** Parses the arguments and starts the proxy; null for {@code --help}. */
    static FaultProxy start(String[] args, PrintStream out) throws IOException {
        SocketAddress upstream = null, listen = null;
        FaultProxy.Builder b = null;
        Long seed = null;
        Integer receiveBuffer = null;
        java.time.Duration acceptDelay = null;
        boolean refuse = false;
        List<String> faults = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--help", "-h" -> {
                    out.println(USAGE);
                    return null;
                }
                case "--upstream" -> upstream = address(value(args, ++i, a));
                case "--listen" -> listen = address(value(args, ++i, a));
                case "--seed" -> seed = Long.parseLong(value(args, ++i, a));
                case "--receive-buffer" -> receiveBuffer = Math.toIntExact(FaultSpec.size(value(args, ++i, a), a));
                case "--accept-delay" -> acceptDelay = FaultSpec.duration(value(args, ++i, a), a);
                case "--refuse" -> refuse = true;
                case "--fault" -> faults.add(value(args, ++i, a));
                default -> throw new IllegalArgumentException("unknown option " + a);
            }
        }
        if (upstream == null) throw new IllegalArgumentException("--upstream is required");
        List<FaultSpec> specs = faults.stream().map(FaultSpec::parse).toList(); // all checked before anything starts
        b = FaultProxy.builder(upstream);
        if (listen != null) b.listenOn(listen);
        if (seed != null) b.seed(seed);
        if (receiveBuffer != null) b.receiveBuffer(receiveBuffer);
        if (acceptDelay != null) b.acceptDelay(acceptDelay);
        FaultProxy proxy = b.start();
        for (FaultSpec s : specs) proxy.add(s.direction(), s.fault(), s.toxicity());
        if (refuse) proxy.refuse(true);
        out.println("panio fault proxy on " + show(proxy.address()) + " -> " + show(upstream) + ", seed " + proxy.seed());
        for (FaultHandle h : proxy.faults()) out.println("fault " + h);
        out.flush();
        return proxy;
    }

    /** Runs one command line and returns what to print. */
    static String command(FaultProxy proxy, String line) {
        String[] w = line.trim().split("\\s+", 2);
        String rest = w.length > 1 ? w[1] : "";
        try {
            return switch (w[0]) {
                case "" -> "";
                case "help" -> USAGE;
                case "add" -> {
                    FaultSpec s = FaultSpec.parse(rest);
                    yield "fault " + proxy.add(s.direction(), s.fault(), s.toxicity());
                }
                case "change" -> {
                    String[] p = rest.split("\\s+", 2);
                    FaultHandle h = find(proxy, p[0]);
                    h.change(FaultSpec.changed(h.fault(), FaultSpec.parameters((p.length > 1 ? p[1] : "").split("\\s+"))));
                    yield "fault " + h;
                }
                case "remove" -> {
                    FaultHandle h = find(proxy, rest);
                    h.remove();
                    yield "removed " + h;
                }
                case "clear" -> {
                    proxy.clearFaults();
                    yield "no faults";
                }
                case "refuse" -> {
                    if (!rest.equals("on") && !rest.equals("off")) throw new IllegalArgumentException("refuse on|off");
                    proxy.refuse(rest.equals("on"));
                    yield rest.equals("on") ? "refusing connections" : "listening on " + show(proxy.address());
                }
                case "accept-delay" -> {
                    proxy.acceptDelay(FaultSpec.duration(rest, "accept-delay"));
                    yield "accept delay " + rest;
                }
                case "faults" -> {
                    StringBuilder sb = new StringBuilder();
                    for (FaultHandle h : proxy.faults()) sb.append("fault ").append(h).append('\n');
                    yield sb.append(proxy.faults().size()).append(" fault(s)").toString();
                }
                case "connections" -> {
                    StringBuilder sb = new StringBuilder();
                    for (ProxiedConnection c : proxy.connections()) sb.append(describe(c)).append('\n');
                    yield sb.append(proxy.connections().size()).append(" connection(s)").toString();
                }
                default -> throw new IllegalArgumentException("unknown command " + w[0] + " (help lists them)");
            };
        } catch (RuntimeException e) {
            return "error: " + e.getMessage();
        }
    }

    private static FaultHandle find(FaultProxy proxy, String id) {
        String n = id.startsWith("#") ? id.substring(1) : id;
        for (FaultHandle h : proxy.faults()) if (Integer.toString(h.id()).equals(n.trim())) return h;
        throw new IllegalArgumentException("no fault #" + n.trim() + " (faults lists them)");
    }

    static String describe(ProxiedConnection c) {
        return "connection " + c.id() + " from " + show(c.client()) + ": " + c.bytesToUpstream() + " B to upstream, "
                + c.bytesToClient() + " B to client" + (c.droppedToUpstream() + c.droppedToClient() > 0
                        ? ", dropped " + c.droppedToUpstream() + " / " + c.droppedToClient() : "")
                + (c.heldToUpstream() + c.heldToClient() > 0 ? ", held " + c.heldToUpstream() + " / " + c.heldToClient() : "")
                + (c.faults().isEmpty() ? "" : ", faults " + c.faults()) + ", "
                + (c.isOpen() ? "open" : c.ending() + (c.detail() == null ? "" : " (" + c.detail() + ")"));
    }

    private static String show(SocketAddress a) {
        if (a instanceof InetSocketAddress i) {
            String host = i.getAddress() instanceof java.net.Inet6Address ? "[" + i.getAddress().getHostAddress() + "]" : i.getAddress().getHostAddress();
            return host + ":" + i.getPort();
        }
        return String.valueOf(a);
    }

    /** {@code HOST:PORT}, {@code [V6]:PORT}, {@code unix:PATH} or {@code unix:@NAME} (abstract). */
    static SocketAddress address(String s) {
        if (s.startsWith("unix:@")) return UnixAddress.abstractName(s.substring(6));
        if (s.startsWith("unix:")) return UnixAddress.of(s.substring(5));
        int colon = s.lastIndexOf(':');
        if (colon <= 0) throw new IllegalArgumentException("an address is HOST:PORT, [V6]:PORT or unix:PATH: " + s);
        String host = s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) host = host.substring(1, host.length() - 1);
        int port;
        try {
            port = Integer.parseInt(s.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a port: " + s);
        }
        if (port < 0 || port > 65535) throw new IllegalArgumentException("port out of range: " + s);
        try {
            return new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            throw new IllegalArgumentException("unknown host " + host);
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) throw new IllegalArgumentException(option + " needs a value");
        return args[i];
    }
}
